"""`crmtool backup`: copy sources into a run directory and record their hashes."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)


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

    report = backup_sources(sources, run_dir, keep_changed=keep_changed)
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
