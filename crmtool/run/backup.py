"""`crmtool backup` and the run's backup stage: the copies recorded in the run's manifest."""

from __future__ import annotations

from pathlib import Path

from crmtool.backup import BackupReport, collect_sources, copy_sources
from crmtool.errors import InputError
from crmtool.run.rundir import RunDir


def backup_sources(sources: list[str | Path], run_dir: str | Path, *, keep_changed: bool = False) -> BackupReport:
    """Copy every source into RUN_DIR/backup (or verify the copy made before); the manifest's `inputs`
    records each copy, and is saved even when a later source fails, so no made copy goes unrecorded."""
    run = RunDir(run_dir)
    files, skipped = collect_sources(sources, exclude=run.path)
    if not files:
        raise InputError(", ".join(map(str, sources)), "no files to back up")
    report = BackupReport(run_dir=str(run.path), skipped=skipped)
    manifest = run.load_manifest()
    try:
        report.entries = copy_sources(files, run.path, manifest.setdefault("inputs", []), keep_changed=keep_changed)
    finally:
        run.save_manifest(manifest)
    return report
