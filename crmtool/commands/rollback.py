"""`crmtool rollback RUN_ID`: undo a run's load in the CRM store from the snapshot the run took."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.commands.auditing import audited, current
from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("rollback")(rollback)


@audited("rollback")
def rollback(
    run_id: str | None = typer.Argument(None, metavar="RUN_ID", show_default=False,
                                        help="The run to undo: its folder name under --runs-dir (crmtool runs lists them)."),
    last: bool = typer.Option(False, "--last", help="Undo the newest run that changed the store and is not rolled back."),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="The folder holding the runs (default: runs)."),
    target: str | None = typer.Option(None, "--target", help="The store URL (default: the target of the run's migration file)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> int:
    """Delete the rows the run inserted and put back the rows it updated, children before parents.

    RUN_ID is the run's folder under --runs-dir (printed by `crmtool run`, listed by `crmtool runs`).
    Rows a later run changed since are kept. A run that changed nothing, or one already rolled back,
    is left as it is: running it again changes nothing.
    """
    from crmtool.config.migration import redact
    from crmtool.console import out, print_json, warn_line
    from crmtool.errors import ConfigError
    from crmtool.load import open_target
    from crmtool.run import RunDir, last_changing_run, rollback_run, run_target_url

    if (run_id is None) == (not last):
        raise ConfigError("give RUN_ID or --last (crmtool runs lists the runs)")
    run_id = run_id or last_changing_run(runs_dir).run_id
    run_dir = runs_dir / run_id
    audit = current()
    if (run_dir / "manifest.json").is_file():
        audit.attach_run_dir(run_dir, run_id=run_id)
    url, model, base = run_target_url(run_dir, target)
    audit.set_store(url, base=base, model=model, write=False)
    recorded = RunDir(run_dir).load_manifest().get("target")
    if recorded and recorded != redact(url):
        warn_line(f"the run loaded into {recorded}; rolling back in {redact(url)} (only rows this run wrote are touched)")
    if not yes:
        typer.confirm(f"Roll back run {run_id} in {redact(url)}: delete the rows it inserted and restore the rows "
                      "it updated?", abort=True)
    for snapshot in sorted((run_dir / "snapshot").glob("*.parquet")):
        audit.add_input(snapshot, "snapshot")
    audit.write_store = True
    with open_target(url, model, base=base) as store:
        result = rollback_run(run_dir, store)
    audit.counts = result["objects"]
    result["target"] = redact(url)
    if as_json:
        print_json(result)
        return ExitCode.OK
    _render(result, out)
    return ExitCode.OK


def _render(result: dict, out) -> None:
    from crmtool.console import print_table
    from crmtool.load import ROLLBACK_COUNTS as COUNTS

    if not result["objects"]:
        out.print(f"Run {result['run_id']} wrote nothing to {result['target']}: nothing to roll back.")
        return
    rows = [[name, *(f"{counts[c]:,}" for c in COUNTS)] for name, counts in result["objects"].items()]
    print_table(f"Rollback of run {result['run_id']} in {result['target']}", ["object", *COUNTS], rows, right=COUNTS,
                console=out)
    if not any(any(counts.values()) for counts in result["objects"].values()):
        out.print(f"Run {result['run_id']} left nothing of its own in the store (it changed nothing, or it was rolled "
                  "back already): nothing to roll back, nothing changed.", highlight=False)
    kept = sum(c["kept"] for c in result["objects"].values())
    if kept:
        out.print(f"[dim]{kept:,} row(s) were changed by a later run or writer since and were left as they are.[/]")
