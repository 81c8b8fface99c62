"""`crmtool backup`: copy sources into a run directory and record their hashes."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from crmtool.commands.auditing import audited, current


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)


@audited("backup")
def backup(
    sources: List[Path] = typer.Argument(..., help="Files or folders to back up (folders are walked recursively)."),
    run_dir: Path = typer.Option(..., "--run-dir", help="Run directory; the copies go to RUN_DIR/backup/."),
    keep_changed: bool = typer.Option(False, "--keep-changed", help="Keep a changed source as an extra version instead of failing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> int:
    """Copy every source into RUN_DIR/backup and record size and sha256 in RUN_DIR/manifest.json.

    Running it again verifies the copies; a source that changed since is reported (exit 1), never
    copied over its earlier backup.
    """
    from crmtool.console import out, print_json
    from crmtool.run import backup_sources

    audit = current()
    audit.attach_run_dir(run_dir)
    try:
        report = backup_sources(sources, run_dir, keep_changed=keep_changed)
    except Exception:
        _audit_manifest_inputs(audit, run_dir)
        raise
    for e in report.entries:
        audit.add_input(e.source, "source", sha256=e.sha256, size=e.size, backup=e.backup, status=e.status)
    audit.counts = {status: sum(e.status == status for e in report.entries)
                    for status in dict.fromkeys(e.status for e in report.entries)}
    if as_json:
        print_json(report.to_dict())
        return 0
    from crmtool.console import print_table

    rows = [[e.source, e.backup, f"{e.size:,}", e.sha256[:16] + "…", e.status] for e in report.entries]
    print_table(f"Backup in {report.run_dir}", ("source", "backup", "size", "sha256", "status"), rows, right=("size",),
                console=out)
    if report.skipped:
        out.print(f"[dim]skipped lock files: {', '.join(report.skipped)}[/]")
    return 0


def _audit_manifest_inputs(audit, run_dir: Path) -> None:
    """A backup that failed part way: the inputs are the copies its manifest records."""
    from crmtool.run import RunDir

    try:
        inputs = RunDir(run_dir).load_manifest().get("inputs") or [] if (run_dir / "manifest.json").is_file() else []
    except Exception:  # noqa: BLE001 - the backup's own error is the one to show
        return
    for e in inputs:
        audit.add_input(e.get("source"), "source", sha256=e.get("sha256"), size=e.get("size"), backup=e.get("backup"))
