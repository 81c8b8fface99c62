"""`crmtool verify RUN_DIR|DATA`: quality rules in two engines, every failing row, and the gate (docs/verify.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.commands.auditing import audited, current
from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


@audited("verify")
def verify(
    target: Path = typer.Argument(..., metavar="RUN_DIR|DATA", show_default=False,
                                  help="A run directory (with manifest.json): verify its map/<object>.parquet. Or a data "
                                       "file (.xlsx .csv … or .parquet) with --mapping or --object."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", "-m", help="DATA: map it with this mapping file first."),
    object_name: Optional[str] = typer.Option(None, "--object", help="RUN_DIR: verify only this object. DATA without "
                                              "--mapping: the object whose field names are DATA's columns."),
    rules: List[Path] = typer.Option([], "--rules", metavar="R.yaml", help="A rule file (repeatable): add rules, "
                                     "change their severity or message, switch them off."),
    model_files: List[Path] = typer.Option([], "--model", metavar="OBJECTS.yaml",
                                           help="A custom object model file (repeatable)."),
    accept: Optional[str] = typer.Option(None, "--accept-failures", metavar="REASON",
                                         help="Let the gate pass despite failing error rules; the reason, who and when "
                                              "go into the manifest."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write results.json, failures.csv, failures.xlsx and "
                                       "gx/ here (default: RUN_DIR/verify; none for DATA)."),
    no_gx: bool = typer.Option(False, "--no-gx", help="SQL engine only: no great-expectations cross-check or Data Docs."),
    as_json: bool = typer.Option(False, "--json", help="Print the result, the gate and every failing row as JSON."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Write failures.xlsx without masking ID numbers, phones, e-mails, names, addresses and credit codes (see docs/mask.md)."),
) -> int:
    """Verify mapped data: required, types, patterns, picklists, lengths, ranges, unique keys,
    relationships, credit codes, phones and e-mails, in DuckDB SQL and great-expectations; exit 1
    when error rules fail (unless --accept-failures REASON)."""
    from crmtool.run import verify_path

    audit = current() if (target / "manifest.json").is_file() else None  # a run directory: audited there
    if audit is not None:
        audit.attach_run_dir(target)
        for path in sorted((target / "map").glob(f"{object_name or '*'}.parquet")):
            audit.add_input(path, "map")
        for path in rules:
            audit.add_input(path, "rules")
    run = verify_path(target, mapping=mapping, object_name=object_name, rule_files=rules, model_files=model_files,
                      accept_failures=accept, out=out, engines=("sql",) if no_gx else ("sql", "gx"), masked=not unmasked)
    if audit is not None:
        summary = run.result.summary()
        audit.counts = {k: summary[k] for k in ("rules", "passed", "failed", "skipped", "disagree", "failing_rows")}
    _render(run, as_json)
    if run.error is not None:
        raise run.error
    return ExitCode.OK


def _render(run, as_json: bool) -> None:
    from crmtool.console import out, print_json, warn_line

    result = run.result
    if as_json:
        print_json({**result.to_dict(), "gate": run.gate, "notes": run.notes})
        return
    for note in run.notes:
        warn_line(note)
    from crmtool.console import print_table

    shown = [r for r in result.results if r["status"] in ("failed", "disagree")]
    if shown:
        rows = [[r["rule_id"], r["severity"], f"{r['checked']:,}", f"{r['failed']:,}", _n(r["engine_counts"]["sql"]),
                 _n(r["engine_counts"]["gx"]), r["status"]] for r in shown]
        print_table("rules with failing rows", ("rule", "severity", "checked", "failed", "sql", "gx", "status"), rows,
                    right=("checked", "failed", "sql", "gx"), console=out)
        for r in shown:
            if r["status"] == "disagree":
                out.print(f"[red]{r['rule_id']}[/]: {r['note']}", highlight=False)
    summary = result.summary()
    rows = ", ".join(f"{obj} {n:,}" for obj, n in result.rows.items())
    verdict = ("[green]passed[/]" if run.gate["passed"] else
               "[yellow]failures accepted[/]" if run.gate.get("accepted_failures") else "[red]gate failed[/]")
    out.print(f"{summary['rules']} rules over {rows} rows: {summary['passed']} passed, {summary['failed']} failed, "
              f"{summary['skipped']} skipped, {summary['disagree']} engine disagreements; "
              f"{summary['failing_rows']:,} failing rows → {verdict}", highlight=False)
    if result.files:
        out.print(f"written: {', '.join(result.files.values())}", highlight=False)


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"
