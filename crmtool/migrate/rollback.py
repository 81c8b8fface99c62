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
from crmtool.migrate.targets.frames import text_isin

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.migrate.model import ObjectModel
    from crmtool.migrate.targets.base import Target

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
    from crmtool.migrate.load import read_snapshot

    before, keys = read_snapshot(run_dir, object_name)
    key = target.model[object_name].external_id
    todo = plan(run_id, before, target.fetch(object_name, keys.tolist()), key)
    if len(todo["restore"]):
        target.upsert(object_name, todo["restore"], run_id)
    if todo["delete"]:
        target.delete(object_name, todo["delete"])
    return dict(zip(COUNTS, (len(todo["delete"]), len(todo["restore"]), todo["kept"])))


def rollback_run(run_dir: str | Path, target: "Target") -> dict:
    """Roll back the load of the run in `run_dir` on an open target; returns
    {run_id, objects: {object: {deleted, restored, kept}}, at} and records it in the manifest."""
    from crmtool.rundir import RunDir, now_iso

    run = RunDir(run_dir)
    if not run.manifest_path.exists():
        raise ConfigError(f"{run.path}: no manifest.json; not a run directory")
    manifest = run.load_manifest()
    run_id = manifest.get("run_id") or run.path.name
    if not type(target).can_rollback:
        note = type(target).rollback_note or "it cannot delete or restore rows"
        raise TargetError(f"{type(target).__name__} cannot roll back ({note}); undo the load in the store itself, "
                          f"using {run.path / 'load'} (the rows and their status) and {run.path / 'snapshot'} (the rows before)")
    objects = {name: rollback_object(target, run_id, run.path, name) for name in snapshotted_objects(run.path, target)}
    result = {"run_id": run_id, "objects": objects, "at": now_iso(), "dry_run": bool(manifest.get("dry_run"))}
    manifest = run.load_manifest()
    earlier = manifest.get("rollback")
    manifest["rollback"] = {"at": result["at"], "counts": objects,
                            "previous": ([*earlier.pop("previous", []), earlier] if earlier else [])}
    run.save_manifest(manifest)
    return result


def run_target_url(run_dir: str | Path, url: str | None = None) -> tuple[str, "ObjectModel", Path | None]:
    """(target URL, object model, base folder for relative store paths) for rolling back a run.

    The URL is `url` when given, else the target of the run's migration file (manifest
    migration.path) with ${VAR} expanded from the environment and .env; the manifest itself only
    holds the redacted URL. The model includes the migration's custom objects.
    """
    from crmtool.migrate.migration import load_migration
    from crmtool.migrate.model import load_object_model
    from crmtool.rundir import RunDir

    run = RunDir(run_dir)
    if not run.manifest_path.exists():
        raise ConfigError(f"{run.manifest_path}: no such file; is {run.path.name} a run id under this runs folder?")
    recorded = (run.load_manifest().get("migration") or {}).get("path")
    migration_path = _find(recorded, run.path) if recorded else None
    if migration_path is None:
        if url is None:
            where = f"its migration file {recorded} is missing" if recorded else "its manifest names no migration file"
            raise ConfigError(f"{run.path}: {where}; pass the store with --target URL")
        return url, load_object_model(), None
    migration = load_migration(migration_path)
    model = load_object_model(*(migration.resolve(p) for p in migration.objects))
    if url is not None:
        return url, model, None
    return migration.target_url(), model, migration.base


def _find(recorded: str, run_path: Path) -> Path | None:
    """The migration file as recorded: absolute, relative to the current folder, or to the project
    folder holding the runs folder."""
    path = Path(recorded)
    candidates = [path] if path.is_absolute() else [path, run_path.parent.parent / path]
    return next((p for p in candidates if p.is_file()), None)
