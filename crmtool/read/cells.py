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

    Columns are mostly one type, so the common cases (all text, all numbers) take vectorised paths;
    only mixed columns pay for a per-cell conversion.
    """
    kinds = set(map(type, values))
    if kinds <= {str}:
        return _empty_to_null(pa.array(values, pa.string())), _NONE
    if float in kinds and kinds <= {float, str}:
        return _float_column(values)
    array = pa.array([cell_text(v) for v in values], pa.string())
    rounded = [i for i, v in enumerate(values) if type(v) in (int, float) and abs(v) >= EXCEL_PRECISION]
    return array, np.asarray(rounded, dtype=np.int64)


_NONE = np.empty(0, dtype=np.int64)


def _empty_to_null(array: pa.Array) -> pa.Array:
    if len(array) == 0:
        return array
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _float_column(values: list | tuple) -> tuple[pa.Array, np.ndarray]:
    """Numbers stored as floats (phones, amounts), possibly mixed with text and empty cells."""
    count = len(values)
    is_float = np.fromiter((type(v) is float for v in values), dtype=bool, count=count)
    numbers = np.fromiter((v if type(v) is float else 0.0 for v in values), dtype=float, count=count)
    with np.errstate(invalid="ignore"):
        whole = is_float & np.isfinite(numbers) & (np.abs(numbers) < EXCEL_PRECISION) & (np.floor(numbers) == numbers)
        rounded = np.flatnonzero(is_float & (np.abs(numbers) >= EXCEL_PRECISION))
    text = np.empty(count, dtype=object)
    text[whole] = numbers[whole].astype(np.int64).astype(str)
    for i in np.flatnonzero(~whole):
        text[i] = cell_text(values[i])
    return pa.array(text, pa.string()), rounded
