"""The run report's figures, computed from a RunData (run_data.py) with no HTML in sight.

Each section comes from its own module (run_status, run_flow, run_quality, run_merges) and is None or
empty, with a reason the page shows, when the run has no data for it: a dry run has no load, a run
stopped at the gate has no outcomes, an older run has no KPIs. Counting is done with pandas group-bys;
Python loops only walk the few rows a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from crmtool.report.run_data import RunData
from crmtool.report.run_flow import (ObjectFunnel, ReconRow, object_counts, object_funnel, reconciliation,
                                     recon_chart, totals)
from crmtool.report.run_merges import ObjectMerges, merges
from crmtool.report.run_quality import (IssueSummary, ObjectKpis, Verification, issue_summary, kpi_comparison,
                                        verification)
from crmtool.report.run_status import (STAGES, Headline, LoadView, gate_view, headline, load_view, ran_checker,
                                       stage_records)
from crmtool.report.values import number


@dataclass
class StageRow:
    name: str
    status: str
    started: str | None
    seconds: float | None
    counts: str


@dataclass
class RunMeta:
    run_id: str
    name: str | None
    started: str | None
    finished: str | None
    version: str | None
    target: str | None
    dry_run: bool
    migration: dict | None
    mappings: list[dict]
    inputs: list[dict]
    stages: list[StageRow]


@dataclass
class RunView:
    title: str
    meta: RunMeta
    headline: Headline
    objects: list[str]
    summary: dict[str, int | None]
    lead_links: dict[str, int] | None
    funnels: list[ObjectFunnel]
    reconciliation: list[ReconRow]
    recon_chart: Markup
    kpis: list[ObjectKpis]
    issues: IssueSummary | None
    verification: Verification
    merges: list[ObjectMerges] | None
    load: LoadView
    notes: list[str]


def build_run_view(data: RunData) -> RunView:
    manifest = data.manifest
    meta = run_meta(data)
    stages = stage_records(manifest)
    ran = ran_checker(stages)
    gate = gate_view(manifest)
    load = load_view(data, meta.dry_run, gate, ran)
    objects = object_names(data)
    notes = list(data.problems)
    counts = object_counts(data.outcomes, data.rejected_ids) if data.outcomes is not None else {}
    funnels = [f for f in (object_funnel(data, o, counts.get(o), ran, load) for o in objects) if f]
    recon = reconciliation(manifest, counts, objects, notes)
    view = RunView(
        title=f"迁移报告 Migration report: {meta.name or meta.run_id}",
        meta=meta,
        headline=headline(meta.dry_run, gate, load, data.verify),
        objects=objects,
        summary=totals(recon, data.issues, data.stage_rows.get("read", {})),
        lead_links=lead_links(stages),
        funnels=funnels,
        reconciliation=recon,
        recon_chart=recon_chart(recon, meta.dry_run),
        kpis=kpi_comparison(manifest.get("kpis")),
        issues=issue_summary(data.issues) if data.issues is not None else None,
        verification=verification(data.verify, gate),
        merges=merges(data) if ran("dedupe") and (data.outcomes is not None or data.clusters) else None,
        load=load,
        notes=notes,
    )
    return view


def lead_links(stages: dict[str, dict]) -> dict[str, int] | None:
    """The map stage's cross-object links (leads to known contacts and accounts), summed over the objects that
    have them; None when the run linked nothing."""
    counts = stages.get("map", {}).get("counts")
    found = [c["links"] for c in (counts or {}).values() if isinstance(c, dict) and isinstance(c.get("links"), dict)]
    if not found:
        return None
    return {k: sum(int(f.get(k, 0)) for f in found) for k in ("leads", "leads_linked", "contacts_match", "conflicts")}


def object_names(data: RunData) -> list[str]:
    """Every object the run touched, in the order the manifest names them."""
    names: list[str] = []
    manifest = data.manifest
    names += [str(m.get("object")) for m in _list(manifest.get("mappings")) if isinstance(m, dict) and m.get("object")]
    names += list(_dict(manifest.get("reconciliation")))
    for side in ("before", "after"):
        names += list(_dict(_dict(manifest.get("kpis")).get(side)))
    names += list(_dict(manifest.get("load")))
    if data.outcomes is not None:
        names += [str(o) for o in data.outcomes["object"].dropna().unique()]
    for stage in data.stage_rows.values():
        names += list(stage.keys())
    names += list(data.load.keys())
    return list(dict.fromkeys(names))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def run_meta(data: RunData) -> RunMeta:
    m = data.manifest
    stages = stage_records(m)
    starts = [s.get("started") for s in stages.values() if s.get("started")]
    ends = [s.get("finished") for s in stages.values() if s.get("finished")]
    target = m.get("target")
    if isinstance(target, dict):
        target = target.get("url") or target.get("name")
    rows = [
        StageRow(name, str(info.get("status") or "—"), info.get("started"), number(info.get("seconds")),
                 _counts_text(info.get("counts")))
        for name, info in stages.items()
    ]
    order = {name: i for i, name in enumerate(STAGES)}
    rows.sort(key=lambda r: order.get(r.name, len(order)))
    migration = m.get("migration") if isinstance(m.get("migration"), dict) else None
    return RunMeta(
        run_id=str(m.get("run_id") or data.path.name),
        name=m.get("name"),
        started=min(starts) if starts else m.get("created"),
        finished=max(ends) if ends else m.get("updated"),
        version=m.get("tool_version") or m.get("version"),
        target=None if target is None else str(target),
        dry_run=bool(m.get("dry_run")),
        migration=migration,
        mappings=[x for x in _list(m.get("mappings")) if isinstance(x, dict)],
        inputs=[x for x in _list(m.get("inputs")) if isinstance(x, dict)],
        stages=rows,
    )


def _counts_text(counts: Any) -> str:
    if not isinstance(counts, dict):
        return "" if counts is None else str(counts)
    parts = []
    for key, value in counts.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in value.items())
            parts.append(f"{key}: {inner}")
        else:
            parts.append(f"{key} {value:,}" if isinstance(value, int) else f"{key} {value}")
    text = "; ".join(parts)
    return text if len(text) <= 300 else text[:299] + "…"
