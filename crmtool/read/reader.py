"""Reading one source into a ReadResult: open, pick the sheet, lay out, convert, attach provenance."""

from __future__ import annotations

from collections import Counter
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmtool.errors import ConfigError, InputError
from crmtool.issues import Issue, Severity, issues_frame
from crmtool.read import layout
from crmtool.read.cells import cell_text, column_text
from crmtool.read.formats import sniff
from crmtool.read.result import ReadResult
from crmtool.read.text import decode, sniff_delimiter, split_records

_SUFFIX_KIND = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".ods": "ods", ".xls": "xls"}
_MAX_LISTED = 20


class _Sheet:
    """The raw material of one table, whatever it came from."""

    def __init__(self, grid: list[list], name: str, merged: list | None, notes: list[Issue], info: dict,
                 field_counts: list[int] | None = None):
        self.grid, self.name, self.merged, self.notes, self.info = grid, name, merged, notes, info
        self.field_counts = field_counts
        """Text files: fields per record before padding, to report ragged records."""


def read_one(path: Path, *, sheet, header_row, encoding, source_label) -> ReadResult:
    label = source_label or path.name
    kind = sniff(path)
    if kind == "text":
        return _build(_text_sheet(path, label, encoding), path, label, header_row)
    workbook, notes = _open_workbook(path, kind, label)
    names = _worksheets(workbook)
    chosen = _choose_sheet(path, names, sheet) if sheet is not None else None
    for name in [chosen] if chosen else names:
        raw = _load_sheet(workbook, path, name, kind, label, notes)
        if chosen or layout.filled_rows_exist(raw.grid):
            if not chosen and len(names) > 1:
                others = [n for n in names if n != name]
                raw.notes.append(_note("read.other_sheets", Severity.INFO, label, name,
                                       f"workbook has {len(names)} sheets; read '{name}', not: {', '.join(others)} (use --sheet or --all-sheets)"))
            return _build(raw, path, label, header_row)
    raise InputError(path, "workbook has no sheet with data (every sheet is empty)")


def read_all(path: Path, *, header_row, encoding, source_label) -> list[ReadResult]:
    label = source_label or path.name
    kind = sniff(path)
    if kind == "text":
        return [_build(_text_sheet(path, label, encoding), path, label, header_row)]
    workbook, notes = _open_workbook(path, kind, label)
    results, empty = [], []
    for name in _worksheets(workbook):
        raw = _load_sheet(workbook, path, name, kind, label, [])
        if not layout.filled_rows_exist(raw.grid):
            empty.append(name)
            continue
        results.append(_build(raw, path, label, header_row))
    if not results:
        raise InputError(path, "workbook has no sheet with data (every sheet is empty)")
    extra = list(notes)
    if empty:
        extra.append(_note("read.empty_sheet", Severity.INFO, label, None, f"empty sheets skipped: {', '.join(empty)}"))
    if extra:
        from crmtool.issues import concat_issues

        results[0].issues = concat_issues([issues_frame(extra), results[0].issues])
    return results


def _note(rule: str, severity: Severity, label: str, sheet: str | None, message: str, row: int | None = None) -> Issue:
    return Issue(rule=rule, severity=severity, message=message, _source=label, _sheet=sheet or "", _row=row)


def _open_workbook(path: Path, kind: str, label: str):
    import python_calamine as calamine

    notes = []
    try:
        if _SUFFIX_KIND.get(path.suffix.lower()) == kind:
            workbook = calamine.CalamineWorkbook.from_path(str(path))
        else:
            notes.append(_note("read.misnamed", Severity.WARNING, label, None,
                               f"file is named {path.suffix} but is really a {kind} workbook; read as {kind}"))
            with path.open("rb") as handle:
                workbook = calamine.CalamineWorkbook.from_filelike(handle)
    except calamine.PasswordError:
        raise InputError(path, "workbook is password-protected: remove the password in Excel and save again") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several error kinds for damaged files
        raise InputError(path, f"corrupt or unreadable {kind} workbook ({_first_line(exc)})") from None
    return workbook, notes


def _worksheets(workbook) -> list[str]:
    import python_calamine as calamine

    return [m.name for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]


def _choose_sheet(path: Path, names: list[str], sheet: str | int) -> str:
    if isinstance(sheet, str) and sheet in names:
        return sheet
    text = str(sheet).strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    raise ConfigError(f"{path}: no sheet '{sheet}' (sheets: {', '.join(names)})")


def _load_sheet(workbook, path: Path, name: str, kind: str, label: str, notes: list[Issue]) -> _Sheet:
    try:
        sheet = workbook.get_sheet_by_name(name)
        grid = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges
    except Exception as exc:  # noqa: BLE001
        raise InputError(path, f"sheet '{name}' cannot be read ({_first_line(exc)})") from None
    return _Sheet(grid, name, merged, notes, {"format": kind, "sheet": name})


def _text_sheet(path: Path, label: str, encoding: str | None) -> _Sheet:
    data = path.read_bytes()
    try:
        text, codec, guessed = decode(data, encoding)
    except ValueError as exc:
        raise InputError(path, f"cannot decode as text: {exc}") from None
    if not text.strip():
        raise InputError(path, "file has no content (only whitespace)")
    notes = []
    if guessed:
        notes.append(_note("read.encoding_guessed", Severity.WARNING, label, "",
                           f"encoding was guessed as {codec}; pass --encoding if the text looks wrong"))
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        notes.append(_note("read.misnamed", Severity.WARNING, label, "", f"file named {path.suffix} is really delimited text; read as text"))
    delimiter = sniff_delimiter(text, path.suffix.lower())
    records = split_records(text, delimiter)
    width = max(map(len, records), default=0)
    grid = [r if len(r) == width else r + [""] * (width - len(r)) for r in records]
    info = {"format": "text", "sheet": "", "encoding": codec, "delimiter": delimiter}
    return _Sheet(grid, "", None, notes, info, field_counts=[len(r) for r in records])


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _build(raw: _Sheet, path: Path, label: str, header_row: int | None) -> ReadResult:
    grid, name = raw.grid, raw.name
    where = f"sheet '{name}'" if name else "file"
    if not layout.filled_rows_exist(grid):
        raise InputError(path, f"{where} is empty (no cells with data)")
    if header_row is not None and not 1 <= header_row <= len(grid):
        raise ConfigError(f"{path}: --header-row {header_row} is outside the {where} (rows 1-{len(grid)})")
    width = max(map(len, grid))
    header, titles = layout.find_header(grid, header_row)
    header_rows, names = layout.header_names(grid, header, raw.merged, width)
    data_start = header_rows[-1] + 1 if header_rows else layout.first_filled(grid)
    notes = list(raw.notes)
    notes += _title_notes(grid, titles, label, name)
    if header is None:
        notes.append(_note("read.no_header", Severity.WARNING, label, name,
                           f"no header row found; columns named {names[0]}…, pass --header-row N if row N is the header"))
    fills = layout.fill_merged(grid, raw.merged, data_start)
    region = grid[data_start:]
    columns, rounded = _columns(region, width)
    dropped = layout.classify_rows(columns, region, data_start)
    notes += _dropped_notes(grid, dropped, label, name)
    notes += _merged_notes(fills, label, name)
    keep = _kept(data_start, len(grid), dropped)
    if len(keep) == 0:
        at = f"header on row {header_rows[-1] + 1}" if header_rows else "no header"
        raise InputError(path, f"{where} has no data rows ({at})")
    if dropped:
        mask = np.isin(np.arange(data_start, len(grid)), keep)
        position = np.cumsum(mask) - 1
        columns = [c.filter(pa.array(mask)) for c in columns]
        rounded = {c: position[p[mask[p]]] for c, p in rounded.items() if mask[p].any()}
    table = _frame(columns, names, keep, label, name)
    notes += _rounded_notes(table, rounded, names, label, name)
    if raw.field_counts is not None:
        counts = raw.field_counts
        expected = counts[header_rows[0]] if header_rows else max(set(counts), key=counts.count)
        notes += _ragged_notes(counts, keep, expected, label)
    info = dict(raw.info)
    info.update(
        source=label,
        path=str(path),
        header_rows=[i + 1 for i in header_rows],
        title_rows=[i + 1 for i in titles],
        data_rows=len(table),
        columns=names,
        dropped=dict(Counter(dropped.values())),
        merged_filled=len(fills),
    )
    return ReadResult(table=table, issues=issues_frame(notes), info=info)


def _kept(start: int, end: int, dropped: dict[int, str]) -> np.ndarray:
    keep = np.arange(start, end)
    if dropped:
        keep = keep[~np.isin(keep, np.fromiter(dropped, dtype=np.int64))]
    return keep


def _columns(rows: list[list], width: int) -> tuple[list[pa.Array], dict[int, np.ndarray]]:
    """Each column of `rows` as Arrow text, and per column index the positions of rounded numbers."""
    columns, rounded = [], {}
    for c in range(width):
        array, lost = column_text(list(map(itemgetter(c), rows)))
        columns.append(array)
        if len(lost):
            rounded[c] = lost
    return columns, rounded


def _frame(columns: list[pa.Array], names: list[str], keep: np.ndarray, label: str, sheet: str) -> pd.DataFrame:
    row_numbers = keep + 1
    prefix = f"{label}#{sheet}!" if sheet else f"{label}#"
    row_ids = pc.binary_join_element_wise(pa.scalar(prefix), pa.array(row_numbers).cast(pa.string()), "")
    provenance = {
        "_row_id": pd.arrays.ArrowStringArray(row_ids),
        "_source": pd.array([label] * len(keep), dtype="string[pyarrow]"),
        "_sheet": pd.array([sheet] * len(keep), dtype="string[pyarrow]"),
        "_row": row_numbers.astype(np.int64),
    }
    data = {name: pd.arrays.ArrowStringArray(array) for name, array in zip(names, columns)}
    return pd.DataFrame({**provenance, **data})


def _title_notes(grid, titles, label, sheet) -> list[Issue]:
    notes = []
    for i in titles:
        text = " ".join(cell_text(v) or "" for v in grid[i] if v != "")
        notes.append(_note("read.title_row", Severity.INFO, label, sheet, f"row {i + 1} above the header skipped: {text[:80]}", i + 1))
    return notes


def _dropped_notes(grid, dropped: dict[int, str], label, sheet) -> list[Issue]:
    notes = []
    last = next((i for i in range(len(grid) - 1, -1, -1) if i not in dropped), -1)
    blanks = [i + 1 for i, why in dropped.items() if why == "blank" and i < last]
    if blanks:
        listed = ", ".join(map(str, blanks[:_MAX_LISTED])) + (" …" if len(blanks) > _MAX_LISTED else "")
        notes.append(_note("read.blank_rows", Severity.INFO, label, sheet, f"{len(blanks)} blank rows inside the data skipped: {listed}"))
    for i, why in dropped.items():
        if why in ("total", "footer"):
            text = " ".join(cell_text(v) or "" for v in grid[i] if v != "")
            kind = "total row" if why == "total" else "note below the table"
            notes.append(_note(f"read.{why}_row", Severity.INFO, label, sheet, f"{kind} on row {i + 1} skipped: {text[:80]}", i + 1))
    return notes


def _merged_notes(fills, label, sheet) -> list[Issue]:
    notes = []
    for (r1, c1), (r2, c2), value in fills:
        span = f"{layout.column_letter(c1)}{r1 + 1}:{layout.column_letter(c2)}{r2 + 1}"
        notes.append(_note("read.merged_cells", Severity.INFO, label, sheet,
                           f"merged cells {span} unmerged: '{cell_text(value) or ''}' copied into each cell", r1 + 1))
    return notes


def _rounded_notes(table, rounded: dict, names, label, sheet) -> list[Issue]:
    notes = []
    for index, positions in rounded.items():
        column = names[index]
        for p in positions[:_MAX_LISTED * 5]:
            value = table[column].iat[int(p)]
            notes.append(Issue(rule="read.number_precision", severity=Severity.WARNING, column=column, original=value,
                               message=f"{value} was stored as a number with more than 15 digits: Excel already rounded its last digits; fix the source cell as text",
                               _row_id=table["_row_id"].iat[int(p)], _source=label, _sheet=sheet, _row=int(table["_row"].iat[int(p)])))
    return notes


def _ragged_notes(counts: list[int], keep: np.ndarray, expected: int, label: str) -> list[Issue]:
    notes = []
    for i in keep:
        if counts[i] != expected and counts[i] > 0:
            notes.append(Issue(rule="read.field_count", severity=Severity.WARNING,
                               message=f"record has {counts[i]} fields, the header has {expected}: a delimiter inside an unquoted value may have shifted columns",
                               _row_id=f"{label}#{i + 1}", _source=label, _sheet="", _row=int(i + 1)))
            if len(notes) >= 1000:
                break
    return notes
