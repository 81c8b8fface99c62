"""Values from JSON and Parquet as the report shows them: numbers that may be text, NaN or <NA>."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """A float, or None for anything that is not a finite number (None, NaN, <NA>, text)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def integer(value: Any) -> int | None:
    result = number(value)
    return None if result is None else int(result)


def text_or_none(value: Any) -> str | None:
    """Text for a cell, None for a missing one (None, NaN, pandas <NA>)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ == "NAType":
        return None
    return str(value)
