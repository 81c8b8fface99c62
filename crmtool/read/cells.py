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

    Cells are grouped by type with NumPy masks and each group is converted at once (NumPy / Arrow),
    then scattered back with Arrow: a column of a million phone numbers or dates costs a few
    vectorised calls, not a million Python calls.
    """
    count = len(values)
    types = np.fromiter(map(type, values), dtype=object, count=count)
    kinds = set(types.tolist())
    if kinds <= {str}:
        return _empty_to_null(pa.array(values, pa.string())), _NONE
    cells = np.fromiter(values, dtype=object, count=count)
    text = pa.nulls(count, pa.string())
    rounded = [_NONE]
    for kind in kinds:
        mask = types == kind
        index = np.flatnonzero(mask)
        part, lost = _GROUP_CONVERTERS.get(kind, _generic_text)(cells[index])
        text = pc.replace_with_mask(text, pa.array(mask), part)
        rounded.append(index[lost])
    return text, np.sort(np.concatenate(rounded))


_NONE = np.empty(0, dtype=np.int64)
_NULL = pa.scalar(None, pa.string())
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _empty_to_null(array: pa.Array) -> pa.Array:
    if len(array) == 0:
        return array
    return pc.if_else(pc.equal(array, ""), _NULL, array)


def _text_group(group: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    return _empty_to_null(pa.array(group, pa.string())), _NONE


def _int_group(group: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    lost = np.flatnonzero([abs(v) >= EXCEL_PRECISION for v in group])
    return pa.array([str(v) for v in group], pa.string()), lost


def _generic_text(group: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    return pa.array([cell_text(v) for v in group], pa.string()), _NONE


def _float_group(group: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Whole numbers as integers, others as Arrow's shortest round-trip text; the few Arrow writes
    with an exponent (or nan/inf, or past 15 digits) take the per-cell rule."""
    numbers = group.astype(np.float64)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (np.abs(numbers) < EXCEL_PRECISION) & (np.floor(numbers) == numbers)
        lost = np.flatnonzero(np.isfinite(numbers) & (np.abs(numbers) >= EXCEL_PRECISION))
    integers = pa.array(np.where(whole, numbers, 0).astype(np.int64)).cast(pa.string())
    shortest = pa.array(numbers).cast(pa.string())
    text = pc.if_else(pa.array(whole), integers, shortest)
    odd = ~whole & pc.match_substring_regex(shortest, "[eEna]").to_numpy(zero_copy_only=False)
    if odd.any():
        text = pc.replace_with_mask(text, pa.array(odd), pa.array([float_text(v) for v in group[odd]], pa.string()))
    return text, lost


def _date_group(group: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    days = np.fromiter(map(dt.date.toordinal, group), dtype=np.int64, count=len(group)) - _EPOCH_ORDINAL
    return pa.array(days).cast(pa.int32()).cast(pa.date32()).cast(pa.string()), _NONE


_GROUP_CONVERTERS = {str: _text_group, float: _float_group, int: _int_group, dt.date: _date_group}
