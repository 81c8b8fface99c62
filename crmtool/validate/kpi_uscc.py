"""The credit-code check characters at scan speed in DuckDB: the same test as crmtool.validate.sql.uscc_sql.

In SQL the check costs about 1.4 µs of CPU per code even in its cheapest form found (the code's bytes
read once through `hex` as three integers, a constant-list lookup per byte, the shape as one regular
expression): on a 10-million-row accounts table that was half of the scan. Here it is a vectorised
Arrow function DuckDB calls once per vector of values (`USCC_FUNCTION`, registered on a DuckDB
store's connection by `register` when the KPI statement is built, `DuckDBStore.uscc_function`): the
values' bytes are gathered into an (n, 18) array, each byte is one lookup in a small table of what it
adds to the weighted sums (and to a count of characters outside the GB 32100 set: the shape test);
about 0.15 µs per code. It holds the GIL
while it runs, so when both DuckDB threads call it at once one waits: inside the two-thread KPI
statement it costs about twice its CPU time alone, still a third of the SQL's (docs/benchmarks.md).

The arithmetic is the standard's (position 17: GB 11714 mod-11 over positions 9-16, base-36 values;
position 18: GB 32100 mod-31 over 1-17). tests/validate/test_kpis_uscc.py checks it against
`uscc_sql`, the cleanse module's `is_valid_uscc` and the standard's example code; PostgreSQL keeps
`uscc_sql`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from crmtool.canon.uscc import ORG_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS

if TYPE_CHECKING:
    import pyarrow as pa

USCC_FUNCTION = "crm_uscc_valid"
_LENGTH = 18


_LOW, _HIGH = 20, 40  # bit positions of the packed sums (see _tables)


@lru_cache(maxsize=1)
def _tables():
    """(byte table, row starts, remainder tables) for `valid_codes`.

    Position p's table (entries 256·p … 256·p + 255) holds, packed as one int64, what the byte at that
    position adds to three sums: bits 0-19 GB 32100 (positions 1-17 weighted by GB 32100, position 18
    by 1: a code is valid when this sum ≡ 0 mod 31, i.e. its last value is (31 − Σ₁₇ mod 31) mod 31),
    bits 20-39 GB 11714 (positions 9-16, base-36 values), and from bit 40 the count of characters
    outside the GB 32100 set (the shape test). So one lookup per byte and one row sum give every sum;
    none overflows its bits. The whole table is 36 KB and stays in the CPU's cache (a table per pair
    of bytes, 9 × 65,536 entries, made half the lookups but missed the cache on most: 2.8× slower).
    The remainder tables: GB 32100 sum → whether it is ≡ 0 mod 31; GB 11714 sum → its remainder mod
    11; position 17's character → the remainder mod 11 it stands for ("0123456789X"[11 − r], 11 read
    as 0), −1 for any other."""
    import numpy as np

    byte = np.arange(256)
    value = np.full(256, -1)
    base36 = np.zeros(256, np.int64)
    for i, ch in enumerate(USCC_CHARSET):
        value[ord(ch)], base36[ord(ch)] = i, int(ch, 36)
    uscc_weights = (*USCC_WEIGHTS, 1)
    org_weights = (0,) * 8 + ORG_WEIGHTS + (0, 0)
    foreign = value[byte] < 0
    table = np.stack([np.where(foreign, 1 << _HIGH, uscc_weights[p] * value[byte] + (org_weights[p] * base36[byte] << _LOW))
                      for p in range(_LENGTH)])
    position17 = np.full(256, -1, np.int8)
    for remainder, ch in enumerate("0X987654321"):
        position17[ord(ch)] = remainder
    zero31 = np.arange(1 << _LOW) % 31 == 0
    mod11 = (np.arange(1 << (_HIGH - _LOW)) % 11).astype(np.int8)
    return table.ravel(), np.arange(_LENGTH) << 8, zero31, mod11, position17


def valid_codes(values: "pa.Array | pa.ChunkedArray") -> "pa.Array":
    """Per value: an 18-character GB 32100 code with both check characters right (null → False).

    DuckDB calls it once per vector (2,048 values) holding the GIL: few numpy calls, small tables."""
    import numpy as np
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())
    n = len(values)
    out = np.zeros(n, bool)
    offset_type = np.dtype(np.int64 if pa.types.is_large_string(values.type) else np.int32)
    offsets = np.frombuffer(values.buffers()[1], offset_type, n + 1, values.offset * offset_type.itemsize)
    rows = np.flatnonzero(np.diff(offsets) == _LENGTH)
    if values.null_count and len(rows):
        rows = rows[np.asarray(values.is_valid())[rows]]
    if len(rows):
        table, starts, zero31, mod11, position17 = _tables()
        data = values.buffers()[2]
        windows = np.ndarray((data.size - _LENGTH + 1, _LENGTH), np.uint8, data, strides=(1, 1))
        raw = windows[offsets[rows]]  # (codes, 18) bytes: a row copy each, no index matrix
        sums = np.take(table, raw + starts).sum(axis=1)
        mask = (1 << _LOW) - 1
        out[rows] = ((sums < 1 << _HIGH) & zero31[sums & mask]
                     & (position17[raw[:, 16]] == mod11[(sums >> _LOW) & mask]))
    return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(np.packbits(out, bitorder="little"))])


def register(con) -> str:
    """Make `USCC_FUNCTION(VARCHAR) → BOOLEAN` known to a DuckDB connection (once); returns its name.
    (An engine of any kind: `engine.register_function(USCC_FUNCTION, valid_codes, ["VARCHAR"], "BOOLEAN")`.)"""
    from crmtool.engine import register_arrow_function

    register_arrow_function(con, USCC_FUNCTION, valid_codes, ["VARCHAR"], "BOOLEAN")
    return USCC_FUNCTION

