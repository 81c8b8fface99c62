"""failures.xlsx: what a consultant opens after verify.

A summary sheet first (every rule, its counts from both engines, its status, a link to its sheet),
then one sheet per failing rule holding the full failing rows (provenance and every field) with the
failing cell highlighted and the rule's message beside the row. Written with xlsxwriter in
constant-memory mode; text cells with write_string, so `0012`, `=1+1` or a URL stay as they were.
"""

from __future__ import annotations

import numbers
import re
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from crmtool.atomic import atomic_path

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_ROWS = 1_048_575  # data rows per sheet under the header row
SUMMARY_COLUMNS = ("rule_id", "object", "field", "kind", "severity", "status", "checked", "failed", "sql", "gx",
                   "message", "note")
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def sheet_names(rule_ids: list[str], reserved: tuple[str, ...] = ("summary",)) -> dict[str, str]:
    """A valid, unique sheet name (≤ 31 characters) per rule id: `accounts.credit_code.valid` fits,
    longer ids shorten the object name first (`opportu.opportunity_id.required`)."""
    taken = {r.lower() for r in reserved}
    out = {}
    for rule_id in rule_ids:
        name = _SHEET_CHARS.sub("_", rule_id)
        if len(name) > 31:
            obj, _, rest = name.partition(".")
            name = f"{obj[:max(3, 30 - len(rest))]}.{rest}" if rest else name
            name = name if len(name) <= 31 else name[:15] + "…" + name[-15:]
        base, k = name, 2
        while name.lower() in taken:
            suffix = f"~{k}"
            name = base[:31 - len(suffix)] + suffix
            k += 1
        taken.add(name.lower())
        out[rule_id] = name
    return out


def write_failures_workbook(path: str | Path, results: list[dict], failures: "pd.DataFrame",
                            frames: Mapping[str, "pd.DataFrame"], *, masked: bool = True) -> Path:
    """Write the workbook atomically; rules with failing rows get their own sheet(s). `failures` may hold
    `_ord` (the row's position in its frame); without it rows are found by `_row_id`. `masked` (the
    default) desensitises every field by its kind and scrubs the messages (docs/mask.md)."""
    import xlsxwriter

    path = Path(path)
    failing = [r for r in results if r["rule_id"] in set(failures["rule_id"].unique())] if len(failures) else []
    names = sheet_names([r["rule_id"] for r in failing])
    by_rule = {rule_id: group for rule_id, group in failures.groupby("rule_id", sort=False)} if len(failures) else {}
    sheets = _failing_rows(failing, by_rule, frames, masked)
    with atomic_path(path, ".xlsx") as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
        styles = _styles(book)
        try:
            _summary(book, styles, results, names)
            for entry in failing:
                _rule_sheets(book, styles, names[entry["rule_id"]], entry, *sheets[entry["rule_id"]])
        finally:
            book.close()
    return path


def _failing_rows(failing: list[dict], by_rule: dict, frames: Mapping[str, "pd.DataFrame"],
                  masked: bool) -> dict[str, tuple["pd.DataFrame", "np.ndarray"]]:
    """{rule id: (its failing rows, their messages)}. Masked, only the rows that go in the workbook are
    masked (the kinds still detected on the whole frame), and the messages scrubbed."""
    import numpy as np

    located = {}
    for entry in failing:
        group = by_rule[entry["rule_id"]]
        positions = _positions(group, frames[entry["object"]])
        located[entry["rule_id"]] = (entry["object"], positions[positions >= 0],
                                     group["message"].to_numpy()[positions >= 0])
    out = {}
    for name, frame in frames.items():
        wanted = [(rule_id, at, messages) for rule_id, (obj, at, messages) in located.items() if obj == name]
        if not wanted:
            continue
        needed = np.unique(np.concatenate([at for _, at, _ in wanted]))
        rows = frame.iloc[needed]
        if masked:
            from crmtool.mask import mask_table

            rows = mask_table(frame, rows=needed)[0]
        rows = rows.reset_index(drop=True)
        for rule_id, at, messages in wanted:
            if masked:
                from crmtool.mask import scrub_text

                messages = np.array([scrub_text(m) if isinstance(m, str) else m for m in messages], dtype=object)
            out[rule_id] = (rows.iloc[np.searchsorted(needed, at)].reset_index(drop=True), messages)
    return out


def _positions(failing: "pd.DataFrame", frame: "pd.DataFrame") -> "np.ndarray":
    """Each failing row's position in its frame (-1 where its `_row_id` is not there)."""
    import pandas as pd

    if "_ord" in failing.columns:  # the row's position in its frame, as the SQL engine numbered them
        return failing["_ord"].to_numpy()
    return pd.Index(frame["_row_id"]).get_indexer_non_unique(failing["_row_id"])[0]


def _styles(book) -> dict:
    return {
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "bad": book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1}),
        "error": book.add_format({"font_color": "#9C0006", "bold": True}),
        "warning": book.add_format({"font_color": "#9C5700"}),
        "link": book.add_format({"font_color": "blue", "underline": 1}),
    }


def _summary(book, styles: dict, results: list[dict], names: dict[str, str]) -> None:
    sheet = book.add_worksheet("summary")
    sheet.write_row(0, 0, [*SUMMARY_COLUMNS, "sheet"], styles["head"])
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 38)
    sheet.set_column(10, 11, 60)
    for r, entry in enumerate(results, start=1):
        counts = entry["engine_counts"]
        values = [entry["rule_id"], entry["object"], entry["field"], entry["kind"], entry["severity"], entry["status"],
                  entry["checked"], entry["failed"], counts.get("sql"), counts.get("gx"), entry["message"],
                  entry.get("note")]
        for c, value in enumerate(values):
            style = styles.get(entry["severity"]) if c == 5 and entry["status"] in ("failed", "disagree") else None
            _cell(sheet, r, c, value, style)
        if entry["rule_id"] in names:
            name = names[entry["rule_id"]]
            sheet.write_url(r, len(values), f"internal:'{name}'!A1", styles["link"], string=name)
    sheet.autofilter(0, 0, len(results), len(SUMMARY_COLUMNS))


def _rule_sheets(book, styles: dict, name: str, entry: dict, rows: "pd.DataFrame", messages) -> None:
    columns = [*map(str, rows.columns), "message"]
    bad = columns.index(entry["field"]) if entry["field"] in columns else -1
    for part, start in enumerate(range(0, max(len(rows), 1), MAX_ROWS)):
        sheet = book.add_worksheet(name if part == 0 else f"{name[:27]}~p{part + 1}")
        sheet.write_row(0, 0, columns, styles["head"])
        sheet.freeze_panes(1, 0)
        sheet.set_column(len(columns) - 1, len(columns) - 1, 70)
        chunk = rows.iloc[start:start + MAX_ROWS]
        for r, (row, message) in enumerate(zip(chunk.itertuples(index=False, name=None),
                                               messages[start:start + MAX_ROWS]), start=1):
            for c, value in enumerate(row):
                _cell(sheet, r, c, value, styles["bad"] if c == bad else None)
            _cell(sheet, r, len(columns) - 1, message, None)
        sheet.autofilter(0, 0, len(chunk), len(columns) - 1)


def _cell(sheet, r: int, c: int, value, style) -> None:
    if value is None or (not isinstance(value, str) and _isna(value)):
        if style is not None:
            sheet.write_blank(r, c, None, style)
        return
    if isinstance(value, str):
        sheet.write_string(r, c, value, style)
    elif isinstance(value, bool):
        sheet.write_boolean(r, c, value, style)
    elif isinstance(value, numbers.Real):
        sheet.write_number(r, c, value, style)
    else:
        sheet.write_string(r, c, str(value), style)


def _isna(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
