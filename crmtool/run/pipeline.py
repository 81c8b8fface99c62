"""`crmtool run`: backup → read → cleanse → dedupe → enrich → map → verify → load, into a run directory.

Each stage reads what the previous stage wrote into the run directory (Parquet) and records itself in
the manifest when it has finished, so an interrupted run resumes from the first unfinished stage
(`--resume RUN_ID`) and a finished stage is never recomputed. Loading is idempotent (content hashes,
upserts by external id) and snapshots the target rows before touching them, so a load cut off half way
and run again ends in the same store as an uninterrupted run, and `crmtool rollback` can undo it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from crmtool.clock import now_iso
from crmtool.run.context import RunContext, RunOptions, StageEvent

STAGES = ("backup", "read", "cleanse", "dedupe", "enrich", "map", "verify", "load")

@dataclass
class RunSummary:
    run_id: str
    run_dir: Path
    dry_run: bool
    stages: dict = field(default_factory=dict)
    reconciliation: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)
    gate: dict = field(default_factory=dict)
    report: str | None = None

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "run_dir": str(self.run_dir), "dry_run": self.dry_run, "stages": self.stages,
                "reconciliation": self.reconciliation, "load": self.load, "gate": self.gate, "report": self.report}


def run_migration(migration_path: str | Path, options: RunOptions | None = None) -> RunSummary:
    """Run (or resume) the migration described by `migration_path`; see the module docstring. With
    `options.audit`, the audit record learns the run directory and target as soon as they are known, and the
    inputs and counts from the manifest however the run ends."""
    options = options or RunOptions()
    ctx = RunContext.open(Path(migration_path), options)
    if options.audit is None:
        return _run(ctx, options)
    options.audit.attach_run_dir(ctx.run.path, create=True, run_id=ctx.run_id)
    options.audit.set_store(ctx.target_url, base=ctx.migration.base, model=ctx.model, write=not options.dry_run)
    try:
        return _run(ctx, options)
    finally:
        options.audit.note_run(ctx.manifest)


def _run(ctx: RunContext, options: RunOptions) -> RunSummary:
    from crmtool.errors import GateFailed

    ctx.preflight()
    from crmtool.run import stages

    functions = {"backup": stages.backup, "read": stages.read, "cleanse": stages.cleanse, "dedupe": stages.dedupe,
                 "enrich": stages.enrich, "map": stages.map_stage, "verify": stages.verify, "load": stages.load}
    stopped: GateFailed | None = None
    try:
        for name in STAGES:
            if name == "load":
                stages.check_gate(ctx)
            _run_stage(ctx, name, functions[name], options.on_stage)
        stages.reconcile(ctx)
    except GateFailed as exc:
        stopped = exc
    finally:
        ctx.save()
    summary = _summary(ctx)
    summary.report = stages.report(ctx)
    ctx.save()
    if stopped is not None:
        raise stopped
    return summary


def _run_stage(ctx: RunContext, name: str, function: Callable, on_stage: StageEvent | None) -> None:
    record = ctx.manifest["stages"].get(name, {})
    if record.get("status") == "done":
        if on_stage:
            on_stage(name, "skip", record.get("counts", {}))
        return
    if on_stage:
        on_stage(name, "start", {})
    started, clock = now_iso(), time.perf_counter()
    ctx.manifest["stages"][name] = {**record, "status": "running", "started": started}
    ctx.save()
    counts = function(ctx) or {}
    ctx.manifest["stages"][name] = {**ctx.manifest["stages"][name], "status": "done", "started": started,
                                    "finished": now_iso(), "seconds": round(time.perf_counter() - clock, 3),
                                    "counts": counts}
    ctx.save()
    if on_stage:
        on_stage(name, "done", counts)


def _summary(ctx: RunContext) -> RunSummary:
    m = ctx.manifest
    return RunSummary(run_id=m["run_id"], run_dir=ctx.run.path, dry_run=bool(m.get("dry_run")),
                      stages={k: {"status": v.get("status"), "seconds": v.get("seconds"), "counts": v.get("counts", {})}
                              for k, v in m["stages"].items()},
                      reconciliation=m.get("reconciliation", {}), load=m.get("load", {}), gate=m.get("gate", {}))
