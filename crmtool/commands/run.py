"""`crmtool run MIGRATION`: the whole migration, stage by stage, into the target (see docs/migrate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from crmtool.commands.auditing import audited, current
from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("run")(run)


@audited("run")
def run(
    migration: Path = typer.Argument(..., metavar="MIGRATION", help="The migration file (migration.yaml)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Do everything but write to the target; report what would be inserted, updated and left unchanged."),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Resume an interrupted run from its first unfinished stage."),
    accept_failures: Optional[str] = typer.Option(None, "--accept-failures", metavar="REASON", help="Load although error-level rules fail; the reason is kept in the manifest."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Name the new run (default: date-time and a random suffix)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Write report.html and failures.xlsx without masking personal data; recorded in the manifest (see docs/mask.md)."),
) -> int:
    """Run a migration: backup, read, cleanse, dedupe, enrich, map, verify, load, into runs/RUN_ID/."""
    from crmtool.run import RunOptions, run_migration

    if resume and run_id:
        from crmtool.errors import ConfigError

        raise ConfigError("--resume and --run-id exclude each other: a resumed run keeps its id")
    progress = None if as_json else _Progress()
    options = RunOptions(dry_run=dry_run, resume=resume, accept_failures=accept_failures, run_id=run_id, unmasked=unmasked,
                         on_stage=progress.event if progress else None, audit=current())
    try:
        summary = run_migration(migration, options)
    finally:
        if progress:
            progress.stop()
    if as_json:
        from crmtool.console import print_json

        print_json(summary.to_dict())
    else:
        _render(summary)
    return ExitCode.OK


class _Progress:
    """One line per stage as it finishes, and a spinner while it runs."""

    def __init__(self) -> None:
        from crmtool.console import err

        self.console = err
        self.status = None

    def event(self, stage: str, kind: str, counts: dict) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
        if kind == "start":
            self.status = self.console.status(f"{stage} …")
            self.status.start()
        elif kind == "skip":
            self.console.print(f"[dim]· {stage}: done in an earlier attempt[/]")
        else:
            self.console.print(f"[green]✓[/] {stage} {_brief(counts)}", highlight=False)

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()


def _brief(counts: dict) -> str:
    parts = []
    for key, value in counts.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v:,}" for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool))
            parts.append(f"{key}: {inner}" if inner else key)
        elif isinstance(value, int):
            parts.append(f"{key} {value:,}")
    return "(" + "; ".join(parts) + ")" if parts else ""


SUMMARY_COLUMNS = ("object", "source rows", "loaded", "merged", "rejected", "inserted", "updated", "unchanged",
                   "reconciled")


def _render(summary) -> None:
    from crmtool.console import out, print_table

    title = f"run {summary.run_id}" + (" (dry run: nothing was written to the target)" if summary.dry_run else "")
    rows = []
    for name, rec in summary.reconciliation.items():
        load = summary.load.get(name, {})
        rows.append([name, *(f"{rec[k]:,}" for k in ("source_rows", "loaded", "merged", "rejected")),
                     *(f"{load.get(k, 0):,}" for k in ("inserted", "updated", "unchanged")), "yes" if rec["ok"] else "NO"])
    print_table(title, SUMMARY_COLUMNS, rows, right=SUMMARY_COLUMNS[1:])
    accepted = (summary.gate or {}).get("accepted_failures")
    if accepted:
        out.print(f"[yellow]gate failed, accepted:[/] {accepted['reason']}", highlight=False)
    out.print(f"run directory: {summary.run_dir}" + (f"\nreport: {summary.report}" if summary.report else ""),
              highlight=False, soft_wrap=True)
