"""Arrow helpers shared by the column-wise passes (`*_columns.py`) that settle a rule's common values.

A pass takes a column's distinct values as an Arrow string array and returns a `rule.Settled` for the
ones it decides exactly as the per-value check would; `rule.run_rule` checks the rest one by one.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def mask(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array (nulls false) as numpy."""
    return np.asarray(pc.fill_null(values, False), dtype=bool)


def matches(values: pa.Array, pattern: str) -> np.ndarray:
    """Where `values` match the RE2 `pattern` (anchor it to match whole values)."""
    return mask(pc.match_substring_regex(values, pattern))


def fixed_width(values: pa.Array, width: int) -> np.ndarray:
    """ASCII strings that all have `width` characters as an (n, width) uint8 matrix."""
    if not len(values):
        return np.zeros((0, width), np.uint8)
    data = values.cast(pa.large_string())
    flat = np.frombuffer(data.buffers()[2], np.uint8)
    offsets = np.frombuffer(data.buffers()[1], np.int64)[data.offset:data.offset + len(data) + 1]
    return flat[offsets[0]:offsets[-1]].reshape(len(values), width)


def chars(matrix: np.ndarray) -> pa.Array:
    """One string of one ASCII character per entry of a uint8 vector."""
    return pa.array(np.asarray(matrix, np.uint8).view("S1").astype(str), type=pa.string())


def per_key(keys: pa.Array, fn: Callable[[str], Sequence], names: Sequence[str]) -> dict[str, pa.Array]:
    """`fn(key)` (a tuple of strings or None, one per name) once per distinct key, spread to every entry."""
    encoded = pc.dictionary_encode(keys)
    answers = [fn(key) for key in encoded.dictionary.to_pylist()]
    indices = encoded.indices
    return {name: pa.array([a[i] for a in answers], type=pa.string()).take(indices) for i, name in enumerate(names)}


def concat(*parts) -> pa.Array:
    """Strings and string arrays joined element-wise (as large strings)."""
    kind = pa.large_string()
    return pc.binary_join_element_wise(*(pa.scalar(p, kind) if isinstance(p, str) else p.cast(kind) for p in parts),
                                       pa.scalar("", kind))


def where(condition: np.ndarray, yes, no) -> pa.Array:
    return pc.if_else(pa.array(condition, type=pa.bool_()), yes, no)


def matches_where(values: pa.Array, pattern: str, only: np.ndarray) -> np.ndarray:
    """`matches`, run on the entries where `only` holds (false elsewhere): a pattern's cost on the few."""
    out = np.zeros(len(values), bool)
    at = np.flatnonzero(only)
    if len(at):
        out[at] = matches(values.take(pa.array(at)), pattern)
    return out


def apply_where(values: pa.Array, only: np.ndarray, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` applied to the entries where `only` holds, the others kept."""
    if not only.any():
        return values
    changed = fn(values.filter(pa.array(only))).cast(values.type)
    return pc.replace_with_mask(values, pa.array(only), changed)


PLAIN = r"^[\x{20}-\x{7e}\x{3000}\x{3001}\x{ff01}-\x{ff5e}\x{4e00}-\x{9fff}]*$"
"""Printable ASCII, the ideographic space and comma, full-width ASCII forms and CJK unified ideographs:
characters whose NFKC is the same in every Unicode version (one ASCII character, or themselves)."""


def nfkc_text(values: pa.Array, plain: str = PLAIN, spaces: bool = True) -> tuple[np.ndarray, pa.Array]:
    """(positions, text) of the values made only of `plain`'s characters, NFKC applied (to the non-ASCII
    ones: NFKC leaves ASCII alone) and, with `spaces`, trimmed and squeezed as `text.basic` does with
    the only white space left, the ASCII space."""
    ascii_ = mask(pc.string_is_ascii(values))
    positions = np.flatnonzero(ascii_ | matches_where(values, plain, ~ascii_))
    text = values.take(pa.array(positions))
    text = apply_where(text, ~ascii_[positions], lambda t: pc.utf8_normalize(t, "NFKC"))
    if spaces:
        text = pc.utf8_trim(text, " ")
        text = apply_where(text, mask(pc.match_substring(text, "  ")), lambda t: pc.replace_substring_regex(t, " {2,}", " "))
    return positions, text
