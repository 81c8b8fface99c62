"""`crmtool review apply FILE`: store the 是/否 answers of a dedupe review workbook for later runs."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.exitcodes import ExitCode

review_app = typer.Typer(help="Reviewer decisions on uncertain duplicate pairs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")


@review_app.command("apply")
def apply(
    file: Path = typer.Argument(..., metavar="FILE", help="A review workbook written by `crmtool dedupe --review`, with 是/否 filled in."),
    store: Path | None = typer.Option(None, "--decisions", help="Decisions store (default: dedupe_decisions.duckdb next to FILE)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> int:
    """Read the answers back; later `crmtool dedupe` runs reuse them and never ask about those pairs again."""
    from crmtool.console import out, print_json, warn_line
    from crmtool.dedupe.review import apply_review

    summary = apply_review(file, store)
    if as_json:
        print_json(summary)
        return ExitCode.OK
    out.print(f"{summary['stored']} decision(s) stored in {summary['store']} "
              f"({summary['yes']} 是, {summary['no']} 否, {summary['open']} still open)")
    if summary["invalid"]:
        warn_line(f"{len(summary['invalid'])} answer(s) are neither 是 nor 否 and were skipped: "
                  + ", ".join(summary["invalid"][:5]))
    return ExitCode.OK
