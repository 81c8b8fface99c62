"""Turning spreadsheet cell values into the text a person typed or saw.

Rules: integers never get ".0" nor scientific notation (13800138000, not 1.38e10); other floats use
the shortest text that round-trips, written positionally; dates and datetimes become ISO 8601;
booleans TRUE/FALSE as Excel shows them; durations as [h]:mm:ss. python-calamine reports error cells
(#N/A, #DIV/0!) as empty strings, so they read as missing values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_PRECISION = 1e15
"""Excel keeps 15 significant digits: a whole number at or above this was typed longer than Excel keeps."""


def float_text(value: float) -> str | None:
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if value.is_integer():
        if abs(value) >= EXCEL_PRECISION:
            return format(Decimal("%.15g" % value), "f")
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _datetime_text(value: dt.datetime) -> str:
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(sep="T", timespec=spec)


def _time_text(value: dt.time) -> str:
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=spec)


def _duration_text(value: dt.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


_CONVERT = {
    str: lambda v: v or None,
    float: float_text,
    int: str,
    bool: lambda v: "TRUE" if v else "FALSE",
    dt.datetime: _datetime_text,
    dt.date: dt.date.isoformat,
    dt.time: _time_text,
    dt.timedelta: _duration_text,
}


def cell_text(value: object) -> str | None:
    """Text of one cell; None for an empty cell."""
    if value is None:
        return None
    convert = _CONVERT.get(type(value))
    return convert(value) if convert else str(value)


def column_text(values: list | tuple) -> tuple[pa.Array, np.ndarray]:
    """Text of a whole column as an Arrow string array (nulls for empty cells), and the positions of
    numbers too long for Excel's 15 significant digits (their last digits were lost before we read them).

    Cells are grouped by type and each group is converted at once (NumPy / Arrow), so a column of a
    million phone numbers or dates costs a few vectorised calls, not a million Python calls.
    """
    types = list(map(type, values))
    kinds = set(types)
    if kinds <= {str}:
        return _empty_to_null(pa.array(values, pa.string())), _NONE
    text = np.empty(len(values), dtype=object)
    rounded = _NONE
    for kind in kinds:
        index = np.flatnonzero(np.fromiter((t is kind for t in types), dtype=bool, count=len(types)))
        group = [values[i] for i in index]
        if kind is float:
            text[index], lost = _floats_text(group)
            rounded = index[lost]
        elif kind is int:
            text[index] = [str(v) for v in group]
            rounded = np.concatenate([rounded, index[np.abs(np.asarray(group, dtype=float)) >= EXCEL_PRECISION]])
        elif kind is dt.date:
            text[index] = _dates_text(group)
        elif kind is str:
            text[index] = [v or None for v in group]
        else:
            text[index] = [cell_text(v) for v in group]
    return pa.array(text, pa.string()), np.sort(rounded)


_NONE = np.empty(0, dtype=np.int64)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _empty_to_null(array: pa.Array) -> pa.Array:
    if len(array) == 0:
        return array
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _floats_text(group: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers as integers, others as Arrow's shortest round-trip text, made positional."""
    numbers = np.asarray(group, dtype=float)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (np.abs(numbers) < EXCEL_PRECISION) & (np.floor(numbers) == numbers)
        lost = np.isfinite(numbers) & (np.abs(numbers) >= EXCEL_PRECISION)
    text = np.empty(len(group), dtype=object)
    text[whole] = numbers[whole].astype(np.int64).astype(str)
    rest = np.flatnonzero(~whole)
    if len(rest):
        shortest = pa.array(numbers[rest]).cast(pa.string())
        text[rest] = shortest.to_numpy(zero_copy_only=False)
        odd = rest[np.asarray(pc.match_substring_regex(shortest, "[eEna]").to_numpy(zero_copy_only=False), dtype=bool)]
        text[odd] = [float_text(group[i]) for i in odd]
    return text, lost


def _dates_text(group: list[dt.date]) -> np.ndarray:
    days = np.fromiter(map(dt.date.toordinal, group), dtype=np.int64, count=len(group)) - _EPOCH_ORDINAL
    return pa.array(days).cast(pa.int32()).cast(pa.date32()).cast(pa.string()).to_numpy(zero_copy_only=False)
