"""Write generated records the way real exports arrive: xlsx, CSV (UTF-8 with BOM or GB18030),
Excel's "Unicode Text" (UTF-16LE with BOM, tab-separated, CRLF), or Parquet; the truth as plain CSV."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".parquet": "parquet"}
TEXT_ENCODINGS = {"utf-8-sig", "utf-8", "gb18030", "utf-16"}
DEFAULT_ENCODING = {"csv": "utf-8-sig", "tsv": "utf-16"}
NUMERIC_COLUMNS = ("amount",)
"""Columns written to xlsx as number cells when the text is a plain number (as a person typing them would get)."""
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"{path}: unknown output format {suffix or '(no suffix)'}; use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write_records(records: pd.DataFrame, path: str | Path, *, encoding: str | None = None) -> Path:
    """Write `records` to `path` in the format its suffix names; `encoding` applies to text formats."""
    path = Path(path)
    fmt = output_format(path)
    if encoding is not None and fmt not in DEFAULT_ENCODING:
        raise ConfigError(f"--encoding applies to .csv/.tsv/.txt output, not {path.suffix}")
    encoding = (encoding or DEFAULT_ENCODING.get(fmt, "")).lower()
    if fmt in DEFAULT_ENCODING and encoding not in TEXT_ENCODINGS:
        raise ConfigError(f"unsupported encoding {encoding!r}; use one of {', '.join(sorted(TEXT_ENCODINGS))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(records, path)
    elif fmt == "parquet":
        records.to_parquet(path, index=False)
    else:
        write_text(records, path, sep="," if fmt == "csv" else "\t", encoding=encoding)
    return path


def write_text(records: pd.DataFrame, path: Path, *, sep: str, encoding: str) -> None:
    """Delimited text with CRLF line ends (Windows exports). UTF-16 is written little-endian with a BOM,
    as Excel's "Unicode Text" is, whatever the machine's byte order."""
    if encoding == "utf-16":
        with open(path, "w", encoding="utf-16-le", newline="") as handle:
            handle.write("\ufeff")
            records.to_csv(handle, sep=sep, index=False, lineterminator="\r\n")
        return
    with open(path, "w", encoding=encoding, newline="") as handle:
        records.to_csv(handle, sep=sep, index=False, lineterminator="\r\n")


def write_xlsx(records: pd.DataFrame, path: Path, *, sheet: str = "客户") -> None:
    """One sheet, header in row 1, text cells except plain numbers in NUMERIC_COLUMNS.

    constant_memory makes xlsxwriter flush each row as it goes, so a million rows need little memory.
    """
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
               "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        sheet_ = book.add_worksheet(sheet)
        bold = book.add_format({"bold": True})
        columns = list(records.columns)
        for c, name in enumerate(columns):
            sheet_.write_string(0, c, str(name), bold)
        numeric = [c in NUMERIC_COLUMNS for c in columns]
        data = [records[c].astype(object).where(records[c].notna(), None).tolist() for c in columns]
        write_string, write_number = sheet_.write_string, sheet_.write_number
        for r, row in enumerate(zip(*data), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if numeric[c] and _PLAIN_NUMBER.fullmatch(value):
                    write_number(r, c, float(value))
                else:
                    write_string(r, c, value)


def write_truth(truth: pd.DataFrame, path: str | Path) -> Path:
    """The truth as UTF-8 CSV (LF line ends): it is for programs, not for Excel."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth.to_csv(path, index=False, encoding="utf-8")
    return path
