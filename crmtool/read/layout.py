"""Where the table is inside a sheet: title rows, the header row, data rows, trailing totals and notes.

Works on a grid (list of rows, each a list of raw cell values, '' for an empty cell) as it comes from
python-calamine or the CSV splitter, before any value is converted, so that types (a number, a date)
can count as evidence that a row is data rather than a header.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from crmtool.read.cells import cell_text

RESERVED = ("_row_id", "_source", "_sheet", "_row")
_VALUE_LIKE = re.compile(r"^[\s\d.,:/\-+()（）%¥$￥#年月日时分秒]+$")
TOTAL_WORDS = {"合计", "总计", "小计", "共计", "总数", "汇总", "合计金额", "total", "totals", "grandtotal", "subtotal", "sum"}
_TOTAL_STRIP = r"[\s\p{Z}\x{85}\x{1c}-\x{1f}:：]"
"""Spaces (full-width ones too: 合\u3000计) and colons, in RE2 syntax for Arrow, whose \\s is ASCII only."""
_FOOTER_NOTE = re.compile(r"^\s*(制表|制单|审核|备注|注[:：]|说明|打印|导出|数据来源|填表|填报|统计时间|截止)")
_SCAN_ROWS = 30


@dataclass
class Layout:
    header_rows: list[int]
    """0-based grid indices of the header (two when a merged group header sits above sub-headers)."""
    names: list[str]
    data_start: int
    title_rows: list[int] = field(default_factory=list)
    dropped: dict[int, str] = field(default_factory=dict)
    """0-based grid index → why the row is not data: 'blank', 'total', 'footer'."""
    guessed_header: bool = False


def filled(row: list) -> int:
    return len(row) - row.count("")


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def find_header(grid: list[list], header_row: int | None = None) -> tuple[int | None, list[int]]:
    """(0-based header index or None when there is no header, 0-based title rows above it)."""
    if header_row is not None:
        index = header_row - 1
        return index, [i for i in range(index) if filled(grid[i])]
    candidates = _first_nonblank(grid, _SCAN_ROWS)
    if not candidates:
        return None, []
    width = max(filled(grid[i]) for i in candidates)
    need = 1 if width == 1 else max(2, math.ceil(width * 0.5))
    for i in candidates:
        cells = [v for v in grid[i] if v != ""]
        if len(cells) >= need and _label_share(cells) >= 0.7:
            return i, [j for j in candidates if j < i]
    return None, []


def _first_nonblank(grid: list[list], count: int) -> list[int]:
    found = []
    for i, row in enumerate(grid):
        if filled(row):
            found.append(i)
            if len(found) == count:
                break
    return found


def _label_share(cells: list) -> float:
    labels = sum(isinstance(v, str) and len(v) <= 40 and not _VALUE_LIKE.match(v) for v in cells)
    return labels / len(cells)


def header_names(grid: list[list], header: int | None, merged: list | None, width: int) -> tuple[list[int], list[str]]:
    """The header row(s) and unique, stable column names.

    A merged cell spanning several columns of the header row, with sub-headers in the row below it,
    makes a two-row header: those columns are named "group/sub" (联系方式/手机). The row below is
    sub-headers only when it looks like them (`_is_sub_header`); otherwise it is the first data row,
    and the columns under the merged cell are named after it (联系方式, 联系方式_2).
    """
    if header is None:
        return [], unique_names([""] * width)
    top = [cell_text(v) or "" for v in grid[header]] + [""] * (width - len(grid[header]))
    groups = [
        (c1, c2)
        for (r1, c1), (r2, c2) in merged or []
        if r1 == header and c2 > c1 and header + 1 < len(grid)
    ]
    below = grid[header + 1] if header + 1 < len(grid) else []
    two_rows = bool(groups) and _is_sub_header(below, groups)
    names = list(top)
    for c1, c2 in groups:
        for c in range(c1, min(c2, width - 1) + 1):
            sub = cell_text(below[c]) if two_rows and c < len(below) else None
            names[c] = f"{top[c1]}/{sub}" if sub else top[c1] if c == c1 else f"{top[c1]}_{c - c1 + 1}"
    return ([header, header + 1] if two_rows else [header]), unique_names(names)


def _is_sub_header(below: list, groups: list[tuple[int, int]]) -> bool:
    """The row under a merged header cell names its columns: every cell under the groups that holds
    something is a label (text, not a number, date or phone), and every other cell is empty (merged
    down from the header, as people draw a two-row header). A first data row fails one or the other:
    its customer fills the other columns, its phone under 联系方式 is a number."""
    inside = {c for c1, c2 in groups for c in range(c1, c2 + 1)}
    subs = [below[c] for c in sorted(inside) if c < len(below) and below[c] != ""]
    others = [v for c, v in enumerate(below) if c not in inside and v != ""]
    return bool(subs) and not others and _label_share(subs) == 1.0


def unique_names(raw: list[str]) -> list[str]:
    """Blank names become column_<letter>; repeats get _2, _3 …; names never clash with provenance columns."""
    seen = set(RESERVED)
    names = []
    for i, value in enumerate(raw):
        base = " ".join(str(value).split()) or f"column_{column_letter(i)}"
        name, k = base, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def classify_rows(columns: list, region: list[list], start: int) -> dict[int, str]:
    """Rows of the data region (converted `columns`, raw `region`, starting at grid row `start`) that
    are not data: blank rows, total rows anywhere, and one-cell notes at the end.

    Blank and total rows are found on the converted columns at once; only the last rows are looked
    at one by one for notes.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not columns:
        return {}
    blank = np.ones(len(region), dtype=bool)
    for column in columns:
        blank &= column.is_null().to_numpy(zero_copy_only=False)
    first = pc.coalesce(*columns[:3])
    key = pc.utf8_lower(pc.replace_substring_regex(first, _TOTAL_STRIP, ""))
    total = pc.is_in(key, value_set=pa.array(sorted(TOTAL_WORDS))).fill_null(False).to_numpy(zero_copy_only=False)
    dropped = {start + int(i): "blank" for i in np.flatnonzero(blank)}
    dropped.update({start + int(i): "total" for i in np.flatnonzero(total & ~blank)})
    width = len(columns)
    for i in range(len(region) - 1, -1, -1):
        if start + i in dropped:
            continue
        if width >= 3 and filled(region[i]) == 1 and _is_note(region[i]):
            dropped[start + i] = "footer"
            continue
        break
    return dropped


def _is_note(row: list) -> bool:
    value = next(v for v in row if v != "")
    return isinstance(value, str) and bool(_FOOTER_NOTE.match(value))


def fill_merged(grid: list[list], merged: list | None, data_start: int) -> list[tuple]:
    """Copy each merged range's value into every cell of the range (data rows only).

    A region merged down several rows applies to each of them as far as the person who merged it
    is concerned; after unmerging, only the top cell would hold it.
    """
    filled_ranges = []
    for (r1, c1), (r2, c2) in sorted(merged or []):
        if r1 < data_start or r1 >= len(grid) or c1 >= len(grid[r1]):
            continue
        value = grid[r1][c1]
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                row[c] = value
        filled_ranges.append(((r1, c1), (r2, c2), value))
    return filled_ranges


def filled_rows_exist(grid: list[list]) -> bool:
    return any(filled(row) for row in grid)


def first_filled(grid: list[list]) -> int:
    return next(i for i, row in enumerate(grid) if filled(row))
