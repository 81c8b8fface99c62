"""`crmtool cleanse INPUT --as COLUMN=KIND … --out OUT [--issues ISSUES]` (see docs/cleanse.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("cleanse")(cleanse)


def cleanse(
    input: Path = typer.Argument(..., help="A file `crmtool read` accepts (.xlsx .xls .csv …).", show_default=False,
                                 metavar="INPUT"),
    kinds: List[str] = typer.Option(
        [], "--as", metavar="COLUMN=KIND", help="Repeatable. Kinds: company_name credit_code mobile landline phone email date "
                         "id_number amount person_name address free_text picklist. Default: detected from headers and content."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the table (.csv, .xlsx or .parquet)."),
    issues_out: Optional[Path] = typer.Option(None, "--issues", help="Write one row per problem (CSV, .xlsx or .parquet)."),
    picklists: List[str] = typer.Option([], "--picklist", metavar="COLUMN=FILE", help="The value map (YAML/JSON) of a picklist column; repeatable."),
    sheet: Optional[str] = typer.Option(None, "--sheet", "-s", help="Sheet name or 1-based position."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help="1-based header row (default: found)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text files: the encoding (default: detected)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> int:
    """Cleanse columns field by field: OUT keeps every input column and adds C__clean, C__status
    (ok / fixed / invalid / empty) and C__<attribute> for each cleansed column C."""
    from crmtool.cleanse.picklist import Picklist
    from crmtool.cleanse.stage import cleanse_file, parse_kind_options, status_counts
    from crmtool.console import out as console, print_json
    from crmtool.errors import ConfigError
    from crmtool.tableio import write_table

    lists = {}
    for option in picklists:
        column, sep, file = option.partition("=")
        if not sep:
            raise ConfigError(f"--picklist {option}: expected COLUMN=FILE")
        try:
            lists[column.strip()] = Picklist.from_file(file.strip())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--picklist {option}: {exc}") from exc
    sheet_arg = int(sheet) if sheet and sheet.isdigit() else sheet
    result = cleanse_file(input, parse_kind_options(kinds), lists, sheet=sheet_arg, header_row=header_row,
                          encoding=encoding)
    write_table(result.table, out)
    if issues_out:
        write_table(result.issues, issues_out, sheet_name="issues")
    summary = status_counts(result)
    if as_json:
        print_json({"columns": summary, "issues": len(result.issues), "out": str(out),
                    "issues_file": str(issues_out) if issues_out else None,
                    "detected": {c: vars(r) for c, r in result.detected.items()}})
        return ExitCode.OK
    from crmtool.console import print_table

    columns = ("column", "kind", "ok", "fixed", "invalid", "empty")
    rows = [[str(row[k]) if not isinstance(row[k], int) else f"{row[k]:,}" for k in columns] for row in summary]
    print_table(f"cleansed {input.name}: {len(result.table):,} rows", columns, rows, right=columns[2:], console=console)
    if not summary:
        console.print("no column to cleanse: give --as COLUMN=KIND")
    console.print(f"[green]wrote[/] {out}" + (f" and {issues_out} ({len(result.issues):,} issues)" if issues_out else
                                              f" ({len(result.issues):,} issues; --issues FILE to write them)"))
    return ExitCode.OK
