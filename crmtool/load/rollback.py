"""Undo a run's load: every row the run inserted is deleted, every row it updated is put back as the
snapshot recorded it (fields and bookkeeping), children before parents.

Only rows the run itself wrote last (`_crm_run_id` = the run) are touched. A row a later run or
person changed since is left alone and counted as `kept`, so a rollback never destroys newer work;
and a second rollback finds nothing of the run left, which makes it idempotent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.errors import ConfigError, TargetError
from crmtool.load.targets.frames import text_isin

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.load.targets.base import Target

COUNTS = ("deleted", "restored", "kept")


def snapshotted_objects(run_dir: Path, target: "Target") -> list[str]:
    """Objects the run snapshotted, children before parents (the reverse of the load order)."""
    names = sorted(p.name.removesuffix(".keys.parquet") for p in (run_dir / "snapshot").glob("*.keys.parquet"))
    unknown = [n for n in names if n not in target.model]
    if unknown:
        raise ConfigError(f"{run_dir}: the run loaded {', '.join(unknown)}, which the object model does not have; "
                          "roll back with the migration file of the run (its custom objects)")
    return [n for n in reversed(target.model.load_order()) if n in names]


def plan(run_id: str, before: "pd.DataFrame", current: "pd.DataFrame", key: str) -> dict:
    """Which keys to delete, which snapshot rows to put back, and how many rows to keep because a later
    writer changed them (their `_crm_run_id` is neither this run's nor the one the snapshot recorded)."""
    ours = (current["_crm_run_id"] == run_id).fillna(False).to_numpy()
    existed = text_isin(current[key], before[key])
    recorded = before.set_index(key)["_crm_run_id"].reindex(current[key].to_numpy()).fillna("").to_numpy()
    touched_since = ~ours & (current["_crm_run_id"].fillna("").to_numpy() != recorded)
    return {
        "delete": current.loc[ours & ~existed, key].tolist(),
        "restore": before[text_isin(before[key], current.loc[ours & existed, key])],
        "kept": int(touched_since.sum()),
    }


def rollback_object(target: "Target", run_id: str, run_dir: Path, object_name: str) -> dict:
    from crmtool.load.stage import read_snapshot

    before, keys = read_snapshot(run_dir, object_name)
    key = target.model[object_name].external_id
    todo = plan(run_id, before, target.fetch(object_name, keys.tolist()), key)
    if len(todo["restore"]):
        target.upsert(object_name, todo["restore"], run_id)
    if todo["delete"]:
        target.delete(object_name, todo["delete"])
    return dict(zip(COUNTS, (len(todo["delete"]), len(todo["restore"]), todo["kept"])))


def rollback_load(target: "Target", run_id: str, run_dir: Path) -> dict:
    """Undo the load of run `run_id` (its snapshot in run_dir/snapshot) on an open target:
    {object: {deleted, restored, kept}}, children before parents."""
    if not type(target).can_rollback:
        note = type(target).rollback_note or "it cannot delete or restore rows"
        raise TargetError(f"{type(target).__name__} cannot roll back ({note}); undo the load in the store itself, "
                          f"using {run_dir / 'load'} (the rows and their status) and {run_dir / 'snapshot'} (the rows before)")
    return {name: rollback_object(target, run_id, run_dir, name) for name in snapshotted_objects(run_dir, target)}
