"""Masking a whole table: each column by its kind (given, or detected by the cleanse stage's kind
detection), every other column scrubbed as free text; each distinct value is masked once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from crmtool.errors import ConfigError
from crmtool.mask.values import MASKERS, mask_value

if TYPE_CHECKING:
    import pandas as pd

MASK_KINDS = tuple(MASKERS)
MIN_KEY_BYTES = 16


def key_from_env(variable: str) -> bytes:
    """The pseudonym key from the environment variable `variable` (never from a file or an argument, so it
    lands in no shell history, manifest or audit record)."""
    value = os.environ.get(variable, "")
    if not value:
        raise ConfigError(f"--key-env {variable}: the environment variable {variable} is not set or empty")
    key = value.encode("utf-8", "surrogatepass")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"--key-env {variable}: the key has {len(key)} bytes; use at least {MIN_KEY_BYTES}")
    return key


def mask_column(values: "pd.Series", kind: str, key: bytes | None = None, valid_codes: bool = False) -> "pd.Series":
    distinct = values.dropna().unique()
    masked = {v: mask_value(str(v), kind, key, valid_codes=valid_codes) for v in distinct}
    return values.map(masked).astype(values.dtype)


def mask_table(table: "pd.DataFrame", kinds: dict[str, str] | None = None, key: bytes | None = None, *,
               valid_codes: bool = False, detect: bool = True, keep: Iterable[str] = (),
               rows: "Sequence[int] | None" = None) -> tuple["pd.DataFrame", dict[str, str]]:
    """(masked copy, the kind each column was masked as). Columns named in `kinds` use that kind; with
    `detect` the others get the detected kind, and every column left but those in `keep` (and the
    provenance columns) is scrubbed as free text. With `rows` (positions), only those rows are masked
    and returned, their kinds detected on the whole table: each value is masked on its own, so they
    are masked as in the whole table's copy."""
    from crmtool.issues import PROVENANCE

    kinds = dict(kinds or {})
    unknown = sorted(set(kinds) - set(map(str, table.columns)))
    if unknown:
        raise ConfigError(f"--as {unknown[0]}: no such column (columns: {', '.join(map(str, table.columns))})")
    if detect:
        from crmtool.cleanse.stage import detect_kinds

        found, _ = detect_kinds(table[[c for c in table.columns if c not in kinds and c not in keep]])
        kinds = {**{c: k for c, k in found.items() if k in MASKERS}, **kinds}
    part = table if rows is None else table.iloc[list(rows)]
    out = part.copy()
    used = {}
    for column in table.columns:
        if column in PROVENANCE or column in keep:
            continue
        used[str(column)] = kinds.get(column, "free_text")
        out[column] = mask_column(part[column], used[str(column)], key, valid_codes)
    return out, used


def mask_file(input_path: str | Path, out: str | Path, kinds: dict[str, str] | None = None, key: bytes | None = None,
              *, valid_codes: bool = False, sheet: str | int | None = None) -> dict:
    """Read any table crmtool reads, write its masked copy (without the provenance columns) to `out`."""
    from crmtool.issues import PROVENANCE
    from crmtool.read import read_table
    from crmtool.tableio import write_table

    table = read_table(input_path, sheet=sheet).table
    masked, used = mask_table(table, kinds, key, valid_codes=valid_codes)
    write_table(masked.drop(columns=[c for c in PROVENANCE if c in masked.columns]), out)
    return {"input": str(input_path), "out": str(out), "rows": len(masked), "columns": used, "keyed": key is not None}
