"""Where the rows went: per object counts from outcomes.parquet, the funnel from rows read to rows
loaded, and the reconciliation (source rows = loaded + merged + rejected)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from crmtool.report import charts
from crmtool.report.run_data import RunData
from crmtool.report.run_status import STAGES, LoadView
from crmtool.report.values import integer

if TYPE_CHECKING:
    import pandas as pd


_STAGE_PREFIX = re.compile(r"^\s*\[?(read|cleanse|dedupe|enrich|map|verify|load)\]?\s*[:：]", re.I)


@dataclass
class ObjectFunnel:
    object: str
    steps: list[charts.FunnelStep]
    source: str
    """outcomes | stage tables: where the counts come from (said under the chart)."""
    chart: Markup = Markup("")


@dataclass
class ReconRow:
    object: str
    source_rows: int | None
    loaded: int | None
    merged: int | None
    rejected: int | None
    balanced: bool
    recorded_ok: bool | None
    outcomes_agree: bool | None

    @property
    def ok(self) -> bool:
        return self.balanced and self.recorded_ok is not False and self.outcomes_agree is not False


@dataclass
class ObjectCounts:
    source_rows: int
    loaded: int
    merged: int
    rejected: dict[str, int]
    """Rejected rows by the stage that rejected them ('unknown' when the outcome does not say)."""
    lost: int = 0
    """Rows with no outcome, or an outcome that is none of loaded / merged / rejected (the pipeline writes
    `lost`): they break the reconciliation and are shown as such."""

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


def rejecting_stage(rejected: "pd.DataFrame", rejected_ids: dict[str, "pd.DataFrame"] | None = None) -> "pd.Series":
    """The stage that rejected each row: the `stage` column when the pipeline wrote one, else a
    `<stage>:` prefix of `detail`, else the stage whose `<object>_rejected` table lists the row, else
    'unknown'."""
    stage = rejected["stage"].str.strip().str.lower() if "stage" in rejected else None
    from_detail = rejected["detail"].str.extract(_STAGE_PREFIX, expand=False).str.lower()
    stage = from_detail if stage is None else stage.fillna(from_detail)
    stage = stage.where(stage.isin(STAGES))
    for name, ids in (rejected_ids or {}).items():
        hits = ids[["object", "_row_id"]].drop_duplicates().assign(_hit=True)
        listed = rejected[["object", "_row_id"]].merge(hits, on=["object", "_row_id"], how="left")["_hit"]
        stage = stage.mask(stage.isna() & listed.fillna(False).to_numpy(dtype=bool), name)
    return stage.fillna("unknown")


def object_counts(outcomes: "pd.DataFrame", rejected_ids: dict[str, "pd.DataFrame"] | None = None
                  ) -> dict[str, ObjectCounts]:
    frame = outcomes.assign(object=outcomes["object"].fillna("(no object)"))
    by_outcome = frame.groupby(["object", "outcome"]).size().unstack(fill_value=0)
    rejected = frame[frame["outcome"] == "rejected"]
    by_stage = rejected.assign(_stage=rejecting_stage(rejected, rejected_ids)).groupby(["object", "_stage"]).size()
    result = {}
    for obj, row in by_outcome.iterrows():
        stages = by_stage.loc[obj].to_dict() if obj in by_stage.index.get_level_values(0) else {}
        known = int(row.get("loaded", 0) + row.get("merged", 0) + row.get("rejected", 0))
        result[str(obj)] = ObjectCounts(int(row.sum()), int(row.get("loaded", 0)), int(row.get("merged", 0)),
                                        {str(k): int(v) for k, v in stages.items()}, int(row.sum()) - known)
    return result


def object_funnel(data: RunData, obj: str, counts: ObjectCounts | None, ran: Callable[[str], bool],
                  load: LoadView) -> ObjectFunnel | None:
    if counts is not None:
        steps, source = funnel_from_outcomes(counts, ran, load), "outcomes.parquet (one row per source row)"
    else:
        steps = funnel_from_stage_tables(data, obj, ran, load)
        source = "row counts of the stage tables (this run has no per-row outcomes)"
    if steps is None:
        return None
    title = f"{obj}: rows from reading to loading"
    return ObjectFunnel(obj, steps, source, charts.funnel_chart(steps, title=title))


def _drops(*pairs: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((why, n) for why, n in pairs if n)


def _load_step(count: int | None, load: LoadView, would_load: int,
               drops: tuple[tuple[str, int], ...] = ()) -> charts.FunnelStep:
    if load.state == "dry_run":
        return charts.FunnelStep("加载 loaded", None, note=f"dry run: {would_load:,} would load")
    if load.state == "failed":
        return charts.FunnelStep("加载 loaded", None, note="load failed")
    if load.state != "loaded" or count is None:
        return charts.FunnelStep("加载 loaded", None, note="not run")
    return charts.FunnelStep("加载 loaded", count, drops)


def _passed(ran: Callable[[str], bool], stage: str) -> str:
    return "" if ran(stage) else f"{stage} not run"


def funnel_from_outcomes(c: ObjectCounts, ran: Callable[[str], bool], load: LoadView) -> list[charts.FunnelStep]:
    r = c.rejected
    n = c.source_rows
    steps = [charts.FunnelStep("读取 read", n)]
    n -= r.get("read", 0) + r.get("cleanse", 0)
    steps.append(charts.FunnelStep("清洗 cleansed", n, _drops(("rejected at read", r.get("read", 0)),
                                                               ("rejected at cleanse", r.get("cleanse", 0))),
                                   note=_passed(ran, "cleanse")))
    n -= c.merged + r.get("dedupe", 0)
    steps.append(charts.FunnelStep("去重 deduplicated", n, _drops(("merged", c.merged),
                                                                  ("rejected at dedupe", r.get("dedupe", 0))),
                                   note=_passed(ran, "dedupe")))
    n -= r.get("enrich", 0) + r.get("map", 0)
    steps.append(charts.FunnelStep("映射 mapped", n, _drops(("rejected at enrich", r.get("enrich", 0)),
                                                            ("rejected at map", r.get("map", 0))),
                                   note=_passed(ran, "map")))
    n -= r.get("verify", 0) + r.get("unknown", 0) + c.lost
    steps.append(charts.FunnelStep("校验 verified", n, _drops(("rejected at verify", r.get("verify", 0)),
                                                              ("rejected (stage not recorded)", r.get("unknown", 0)),
                                                              ("lost: no outcome recorded", c.lost)),
                                   note=_passed(ran, "verify")))
    steps.append(_load_step(c.loaded, load, n, _drops(("rejected at load", r.get("load", 0)))))
    return steps


def funnel_from_stage_tables(data: RunData, obj: str, ran: Callable[[str], bool],
                             load: LoadView) -> list[charts.FunnelStep] | None:
    """Without outcomes: the row counts of read/, cleanse/, dedupe/ clusters and map/ for the object."""
    rows = data.stage_rows
    read = rows.get("read", {}).get(obj)
    cleansed = rows.get("cleanse", {}).get(obj)
    mapped = rows.get("map", {}).get(obj)
    deduped, merged, dedupe_note = None, 0, ""
    clusters = data.clusters.get(obj)
    if clusters is not None and "cluster_id" in clusters:
        deduped = int(clusters["cluster_id"].nunique())
        merged = len(clusters) - deduped
    elif obj in rows.get("dedupe", {}):
        deduped, dedupe_note = rows["dedupe"][obj], "not deduplicated"
    if read is None and cleansed is None and mapped is None and deduped is None:
        return None

    def step(label: str, count: int | None, stage: str, drops=(), note: str = "") -> charts.FunnelStep:
        if count is None:
            return charts.FunnelStep(label, None, note="not run" if not ran(stage) else "no table in the run")
        return charts.FunnelStep(label, count, drops, note)

    prev = cleansed if cleansed is not None else read
    return [
        step("读取 read", read, "read"),
        step("清洗 cleansed", cleansed, "cleanse",
             _drops(("rejected at cleanse", (read or 0) - cleansed)) if read is not None and cleansed is not None else ()),
        step("去重 deduplicated", deduped, "dedupe", _drops(("merged", merged)), dedupe_note),
        step("映射 mapped", mapped, "map",
             _drops(("rejected at map", (deduped if deduped is not None else prev or 0) - mapped))
             if mapped is not None and (deduped is not None or prev is not None) else ()),
        charts.FunnelStep("校验 verified", None, note="no per-row outcomes: see Verification"),
        _load_step(None, load, mapped or 0),
    ]


def reconciliation(manifest: dict, counts: dict[str, ObjectCounts], objects: list[str],
                   notes: list[str]) -> list[ReconRow]:
    """source rows = loaded + merged + rejected, per object: from the manifest, checked against outcomes."""
    recorded = manifest.get("reconciliation") if isinstance(manifest.get("reconciliation"), dict) else {}
    rows = []
    for obj in objects:
        entry, c = recorded.get(obj), counts.get(obj)
        if isinstance(entry, dict):
            figures = (integer(entry.get(k)) for k in ("source_rows", "loaded", "merged", "rejected"))
            row = ReconRow(obj, *figures, False, None if "ok" not in entry else bool(entry["ok"]), None)
            if c is not None:
                row.outcomes_agree = (row.source_rows, row.loaded, row.merged, row.rejected) == (
                    c.source_rows, c.loaded, c.merged, c.rejected_total)
                if not row.outcomes_agree:
                    notes.append(f"{obj}: the manifest's reconciliation does not match outcomes.parquet "
                                 f"({c.source_rows:,} rows: {c.loaded:,} loaded, {c.merged:,} merged, "
                                 f"{c.rejected_total:,} rejected).")
        elif c is not None:
            row = ReconRow(obj, c.source_rows, c.loaded, c.merged, c.rejected_total, False, None, True)
        else:
            continue
        parts = (row.source_rows, row.loaded, row.merged, row.rejected)
        row.balanced = None not in parts and row.source_rows == row.loaded + row.merged + row.rejected
        rows.append(row)
    return rows


def recon_chart(rows: list[ReconRow], dry_run: bool) -> Markup:
    if not rows:
        return Markup("")
    loaded = "would load 将加载" if dry_run else "loaded 已加载"
    return charts.stacked_chart(
        [(r.object, [charts.Segment(loaded, r.loaded or 0, charts.BLUE),
                     charts.Segment("merged 已合并", r.merged or 0, charts.ORANGE),
                     charts.Segment("rejected 已拒绝", r.rejected or 0, charts.VERMILLION)]) for r in rows],
        title="Where every source row went, per object", kind="reconciliation")


def totals(recon: list[ReconRow], issues: "pd.DataFrame | None", read_rows: dict[str, int]) -> dict[str, int | None]:
    """The headline figures over all objects; without a reconciliation, source rows are the rows read."""
    def total(attr: str) -> int | None:
        values = [getattr(r, attr) for r in recon]
        return None if not values or None in values else sum(values)

    source = total("source_rows")
    if source is None and not recon and read_rows:
        source = sum(read_rows.values())
    return {"source_rows": source, "loaded": total("loaded"), "merged": total("merged"),
            "rejected": total("rejected"), "issues": None if issues is None else len(issues)}
