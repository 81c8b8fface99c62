"""`crmtool rollback`: undo a run's load, found through its run directory.

The manifest says which run it was and which migration file (hence which store and object model) it
used; crmtool.load.rollback does the undoing on the store; the manifest records each rollback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.clock import now_iso
from crmtool.errors import ConfigError
from crmtool.load import rollback_load
from crmtool.run.rundir import RunDir

if TYPE_CHECKING:
    from crmtool.load import Target
    from crmtool.model import ObjectModel


def rollback_run(run_dir: str | Path, target: "Target") -> dict:
    """Roll back the load of the run in `run_dir` on an open target; returns
    {run_id, objects: {object: {deleted, restored, kept}}, at} and records it in the manifest."""
    run = RunDir(run_dir)
    if not run.manifest_path.exists():
        raise ConfigError(f"{run.path}: no manifest.json; not a run directory")
    manifest = run.load_manifest()
    run_id = manifest.get("run_id") or run.path.name
    objects = rollback_load(target, run_id, run.path)
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
    from crmtool.config.migration import load_migration
    from crmtool.model import load_object_model

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
