"""`crmtool profile FILE...`: what each column holds, how full and how valid it is (see docs/profile.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("profile")(profile)


def profile(
    files: List[Path] = typer.Argument(
        ..., metavar="FILE", help="Excel workbooks or CSV/text exports to profile.", show_default=False
    ),
    sheet: Optional[str] = typer.Option(
        None, "--sheet", "-s", help="Worksheet name or 1-based position (default: the first sheet with data)."
    ),
    all_sheets: bool = typer.Option(False, "--all-sheets", help="Profile every worksheet that holds data."),
    header_row: Optional[int] = typer.Option(
        None, "--header-row", min=1, help="1-based header row (default: detected)."
    ),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text file encoding (default: detected)."),
    top: int = typer.Option(5, "--top", min=0, help="How many of the most frequent values to show per column."),
    kinds: bool = typer.Option(True, "--kinds/--no-kinds", help="Detect each column's kind and its valid share."),
    as_json: bool = typer.Option(False, "--json", help="Print the profile as JSON (for scripts)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML report to this file."),
) -> int:
    """Profile files column by column: fill rate, placeholders, distinct values, top values, kind and validity."""
    from crmtool.console import err, out, print_json
    from crmtool.errors import ConfigError
    from crmtool.profile import profile_files

    if sheet is not None and all_sheets:
        raise ConfigError("--sheet and --all-sheets exclude each other: pick one sheet or all of them")
    report = profile_files(
        files,
        sheet=sheet,
        all_sheets=all_sheets,
        header_row=header_row,
        encoding=encoding,
        top=top,
        kinds=kinds,
    )
    if html is not None:
        from crmtool.profile import write_html

        written = write_html(report, html)
        err.print(f"HTML report written to {written}", highlight=False, markup=False)
    if as_json:
        print_json(report.to_dict())
    else:
        from crmtool.profile import print_profile

        print_profile(report, out)
    return ExitCode.OK
