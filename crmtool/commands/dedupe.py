"""`crmtool dedupe`: find duplicate accounts, cluster them, and write clusters, pairs and a review workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("dedupe")(dedupe)


def dedupe(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Any file `crmtool read` accepts, with columns name, credit_code, phone, address (any may be absent)."),
    key: str = typer.Option(..., "--key", help="The column that identifies a row (e.g. an account id, or _row_id)."),
    out: Path = typer.Option(..., "--out", help="CLUSTERS: one row per input row: key, cluster_id, is_survivor, reasons (.csv, .xlsx, .parquet)."),
    pairs: Path | None = typer.Option(None, "--pairs", help="PAIRS: key_a, key_b, score, decision, reasons for every scored pair above the floor."),
    review: Path | None = typer.Option(None, "--review", help="Review workbook (.xlsx) of the uncertain pairs with a 是/否 column."),
    against: Path | None = typer.Option(None, "--against", help="A CRM store (DuckDB file with an accounts table): match the input against it."),
    decisions: Path | None = typer.Option(None, "--decisions", help="Reviewer decisions store (default: dedupe_decisions.duckdb next to --out)."),
    golden: Path | None = typer.Option(None, "--golden", help="Also write one golden record per cluster, with each field's source row."),
    sheet: str | None = typer.Option(None, "--sheet", help="Sheet of a workbook INPUT (name or 1-based number)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> int:
    """Deduplicate accounts: block, score, decide, cluster; every merge with its reasons."""
    from crmtool.dedupe.run import run_dedupe
    from crmtool.errors import InputError

    if not input_path.exists():
        raise InputError(input_path, "no such file")
    summary = run_dedupe(input_path, key, out, pairs=pairs, review=review, against=against, decisions=decisions,
                         golden=golden, sheet=sheet)
    _render(summary, as_json)
    return ExitCode.OK


def _render(summary: dict, as_json: bool) -> None:
    from crmtool.console import out, print_json

    if as_json:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(title="blocking", show_lines=False)
    for column in ("rule", "pairs", "new_pairs", "skipped_keys"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    for row in summary["blocks"]:
        table.add_row(row["rule"], f"{row['pairs']:,}", f"{row['new_pairs']:,}", f"{row['skipped_keys']:,}")
    out.print(table)
    line = (f"{summary['records']:,} records → {summary['clusters']:,} clusters; {summary['candidate_pairs']:,} candidate "
            f"pairs, {summary['matches']:,} matches, {summary['reviews']:,} to review "
            f"({summary['seconds']['total']:.1f} s) → {summary['out']}")
    if "matched_accounts" in summary:
        line += f"; {summary['matched_accounts']:,} rows match an existing account"
    out.print(line)
