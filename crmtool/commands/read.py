"""`crmtool read`: one file as crmtool sees it: the table found, every cell as text, and what was skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("read")(read)


def read(
    file: Path = typer.Argument(..., help="An .xlsx .xlsm .xls .xlsb .ods .csv .tsv or .txt file."),
    sheet: Optional[str] = typer.Option(None, "--sheet", "-s", help="Sheet name or 1-based position (default: the first sheet with data)."),
    all_sheets: bool = typer.Option(False, "--all-sheets", help="Read every sheet that holds data."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help="1-based row of the header (default: found automatically)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text files: the encoding (default: BOM, UTF-8, GB18030, then a detector)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the table: .csv (UTF-8 with BOM), .xlsx or .parquet."),
    issues_out: Optional[Path] = typer.Option(None, "--issues", help="Write what reading noticed (title rows, totals, merges …) as CSV."),
    preview: int = typer.Option(10, "--preview", min=0, help="Rows to show when not writing --out."),
    as_json: bool = typer.Option(False, "--json", help="Print info, issues (and the rows, without --out) as JSON."),
) -> int:
    """Read FILE: find the header under any title rows, skip blank, total and note rows, and give every
    cell as text with its provenance (_row_id, _source, _sheet, _row)."""
    from crmtool.console import out as console, print_json
    from crmtool.issues import concat_issues
    from crmtool.read import read_sheets, read_table

    if all_sheets and sheet:
        from crmtool.errors import ConfigError

        raise ConfigError("--sheet and --all-sheets exclude each other")
    if all_sheets:
        results = read_sheets(file, header_row=header_row, encoding=encoding)
    else:
        results = [read_table(file, sheet=sheet, header_row=header_row, encoding=encoding)]
    written = _write(results, out) if out else []
    if issues_out:
        from crmtool.tableio import write_table

        write_table(concat_issues(r.issues for r in results), issues_out)
    if as_json:
        print_json({"results": [_json(r, include_rows=out is None) for r in results], "written": [str(p) for p in written]})
        return 0
    for result in results:
        _render(console, result, preview if out is None else 0)
    for path in written:
        console.print(f"[green]wrote[/] {path}")
    return 0


def _write(results, out: Path) -> list[Path]:
    from crmtool.tableio import write_table, write_tables

    if len(results) == 1:
        return [write_table(results[0].table, out, sheet_name=results[0].info.get("sheet") or "data")]
    if out.suffix.lower() == ".xlsx":
        return [write_tables({r.info["sheet"]: r.table for r in results}, out)]
    return [write_table(r.table, out.with_name(f"{out.stem}.{r.info['sheet']}{out.suffix}")) for r in results]


def _json(result, include_rows: bool) -> dict:
    data = {"info": result.info, "issues": _records(result.issues)}
    if include_rows:
        data["rows"] = _records(result.table)
    return data


def _records(frame) -> list[dict]:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _render(console, result, preview: int) -> None:
    from rich.table import Table

    info = result.info
    where = f"{info['source']}" + (f" › {info['sheet']}" if info.get("sheet") else "")
    header = "header on row " + " and ".join(map(str, info["header_rows"])) if info["header_rows"] else "no header row found"
    extra = f", encoding {info['encoding']}, delimiter {info['delimiter']!r}" if info.get("encoding") else ""
    console.print(f"[bold]{where}[/]: {info['data_rows']:,} data rows × {len(info['columns'])} columns, {header}{extra}")
    if preview:
        table = Table(show_lines=False)
        shown = ["_row", *info["columns"]]
        for column in shown:
            table.add_column(column, overflow="fold")
        for row in result.table[shown].head(preview).itertuples(index=False):
            table.add_row(*map(_cell, row))
        console.print(table)
    if len(result.issues):
        notes = Table(title="noticed while reading", show_header=True)
        for column in ("severity", "rule", "row", "message"):
            notes.add_column(column, overflow="fold")
        for severity, rule, row, message in result.issues[["severity", "rule", "_row", "message"]].itertuples(index=False, name=None):
            notes.add_row(severity, rule, _cell(row), message)
        console.print(notes)


def _cell(value) -> str:
    import pandas as pd

    return "" if value is None or pd.isna(value) else str(value)
