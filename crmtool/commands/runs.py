"""`crmtool runs`: the runs of a runs folder, newest first, with what each wrote to the store."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)


def runs(
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="The folder holding the runs (default: runs)."),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as JSON."),
) -> int:
    """List the runs (the ids `crmtool rollback` and `crmtool run --resume` take), newest first: status,
    target, rows inserted and updated per object, and whether a rollback undid them."""
    from crmtool.console import print_json, print_table
    from crmtool.run import list_runs

    entries = list_runs(runs_dir)
    if as_json:
        print_json({"runs_dir": str(runs_dir), "runs": [e.to_dict() for e in entries]})
        return ExitCode.OK
    rows = [[e.run_id, e.created, e.status + (" (dry run)" if e.dry_run else ""), e.target, _changed(e),
             e.rolled_back or ""] for e in entries]
    print_table(f"runs in {runs_dir}", ["run id", "started", "status", "target", "changed", "rolled back"], rows)
    return ExitCode.OK


def _changed(entry) -> str:
    if entry.dry_run:
        return "nothing (dry run)"
    parts = [f"{name} +{c['inserted']:,} ~{c['updated']:,}" for name, c in entry.changed.items()
             if c["inserted"] or c["updated"]]
    return ", ".join(parts) or "nothing"
