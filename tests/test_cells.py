"""Cell values to text: the vectorised column conversion agrees with the per-cell rules."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from crmtool.read.cells import cell_text, column_text, float_text

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**18), 10**18),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
    st.times(),
    st.text(max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, max_size=30))
def test_column_conversion_equals_cell_conversion(values):
    array, rounded = column_text(values)
    assert array.to_pylist() == [cell_text(v) for v in values]
    expected = [i for i, v in enumerate(values) if type(v) in (int, float) and math.isfinite(v) and abs(v) >= 1e15]
    assert rounded.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: abs(f) < 1e15))
def test_float_text_round_trips_and_is_positional(value):
    text = float_text(value)
    assert "e" not in text.lower()
    assert float(text) == value
    if value.is_integer():
        assert "." not in text


def test_excel_display_of_long_numbers():
    assert float_text(13800138000.0) == "13800138000"
    assert float_text(911100001000016212.0) == "911100001000016000"
    assert float_text(1e20) == "100000000000000000000"
    assert cell_text(dt.datetime(2023, 1, 5, 13, 4, 5, 250000)) == "2023-01-05T13:04:05.250"
    assert cell_text(dt.timedelta(hours=-1, minutes=-30)) == "-1:30:00"
    assert cell_text("") is None and cell_text(None) is None
