"""The scan report's figures, from a scan result dict (validate.scan) and the scan history table.

History columns: scan_id, scanned_at, object, field, kpi, value (field '' for object-level KPIs).
The current scan is added to the history when it is not in it yet, so the trend always ends today.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from crmtool.report import charts
from crmtool.report.render import KPI_LABELS, KPI_ORDER, LOWER_IS_BETTER, SCORE_KPIS
from crmtool.report.values import number

if TYPE_CHECKING:
    import pandas as pd

HISTORY_COLUMNS = ["scan_id", "scanned_at", "object", "field", "kpi", "value"]
MAX_SCANS = 180
"""Trend charts show at most this many of the latest scans (half a year of daily scans)."""
WORST_FIELDS = 10
FIELD_KPIS = ("completeness", "validity", "uniqueness")
MAX_DUPLICATES = 100


@dataclass
class Threshold:
    value: float
    direction: str
    """min: the KPI must be at least `value`; max: at most (duplicate rate)."""

    def passes(self, value: float) -> bool:
        return value >= self.value if self.direction == "min" else value <= self.value

    @property
    def label(self) -> str:
        return "min" if self.direction == "min" else "max"


@dataclass
class ScanCard:
    kpi: str
    label: str
    value: float | None
    threshold: Threshold | None
    passed: bool | None
    anomaly: bool


@dataclass
class ScanObject:
    object: str
    rows: int | None
    health: float | None
    cards: list[ScanCard]
    gauge: Markup
    field_findings: list[dict] = field(default_factory=list)
    """Threshold findings on this object's fields (the cards are object-level)."""


@dataclass
class TrendGroup:
    title: str
    key: str
    charts: list[Markup]


@dataclass
class FieldRow:
    object: str
    field: str
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    failing: list[str] = field(default_factory=list)
    """The KPIs of this field below their threshold in this scan (from the threshold findings)."""


@dataclass
class ScanView:
    title: str
    store: str | None
    scan_id: str
    scanned_at: str | None
    status: str
    health: float | None
    health_threshold: Threshold | None
    gauge: Markup
    objects: list[ScanObject]
    trends: list[TrendGroup]
    scans_in_history: int
    worst_fields: list[FieldRow]
    worst_charts: list[Markup]
    empty_fields: list[str]
    findings: list[dict]
    new_duplicates: list[dict]
    duplicates_total: int
    notes: list[str] = field(default_factory=list)


def build_scan_view(scan: dict, history: "pd.DataFrame | None") -> ScanView:
    scan = scan if isinstance(scan, dict) else {}
    objects = scan.get("objects") if isinstance(scan.get("objects"), dict) else {}
    thresholds = scan.get("thresholds") if isinstance(scan.get("thresholds"), dict) else {}
    findings = [f for f in scan.get("findings") or [] if isinstance(f, dict)]
    checks = _keyed([c for c in scan.get("checks") or []
                     if isinstance(c, dict) and c.get("kind", "threshold") == "threshold"])
    notes: list[str] = [str(n) for n in scan.get("notes") or [] if n]
    health = number(scan.get("health"))
    health_threshold = store_health_threshold(thresholds, checks)
    frame = history_with_current(scan, history, notes)
    duplicates = [d for d in scan.get("new_duplicates") or [] if isinstance(d, dict)]
    return ScanView(
        title=f"数据健康扫描 Data health scan: {scan.get('store') or 'CRM store'}",
        store=scan.get("store"),
        scan_id=str(scan.get("scan_id") or "—"),
        scanned_at=scan.get("scanned_at"),
        status=str(scan.get("status") or "unknown"),
        health=health,
        health_threshold=health_threshold,
        gauge=charts.gauge(health, title="Overall health score",
                           threshold=health_threshold.value if health_threshold else None,
                           subtitle="总体 overall, of 100"),
        objects=[scan_object(str(name), kpis, thresholds, findings, checks) for name, kpis in objects.items()
                 if isinstance(kpis, dict)],
        trends=trend_groups(frame, thresholds, findings, list(objects)),
        scans_in_history=int(frame["scan_id"].nunique()) if frame is not None else 0,
        worst_fields=worst_fields(objects, findings),
        worst_charts=worst_field_charts(objects),
        empty_fields=empty_fields(objects),
        findings=sorted(findings, key=lambda f: (f.get("kind") != "threshold", str(f.get("object")),
                                                 str(f.get("field") or ""), str(f.get("kpi")))),
        new_duplicates=duplicates[:MAX_DUPLICATES],
        duplicates_total=int(number(scan.get("new_duplicates_total")) or len(duplicates)),
        notes=notes,
    )


def _field(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


# --- thresholds and cards --------------------------------------------------------------------------------


def threshold_for(thresholds: dict, obj: str | None, kpi: str) -> Threshold | None:
    """The threshold for a KPI: per object (`{objects: {accounts: {...}}}` or `{accounts: {...}}`) before
    the global one (`{completeness: 0.95}`); a number, or `{min: x}` / `{max: x}`. A bare number is a
    minimum, except for the duplicate rate, where it is a maximum."""
    candidates = []
    if obj is not None:
        per_object = thresholds.get("objects")
        if isinstance(per_object, dict) and isinstance(per_object.get(obj), dict):
            candidates.append(per_object[obj].get(kpi))
        if isinstance(thresholds.get(obj), dict):
            candidates.append(thresholds[obj].get(kpi))
    candidates.append(thresholds.get(kpi))
    for candidate in candidates:
        if isinstance(candidate, dict):
            for direction in ("min", "max"):
                if number(candidate.get(direction)) is not None:
                    return Threshold(number(candidate[direction]), direction)
        elif number(candidate) is not None:
            return Threshold(number(candidate), "max" if kpi in LOWER_IS_BETTER else "min")
    return None


def _keyed(items: list[dict]) -> dict[tuple[str, str, str], dict]:
    """Findings or checks by (object, field, kpi); '' for a missing object (the store) or field."""
    return {(_field(f.get("object")), _field(f.get("field")), str(f.get("kpi"))): f for f in items}


def _finding_keys(findings: list[dict], kind: str) -> dict[tuple[str, str, str], dict]:
    return _keyed([f for f in findings if f.get("kind") == kind])


def _direction(kpi: str) -> str:
    return "max" if kpi in LOWER_IS_BETTER else "min"


def store_health_threshold(thresholds: dict, checks: dict) -> Threshold | None:
    """The store's health pass mark: the scan's own check, else `fail_under`, else the health threshold."""
    check = checks.get(("", "", "health"))
    if check is not None and number(check.get("threshold")) is not None:
        return Threshold(number(check["threshold"]), "min")
    if number(thresholds.get("fail_under")) is not None:
        return Threshold(number(thresholds["fail_under"]), "min")
    return threshold_for(thresholds, None, "health")


def scan_object(name: str, kpis: dict, thresholds: dict, findings: list[dict],
                checks: dict | None = None) -> ScanObject:
    """KPI cards: threshold and verdict from the scan's checks when it lists them (`checks`), else from
    the threshold findings (a finding is a failure) and the thresholds."""
    failed = _finding_keys(findings, "threshold")
    anomalies = _finding_keys(findings, "anomaly")
    checks = checks or {}
    cards = []
    for kpi in KPI_ORDER:
        value = number(kpis.get(kpi))
        if value is None:
            continue
        check, finding = checks.get((name, "", kpi)), failed.get((name, "", kpi))
        if check is not None and number(check.get("threshold")) is not None:
            threshold, passed = Threshold(number(check["threshold"]), _direction(kpi)), bool(check.get("passed"))
        else:
            threshold = threshold_for(thresholds, name, kpi)
            if threshold is None and finding is not None and number(finding.get("threshold")) is not None:
                threshold = Threshold(number(finding["threshold"]), _direction(kpi))
            passed = False if finding is not None else (threshold.passes(value) if threshold else None)
        cards.append(ScanCard(kpi, KPI_LABELS.get(kpi, kpi), value, threshold, passed,
                              (name, "", kpi) in anomalies))
    health = number(kpis.get("health"))
    health_card = next((c for c in cards if c.kpi == "health"), None)
    health_threshold = health_card.threshold if health_card else threshold_for(thresholds, name, "health")
    gauge = charts.gauge(health, title=f"{name} health score",
                         threshold=health_threshold.value if health_threshold else None, subtitle=f"{name}, of 100")
    rows = number(kpis.get("rows"))
    field_findings = [f for (obj, fld, _), f in failed.items() if obj == name and fld]
    return ScanObject(name, None if rows is None else int(rows), health, cards, gauge, field_findings)


# --- trends ----------------------------------------------------------------------------------------------


def history_with_current(scan: dict, history: "pd.DataFrame | None", notes: list[str]) -> "pd.DataFrame":
    """The history in scan order (oldest first, the latest MAX_SCANS scans), the current scan included."""
    import pandas as pd

    frame = history.copy() if history is not None else pd.DataFrame(columns=HISTORY_COLUMNS)
    absent = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if absent:
        notes.append(f"the scan history lacks the column(s) {', '.join(absent)}; trends are incomplete")
        for column in absent:
            frame[column] = pd.NA
    scan_id = scan.get("scan_id")
    if scan_id is not None and not (frame["scan_id"].astype("string") == str(scan_id)).any():
        frame = pd.concat([frame, current_rows(scan)], ignore_index=True)
    frame = frame.assign(
        scan_id=frame["scan_id"].astype("string"),
        object=frame["object"].astype("string"),
        field=frame["field"].astype("string").fillna(""),
        kpi=frame["kpi"].astype("string"),
        value=pd.to_numeric(frame["value"], errors="coerce"),
        _at=pd.to_datetime(frame["scanned_at"], errors="coerce", utc=True, format="mixed"),
    )
    order = frame.groupby("scan_id", sort=False)["_at"].min().sort_values(kind="stable", na_position="first")
    keep = order.index[-MAX_SCANS:]
    frame = frame[frame["scan_id"].isin(keep)]
    position = pd.Series(range(len(keep)), index=keep)
    return frame.assign(_order=frame["scan_id"].map(position)).sort_values("_order", kind="stable")


def current_rows(scan: dict) -> "pd.DataFrame":
    """The current scan's KPIs as history rows."""
    import pandas as pd

    rows = []
    for obj, kpis in (scan.get("objects") or {}).items():
        if not isinstance(kpis, dict):
            continue
        for kpi in KPI_ORDER:
            if number(kpis.get(kpi)) is not None:
                rows.append((obj, "", kpi, number(kpis[kpi])))
        for name, values in (kpis.get("fields") or {}).items():
            for kpi, value in (values or {}).items():
                if number(value) is not None:
                    rows.append((obj, name, kpi, number(value)))
    frame = pd.DataFrame(rows, columns=["object", "field", "kpi", "value"])
    frame.insert(0, "scanned_at", scan.get("scanned_at"))
    frame.insert(0, "scan_id", str(scan.get("scan_id")))
    return frame


def trend_groups(frame: "pd.DataFrame", thresholds: dict, findings: list[dict],
                 objects: list[str]) -> list[TrendGroup]:
    """One group of small charts per object (its object-level KPIs), then one for the fields the scan
    flagged as anomalous; anomalies are marked on the scan they were found in."""
    if frame.empty:
        return []
    scans = frame.drop_duplicates("scan_id")[["scan_id", "_order", "_at"]].sort_values("_order")
    days = scans["_at"].dt.strftime("%Y-%m-%d")
    same_day = days.nunique() <= 1 and len(days) > 1
    labels = scans["_at"].dt.strftime("%Y-%m-%d %H:%M" if same_day else "%Y-%m-%d").fillna(scans["scan_id"]).tolist()
    scan_ids = scans["scan_id"].tolist()
    current = scan_ids[-1]
    anomalies = set(_finding_keys(findings, "anomaly"))
    if "anomaly" in frame.columns:
        flagged = frame[frame["anomaly"].astype("string").str.lower().isin(["true", "1"])]
        anomalies |= set(flagged[["object", "field", "kpi", "scan_id"]].itertuples(index=False, name=None))
    table = frame.pivot_table(index="scan_id", columns=["object", "field", "kpi"], values="value",
                              aggfunc="last").reindex(scan_ids)

    def chart(obj: str, fld: str, kpi: str) -> Markup | None:
        if (obj, fld, kpi) not in table.columns:
            return None
        values = table[(obj, fld, kpi)]
        flagged_now = (obj, fld, kpi) in anomalies
        points = [charts.Point(label, None if math.isnan(v) else float(v),
                               anomaly=(flagged_now and sid == current) or (obj, fld, kpi, sid) in anomalies)
                  for label, sid, v in zip(labels, scan_ids, values.to_numpy(dtype=float))]
        if all(p.value is None for p in points):
            return None
        threshold = threshold_for(thresholds, obj, kpi) if not fld else None
        score = kpi in SCORE_KPIS
        name = KPI_LABELS.get(kpi, kpi)
        return charts.line_chart(points, title=f"{obj}{'.' + fld if fld else ''} · {name} over {len(points)} scans",
                                 fmt=charts.fmt_score if score else charts.fmt_pct,
                                 threshold=threshold.value if threshold else None,
                                 threshold_label=threshold.label if threshold else "threshold",
                                 bounds=(0.0, 100.0) if score else (0.0, 1.0),
                                 caption=f"{obj}.{fld} · {name}" if fld else name)

    groups = []
    present = [str(o) for o in table.columns.get_level_values(0).unique()]
    for obj in dict.fromkeys([*objects, *present]):
        drawn = [c for c in (chart(obj, "", kpi) for kpi in KPI_ORDER) if c is not None]
        if drawn:
            groups.append(TrendGroup(f"{obj}", obj, drawn))
    field_keys = sorted({(o, f, k) for o, f, k, *_ in anomalies if f})
    field_charts = [c for c in (chart(*key) for key in field_keys) if c is not None]
    if field_charts:
        groups.append(TrendGroup("字段异常 Fields with anomalies", "fields", field_charts))
    return groups


# --- worst fields ----------------------------------------------------------------------------------------


def field_rows(objects: dict) -> list[FieldRow]:
    rows = []
    for obj, kpis in objects.items():
        if not isinstance(kpis, dict):
            continue
        for name, values in (kpis.get("fields") or {}).items():
            values = values or {}
            rows.append(FieldRow(str(obj), str(name), number(values.get("completeness")),
                                 number(values.get("validity")), number(values.get("uniqueness"))))
    return rows


def is_empty(row: FieldRow) -> bool:
    """A field no row fills (a model field the store does not use): listed apart, not ranked."""
    return row.completeness == 0 and row.validity is None


def worst_fields(objects: dict, findings: list[dict] | None = None) -> list[FieldRow]:
    """The fields below a threshold first, then the lowest by completeness or validity (whichever is
    lower); fields no row fills are left out (see empty_fields)."""
    failed = _finding_keys(findings or [], "threshold")
    rows = [r for r in field_rows(objects)
            if (r.completeness is not None or r.validity is not None) and not is_empty(r)]
    for r in rows:
        r.failing = [k for k in FIELD_KPIS if (r.object, r.field, k) in failed]
    rows.sort(key=lambda r: (not r.failing, min(v for v in (r.completeness, r.validity) if v is not None),
                             r.object, r.field))
    return rows[:WORST_FIELDS]


def empty_fields(objects: dict) -> list[str]:
    return [f"{r.object}.{r.field}" for r in field_rows(objects) if is_empty(r)]


def worst_field_charts(objects: dict) -> list[Markup]:
    rows = [r for r in field_rows(objects) if not is_empty(r)]
    result = []
    for kpi in ("completeness", "validity"):
        scored = sorted((r for r in rows if getattr(r, kpi) is not None), key=lambda r: getattr(r, kpi))
        if scored:
            items = [charts.BarItem(f"{r.object}.{r.field}", getattr(r, kpi)) for r in scored[:WORST_FIELDS]]
            result.append(charts.hbar_chart(items, title=f"Lowest {kpi} by field", kind=f"worst-{kpi}",
                                            fmt=charts.fmt_pct, max_value=1.0, label_chars=28,
                                            caption=f"{KPI_LABELS[kpi]}: the lowest fields"))
    return result
