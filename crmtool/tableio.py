"""Writing tables out, by file suffix: CSV (UTF-8 with BOM, so Excel opens Chinese text correctly),
xlsx (every cell written as text, so nothing is re-interpreted as a number, date or formula) and Parquet.

Text written to CSV that a spreadsheet would run as a formula (leading = + - @) is neutralised with
a leading apostrophe unless it is a plain number or phone number such as +8613800138000 or -12.5.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.atomic import atomic_path
from crmtool.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

WRITE_SUFFIXES = (".csv", ".xlsx", ".parquet")
LOCK_FILE_PREFIXES = ("~$", ".~lock.")
"""Office and LibreOffice lock files that sit next to an open workbook: not tables (backups of folders
and source patterns skip them)."""
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+\-]?\d[\d\s.,()]*(?:;ext=\d+)?$")
"""Numbers and phone numbers (+8613800138000, +86 10 6234 5678;ext=801, -12.5): a sign at the start
only, no operator after it (-1+1 is a formula), no letters, nothing a spreadsheet could run."""


def neutralise_formulas(series: "pd.Series") -> "pd.Series":
    """Prefix ' to text that Excel would evaluate as a formula (CSV injection), leaving numbers alone."""
    text = series.astype("string")
    risky = text.str.match(_FORMULA_START.pattern) & ~text.str.match(_PLAIN_NUMBER.pattern)
    return text.mask(risky.fillna(False), "'" + text)


def write_table(table: "pd.DataFrame", path: str | Path, *, sheet_name: str = "data") -> Path:
    """Write atomically: a failure leaves no half-written file at `path`."""
    return write_tables({sheet_name: table}, path)


def write_tables(tables: dict[str, "pd.DataFrame"], path: str | Path) -> Path:
    """Several tables: xlsx gets one sheet each; CSV and Parquet need exactly one table."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        raise ConfigError(f"{path}: cannot write '{suffix or '(none)'}' files (use {', '.join(WRITE_SUFFIXES)})")
    if suffix != ".xlsx" and len(tables) != 1:
        raise ConfigError(f"{path}: {suffix} holds one table; write several sheets to .xlsx")
    with atomic_path(path, suffix) as tmp:
        _WRITERS[suffix](tables, tmp)
    return path


def _write_csv(tables: dict, path: Path) -> None:
    (table,) = tables.values()
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith(("string", "str")):
            safe[column] = neutralise_formulas(safe[column])
    safe.to_csv(path, index=False, encoding="utf-8-sig")


def _write_parquet(tables: dict, path: Path) -> None:
    (table,) = tables.values()
    table.to_parquet(path, index=False)


def _write_xlsx(tables: dict, path: Path) -> None:
    import pandas as pd
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    try:
        for name, table in tables.items():
            sheet = book.add_worksheet(_sheet_name(name, book))
            sheet.write_row(0, 0, [str(c) for c in table.columns], bold)
            sheet.freeze_panes(1, 0)
            for r, row in enumerate(table.itertuples(index=False, name=None), start=1):
                for c, value in enumerate(row):
                    if value is None or pd.isna(value):
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    else:
                        sheet.write(r, c, value)
    finally:
        book.close()


def _sheet_name(name: str, book) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "_", name or "data")[:31] or "data"
    existing = {s.get_name() for s in book.worksheets()}
    candidate, k = clean, 2
    while candidate in existing:
        candidate = f"{clean[:28]}_{k}"
        k += 1
    return candidate


_WRITERS = {".csv": _write_csv, ".parquet": _write_parquet, ".xlsx": _write_xlsx}
