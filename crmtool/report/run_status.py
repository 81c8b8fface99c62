"""Where a run ended: which stages ran, the quality gate, the load (done, dry run, failed, not run),
and the one-line headline the report opens with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from crmtool.report import charts
from crmtool.report.run_data import RunData
from crmtool.report.values import integer


STAGES = ("read", "cleanse", "dedupe", "enrich", "map", "verify", "load")

NOT_RUN = frozenset({"", "running", "skipped", "not_run", "not run", "not-run", "pending", "cancelled",
                     "canceled"})
"""Stage statuses that mean the stage did not (finish to) run; `running` is a stage cut off half way."""

FAILED = frozenset({"failed", "error"})


@dataclass
class Gate:
    state: str
    """passed | accepted | stopped | not_run"""
    reason: str | None = None
    by: str | None = None
    at: str | None = None


@dataclass
class LoadRow:
    object: str
    inserted: int | None
    updated: int | None
    unchanged: int | None
    rejected: int | None


@dataclass
class LoadView:
    state: str
    """loaded | dry_run | not_run | failed"""
    note: str
    rows: list[LoadRow]
    chart: Markup = Markup("")


@dataclass
class Headline:
    kind: str
    """loaded | dry_run | gate_stopped | load_failed | incomplete"""
    title: str
    detail: str = ""


def stage_records(manifest: dict) -> dict[str, dict]:
    stages = manifest.get("stages") or {}
    return {str(k): v for k, v in stages.items() if isinstance(v, dict)} if isinstance(stages, dict) else {}


def ran_checker(stages: dict[str, dict]) -> Callable[[str], bool]:
    """Whether a stage ran. An older manifest without stage records is taken as 'everything ran'."""
    def ran(stage: str) -> bool:
        if not stages:
            return True
        info = stages.get(stage)
        return info is not None and str(info.get("status") or "").strip().lower() not in NOT_RUN
    return ran


def gate_view(manifest: dict) -> Gate:
    gate = manifest.get("gate")
    if not isinstance(gate, dict) or "passed" not in gate:
        return Gate("not_run")
    if gate.get("passed"):
        return Gate("passed")
    accepted = gate.get("accepted_failures")
    if isinstance(accepted, dict):
        return Gate("accepted", reason=accepted.get("reason"), by=accepted.get("by"), at=accepted.get("at"))
    return Gate("stopped")


def load_view(data: RunData, dry_run: bool, gate: Gate, ran: Callable[[str], bool]) -> LoadView:
    rows = _load_rows(data)
    status = str((stage_records(data.manifest).get("load") or {}).get("status") or "").strip().lower()
    if dry_run:
        note = ("试运行 Dry run: nothing was written to the target; the figures are what the load would do."
                if rows else "试运行 Dry run: the load was not run, nothing was written to the target.")
        state = "dry_run"
    elif gate.state == "stopped":
        state, note = "not_run", "未运行 Not run: the quality gate failed, so nothing was loaded."
    elif status in FAILED:
        state, note = "failed", "加载失败 The load failed; the target transaction was rolled back (see the run log)."
    elif rows and ran("load"):
        state, note = "loaded", ""
    else:
        state, note = "not_run", "未运行 Not run: this run has no load results."
    chart = Markup("")
    if rows:
        chart = charts.stacked_chart(
            [(r.object, [charts.Segment("inserted 新增", r.inserted or 0, charts.BLUE),
                         charts.Segment("updated 更新", r.updated or 0, charts.SKY),
                         charts.Segment("unchanged 未变", r.unchanged or 0, charts.FAINT),
                         charts.Segment("rejected 拒绝", r.rejected or 0, charts.VERMILLION)]) for r in rows],
            title="Load results per object" + (" (dry run)" if dry_run else ""), kind="load")
    return LoadView(state, note, rows, chart)


def _load_rows(data: RunData) -> list[LoadRow]:
    recorded = data.manifest.get("load")
    if isinstance(recorded, dict) and recorded:
        return [LoadRow(str(obj), integer(c.get("inserted")), integer(c.get("updated")), integer(c.get("unchanged")),
                        integer(c.get("rejected"))) for obj, c in recorded.items() if isinstance(c, dict)]
    rows = []
    for obj, frame in data.load.items():
        if "status" not in frame:
            continue
        counts = frame["status"].str.strip().str.lower().value_counts()
        rows.append(LoadRow(obj, int(counts.get("inserted", 0)), int(counts.get("updated", 0)),
                            int(counts.get("unchanged", 0)), int(counts.get("rejected", 0))))
    return rows


def headline(dry_run: bool, gate: Gate, load: LoadView, verify: list[dict] | None) -> Headline:
    failing = sum(1 for r in verify or [] if integer(r.get("failed")))
    if dry_run:
        return Headline("dry_run", "试运行 DRY RUN — nothing was written to the target",
                        "The load was simulated: the figures show what it would do.")
    if gate.state == "stopped":
        return Headline("gate_stopped", "已在质量关卡停止 Stopped at the quality gate — nothing was loaded",
                        f"{failing} verification rule(s) failed and no one accepted the failures.")
    if load.state == "failed":
        return Headline("load_failed", "加载失败 The load failed", load.note)
    if load.state == "loaded":
        detail = ""
        if gate.state == "accepted":
            detail = f"Loaded with accepted verification failures: {gate.reason or 'no reason given'}."
        return Headline("loaded", "已加载 Loaded into the target", detail)
    return Headline("incomplete", "未完成 Incomplete — the load did not run", load.note)
