"""Small helpers for building text columns from numpy arrays (object arrays of str, None = missing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)} | {0x20: 0x3000}


def lookup(pool: tuple | list, index: np.ndarray) -> np.ndarray:
    """pool[index] as an object array."""
    return np.asarray(pool, dtype=object)[index]


def choose(rng: np.random.Generator, options: Mapping[str, float], size: int) -> np.ndarray:
    """Labels drawn with the given (unnormalised) weights, as an object array."""
    labels = np.asarray(list(options), dtype=object)
    weights = np.asarray(list(options.values()), dtype=float)
    return labels[rng.choice(len(labels), size=size, p=weights / weights.sum())]


def choose_by_role(
    rng: np.random.Generator, is_dup: np.ndarray, original: Mapping[str, float], duplicate: Mapping[str, float]
) -> np.ndarray:
    """One label per record, from `original` weights for first records and `duplicate` weights for copies."""
    first = choose(rng, original, len(is_dup))
    copy = choose(rng, duplicate, len(is_dup))
    return np.where(is_dup, copy, first)


def apply(values: np.ndarray, mask: np.ndarray, fn: Callable[[np.ndarray], np.ndarray | list]) -> np.ndarray:
    """A copy of `values` with fn applied to the masked subset only."""
    out = values.copy()
    if mask.any():
        out[mask] = fn(values[mask])
    return out


def translate(values: np.ndarray, table: Mapping[int, int | str]) -> list[str]:
    return [v.translate(table) for v in values]


def digits(rng: np.random.Generator, size: int, width: int) -> np.ndarray:
    """Random zero-padded digit strings of a fixed width."""
    pad = np.array([f"{i:0{width}d}" for i in range(10**width)], dtype=object) if width <= 4 else None
    if pad is not None:
        return pad[rng.integers(0, 10**width, size=size)]
    return np.char.zfill(rng.integers(0, 10**width, size=size).astype(str), width).astype(object)


PAD2 = np.array([f"{i:02d}" for i in range(100)], dtype=object)
NUM = np.array([str(i) for i in range(10000)], dtype=object)
