"""The numbers of a profile: per column fill, placeholders, distinct values, top values, lengths.

Every cell is classified into exactly one of three groups, so the shares add up to 1:

- empty: missing, or only blanks (crmtool.canon.blank);
- placeholder: something typed to mean "nothing" (无, N/A, NULL, -, 0000, ...), crmtool.canon.placeholders;
- filled: everything else. Distinct counts, top values and lengths are computed over filled values only.

All of it is vectorised pandas (one `value_counts` per column); nothing loops over rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crmtool.canon.blank import blank_mask, strip_blanks
from crmtool.canon.placeholders import placeholder_mask
from crmtool.issues import PROVENANCE

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class ValueCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """Counts for one column: every cell is exactly one of empty, placeholder or filled."""

    rows: int
    empty: int
    placeholder: int
    filled: int
    distinct: int
    untrimmed: int
    """Filled values with leading or trailing whitespace."""
    min_length: int | None
    max_length: int | None
    top: tuple[ValueCount, ...]
    top_placeholders: tuple[ValueCount, ...]


def data_columns(table: "pd.DataFrame") -> list:
    """The column labels a person typed, i.e. everything but the provenance columns read adds."""
    return [c for c in table.columns if c not in PROVENANCE]


def as_text(series: "pd.Series") -> "pd.Series":
    """The column as pandas "string" dtype (read already gives text; constructed frames may not)."""
    return series if series.dtype == "string" else series.astype("string")


def cell_classes(text: "pd.Series") -> tuple["pd.Series", "pd.Series"]:
    """(empty, placeholder) masks of a "string" Series; a cell in neither is filled."""
    empty = blank_mask(text)
    return empty, placeholder_mask(text) & ~empty


def column_stats(
    series: "pd.Series", *, top: int = 5, classes: tuple["pd.Series", "pd.Series"] | None = None
) -> ColumnStats:
    """Fill, placeholder and value statistics of one column (`classes`: cell_classes, if already known)."""
    text = as_text(series)
    empty, placeholder = classes if classes is not None else cell_classes(text)
    filled_values = text[~(empty | placeholder)]

    distinct, top_values = _top_counts(filled_values, top)
    lengths = filled_values.str.len()
    untrimmed = int((filled_values != strip_blanks(filled_values)).sum())
    return ColumnStats(
        rows=len(text),
        empty=int(empty.sum()),
        placeholder=int(placeholder.sum()),
        filled=len(filled_values),
        distinct=distinct,
        untrimmed=untrimmed,
        min_length=int(lengths.min()) if len(lengths) else None,
        max_length=int(lengths.max()) if len(lengths) else None,
        top=top_values,
        top_placeholders=_top_counts(text[placeholder], top)[1],
    )


def _top_counts(values: "pd.Series", n: int) -> tuple[int, tuple[ValueCount, ...]]:
    """(distinct count, the n most frequent values): most frequent first, ties in value order.

    Only the values tied at the n-th count need ordering by value; pyarrow picks the smallest of
    those without sorting all of them (a column of 200,000 unique ids would otherwise be sorted).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = values.value_counts(dropna=True, sort=True)
    distinct = len(counts)
    if n <= 0 or not distinct:
        return distinct, ()
    labels = counts.index.astype(str).to_numpy()
    numbers = counts.to_numpy(dtype="int64")
    threshold = int(numbers[min(n, distinct) - 1])
    above = numbers > threshold
    pairs = sorted(zip(labels[above].tolist(), numbers[above].tolist(), strict=True), key=lambda vc: (-vc[1], vc[0]))
    tied = pa.array(labels[numbers == threshold].tolist(), type=pa.string())
    smallest = tied.take(pc.bottom_k_unstable(tied, n - len(pairs)))  # indices of the k smallest
    pairs += [(v, threshold) for v in sorted(smallest.to_pylist())]
    return distinct, tuple(ValueCount(v, c) for v, c in pairs)
