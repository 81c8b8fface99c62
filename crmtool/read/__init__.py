"""Reading: every source file becomes a table of text with provenance, and a list of issues.

`read_table` reads one sheet (or a text file), `read_sheets` every worksheet of a workbook. The
table's first columns are `_row_id`, `_source`, `_sheet` and `_row` (the row number a person sees in
Excel, or the record number in a text file, which is what Excel shows when it opens that file);
the data columns follow, every value as text, empty cells missing (<NA>).
"""

from __future__ import annotations

from pathlib import Path

from crmtool.read.formats import SUPPORTED_SUFFIXES, TEXT_SUFFIXES, WORKBOOK_SUFFIXES
from crmtool.read.result import ReadResult

__all__ = ["ReadResult", "read_table", "read_sheets", "SUPPORTED_SUFFIXES", "TEXT_SUFFIXES", "WORKBOOK_SUFFIXES"]


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    source_label: str | None = None,
) -> ReadResult:
    """Read one table. `sheet` is a name or a 1-based position (default: the first sheet with data);
    `header_row` (1-based) overrides header detection; `encoding` overrides the text cascade."""
    from crmtool.read.reader import read_one

    return read_one(Path(path), sheet=sheet, header_row=header_row, encoding=encoding, source_label=source_label)


def read_sheets(
    path: str | Path,
    *,
    header_row: int | None = None,
    encoding: str | None = None,
    source_label: str | None = None,
) -> list[ReadResult]:
    """Every worksheet that holds data (a text file is one table). Empty sheets are skipped with an issue
    on the first result; a workbook with no data anywhere is an InputError."""
    from crmtool.read.reader import read_all

    return read_all(Path(path), header_row=header_row, encoding=encoding, source_label=source_label)
