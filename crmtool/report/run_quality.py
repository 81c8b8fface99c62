"""Data quality in a run: KPIs before and after cleansing, the issues found (by rule, by column, with
example cells), and the verification rules behind the quality gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from crmtool.report import charts
from crmtool.report.render import KPI_LABELS, KPI_ORDER, kpi_delta, missing
from crmtool.report.run_status import Gate
from crmtool.report.values import integer, number, text_or_none

if TYPE_CHECKING:
    import pandas as pd


FIELD_KPIS = ("completeness", "validity", "uniqueness")

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

SEVERITY_COLOUR = {"error": charts.VERMILLION, "warning": charts.ORANGE, "info": charts.SKY}

TOP_RULES = 15

TOP_COLUMNS = 15

EXAMPLES_PER_RULE = 3

FIELDS_IN_CHART = 40


@dataclass
class KpiCard:
    kpi: str
    label: str
    before: float | None
    after: float | None
    delta: str
    tone: str


@dataclass
class FieldKpis:
    field: str
    cells: list[KpiCard]


@dataclass
class ObjectKpis:
    object: str
    rows_before: int | None
    rows_after: int | None
    cards: list[KpiCard]
    fields: list[FieldKpis]
    charts: list[Markup]


@dataclass
class Example:
    source: str | None
    sheet: str | None
    row: int | None
    column: str | None
    original: str | None
    suggestion: str | None
    message: str | None


@dataclass
class RuleCount:
    rule: str
    severity: str
    count: int
    columns: list[str]
    examples: list[Example] = field(default_factory=list)


@dataclass
class IssueSummary:
    total: int
    rows_with_issues: int
    by_severity: dict[str, int]
    by_rule: list[RuleCount]
    by_column: list[tuple[str, int]]
    rules_total: int
    columns_total: int
    charts: list[Markup]


@dataclass
class VerifyRow:
    rule_id: str
    object: str | None
    field: str | None
    kind: str | None
    severity: str
    checked: int | None
    failed: int | None
    engines: dict[str, Any]
    engines_agree: bool | None
    status: str
    """passed | failed | skipped (a rule whose field is not in the data); from the result, or from `failed`."""
    note: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failing(self) -> bool:
        return self.status == "failed"

    @property
    def share(self) -> float | None:
        return self.failed / self.checked if self.checked else None


@dataclass
class Verification:
    rows: list[VerifyRow] | None
    gate: Gate
    failing: int
    chart: Markup = Markup("")


def kpi_comparison(kpis: Any) -> list[ObjectKpis]:
    if not isinstance(kpis, dict):
        return []
    before = kpis.get("before") if isinstance(kpis.get("before"), dict) else {}
    after = kpis.get("after") if isinstance(kpis.get("after"), dict) else {}
    result = []
    for obj in dict.fromkeys([*before, *after]):
        b, a = before.get(obj) or {}, after.get(obj) or {}
        cards = [_card(k, b.get(k), a.get(k)) for k in KPI_ORDER if not (missing(b.get(k)) and missing(a.get(k)))]
        fb, fa = b.get("fields") or {}, a.get("fields") or {}
        fields = [FieldKpis(f, [_card(k, (fb.get(f) or {}).get(k), (fa.get(f) or {}).get(k)) for k in FIELD_KPIS])
                  for f in dict.fromkeys([*fb, *fa])]
        result.append(ObjectKpis(str(obj), integer(b.get("rows")), integer(a.get("rows")), cards, fields,
                                 _field_charts(str(obj), fields)))
    return result


def _card(kpi: str, before: Any, after: Any) -> KpiCard:
    before, after = number(before), number(after)
    delta, tone = kpi_delta(before, after, kpi)
    return KpiCard(kpi, KPI_LABELS.get(kpi, kpi), before, after, delta, tone)


def _field_charts(obj: str, fields: list[FieldKpis]) -> list[Markup]:
    result = []
    for index, kpi in enumerate(("completeness", "validity")):
        cells = [(f.field, f.cells[index]) for f in fields]
        items = [charts.BarItem(name, c.after, colour=charts.BLUE, baseline=c.before) if c.after is not None
                 else charts.BarItem(name, c.before, colour=charts.SKY)
                 for name, c in cells if not (c.before is None and c.after is None)]
        if items:
            items.sort(key=lambda i: i.value)
            result.append(charts.hbar_chart(
                items[:FIELDS_IN_CHART], title=f"{obj}: {kpi} per field after cleansing (tick: before)",
                kind=f"field-{kpi}", fmt=charts.fmt_pct, max_value=1.0,
                caption=f"{KPI_LABELS[kpi]} per field, after cleansing (black tick: before)"))
    return result


def issue_summary(issues: "pd.DataFrame") -> IssueSummary:
    import pandas as pd

    frame = issues.assign(
        rule=issues["rule"].fillna("(no rule)"), column=issues["column"].fillna("(row)"),
        severity=issues["severity"].str.lower().fillna("info"),
    )
    by_severity = frame["severity"].value_counts().to_dict()
    rank = frame["severity"].map(SEVERITY_RANK).fillna(3)
    grouped = frame.assign(_rank=rank).groupby("rule")
    rules = pd.DataFrame({"count": grouped.size(), "rank": grouped["_rank"].min()})
    rules = rules.reset_index().sort_values(["rank", "count", "rule"], ascending=[True, False, True])
    top = rules.head(TOP_RULES)
    columns_per_rule = (frame[frame["rule"].isin(top["rule"])].groupby("rule")["column"]
                        .agg(lambda s: list(s.value_counts().index[:4])))
    examples = frame[frame["rule"].isin(top["rule"])].groupby("rule").head(EXAMPLES_PER_RULE)
    example_map: dict[str, list[Example]] = {}
    for rec in examples.to_dict("records"):
        example_map.setdefault(rec["rule"], []).append(Example(
            text_or_none(rec["_source"]), text_or_none(rec["_sheet"]), integer(rec["_row"]),
            *(text_or_none(rec[k]) for k in ("column", "original", "suggestion", "message"))))
    names = {v: k for k, v in SEVERITY_RANK.items()}
    by_rule = [RuleCount(r["rule"], names.get(int(r["rank"]), "info"), int(r["count"]),
                         columns_per_rule.get(r["rule"], []), example_map.get(r["rule"], []))
               for r in top.to_dict("records")]
    col_counts = frame["column"].value_counts()
    by_column = [(str(k), int(v)) for k, v in col_counts.head(TOP_COLUMNS).items()]
    rows_with = int(frame["_row_id"].dropna().nunique())
    chart_rules = charts.hbar_chart(
        [charts.BarItem(r.rule, r.count, SEVERITY_COLOUR.get(r.severity, charts.SKY), note=r.severity)
         for r in by_rule], title="Issues by rule (top)", kind="issues-by-rule", label_chars=26)
    chart_columns = charts.hbar_chart(
        [charts.BarItem(c, n, charts.BLUE) for c, n in by_column], title="Issues by column (top)",
        kind="issues-by-column", label_chars=26)
    return IssueSummary(len(frame), rows_with, {k: int(by_severity.get(k, 0)) for k in SEVERITY_RANK}, by_rule,
                        by_column, int(len(rules)), int(col_counts.size), [chart_rules, chart_columns])


def _engines_agree(result: dict, engines: dict, failed: int | None) -> bool | None:
    """The result's own `agree`, else whether every engine that ran counted the same failures."""
    if isinstance(result.get("agree"), bool):
        return result["agree"]
    counts = {integer(v) for v in engines.values() if integer(v) is not None}
    return None if not counts else counts == {failed}


def verification(results: list[dict] | None, gate: Gate) -> Verification:
    if results is None:
        return Verification(None, gate, 0)
    rows = []
    for r in results:
        if not isinstance(r, dict):
            continue
        failed = integer(r.get("failed"))
        engines = r.get("engine_counts") if isinstance(r.get("engine_counts"), dict) else {}
        status = str(r.get("status") or ("failed" if failed else "passed")).lower()
        rows.append(VerifyRow(str(r.get("rule_id") or "?"), r.get("object"), r.get("field"), r.get("kind"),
                              str(r.get("severity") or "error").lower(), integer(r.get("checked")), failed,
                              engines, _engines_agree(r, engines, failed), status, text_or_none(r.get("note"))))
    order = {"failed": 0, "passed": 1}
    rows.sort(key=lambda v: (order.get(v.status, 2), SEVERITY_RANK.get(v.severity, 3), -(v.failed or 0), v.rule_id))
    failing = [v for v in rows if v.failing]
    chart = Markup("")
    if failing:
        chart = charts.hbar_chart(
            [charts.BarItem(f"{v.rule_id}", v.failed, SEVERITY_COLOUR.get(v.severity, charts.SKY), note=v.severity)
             for v in failing[:TOP_RULES]], title="Failing rows per verification rule", kind="verify",
            label_chars=26, caption="Failing rows per rule")
    return Verification(rows, gate, len(failing), chart)
