"""The runs of a runs folder, newest first, with what each did to the store: `crmtool runs` and
`crmtool rollback --last`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from crmtool.errors import ConfigError
from crmtool.run.pipeline import STAGES
from crmtool.run.rundir import MANIFEST, RunDir


@dataclass
class RunEntry:
    run_id: str
    created: str
    status: str
    """done | stopped at the gate | interrupted in <stage> | not started"""
    dry_run: bool
    target: str
    changed: dict[str, dict[str, int]] = field(default_factory=dict)
    """object → {inserted, updated}: what the load wrote (a dry run writes nothing)."""
    rolled_back: str | None = None

    @property
    def wrote(self) -> int:
        return 0 if self.dry_run else sum(c.get("inserted", 0) + c.get("updated", 0) for c in self.changed.values())

    def to_dict(self) -> dict:
        return {**asdict(self), "wrote": self.wrote}


def list_runs(runs_dir: str | Path) -> list[RunEntry]:
    """Every run directory under `runs_dir` (a folder holding manifest.json), newest first."""
    base = Path(runs_dir)
    if not base.is_dir():
        raise ConfigError(f"{base}: no runs folder (give --runs-dir, the migration's run_dir)")
    entries = [_entry(RunDir(p.parent)) for p in base.glob(f"*/{MANIFEST}") if p.is_file()]
    return sorted(entries, key=lambda e: (e.created, e.run_id), reverse=True)


def last_changing_run(runs_dir: str | Path) -> RunEntry:
    """The newest run that wrote rows and has not been rolled back: what `rollback --last` undoes."""
    for entry in list_runs(runs_dir):
        if entry.wrote and entry.rolled_back is None:
            return entry
    raise ConfigError(f"{runs_dir}: no run that changed the store is left to roll back (see crmtool runs)")


def _entry(run: RunDir) -> RunEntry:
    manifest = run.load_manifest()
    load = manifest.get("load") or (manifest.get("stages", {}).get("load") or {}).get("objects") or {}
    changed = {name: {k: int(counts.get(k, 0)) for k in ("inserted", "updated")} for name, counts in load.items()}
    rollback = manifest.get("rollback") or {}
    return RunEntry(run_id=manifest.get("run_id") or run.path.name, created=manifest.get("created", ""),
                    status=_status(manifest), dry_run=bool(manifest.get("dry_run")), target=manifest.get("target", ""),
                    changed=changed, rolled_back=rollback.get("at"))


def _status(manifest: dict) -> str:
    stages = manifest.get("stages") or {}
    if (manifest.get("gate") or {}).get("passed") is False and stages.get("load", {}).get("status") != "done":
        return "stopped at the gate"
    unfinished = [s for s in STAGES if stages.get(s, {}).get("status") != "done"]
    if not unfinished:
        return "done"
    started = [s for s in STAGES if s in stages]
    return f"interrupted in {unfinished[0]}" if started else "not started"
