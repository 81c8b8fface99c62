"""The credit-code check characters for DuckDB at scan speed: the same test as crmtool.validate.sql.uscc_sql.

`uscc_sql` (verify's) reads each of the 18 characters with `substr` + `strpos`: 50 string calls a
value, about half of a scan's time on a 10-million-row accounts table. Here the code's bytes are read
once (`hex` in the query's first level, three 64-bit integers in the next), each byte is a shift and a mask,
and a character's value (its index in the GB 32100 character set, or its base-36 value for the
organisation code) is a lookup in a constant list indexed by the byte. The arithmetic is the standard's
(position 17: GB 11714 mod-11 over positions 9-16; position 18: GB 32100 mod-31 over 1-17).

tests/validate/test_kpis_uscc.py checks it against `uscc_sql` and the cleanse module's Python
`is_valid_uscc` on tens of thousands of codes, valid and corrupted; PostgreSQL keeps `uscc_sql`.
"""

from __future__ import annotations

from crmtool.validate.rules import ORG_WEIGHTS, USCC_CHARSET, USCC_SHAPE, USCC_WEIGHTS
from crmtool.validate.sql import full_match_sql

_FIRST, _LAST = 48, 90  # "0" … "Z": the bytes a code of the right shape can hold


def _table(value) -> str:
    return "[" + ",".join("NULL" if value(chr(o)) is None else str(value(chr(o))) for o in range(_FIRST, _LAST)) + "]"


_USCC_VALUE = _table(lambda ch: USCC_CHARSET.index(ch) if ch in USCC_CHARSET else None)
_BASE36_VALUE = _table(lambda ch: int(ch, 36) if ch.isalnum() else None)


def hex_column(text_sql: str, prefix: str) -> str:
    """Select-list item of the query's first level: the code's bytes as hex, for 18-byte values only."""
    return f"CASE WHEN strlen({text_sql}) = 18 THEN hex({text_sql}) END AS {prefix}_hex"


def word_columns(hex_sql: str, prefix: str) -> list[str]:
    """Select-list items of the next level: the bytes as three integers (`<prefix>_1` bytes 1-8, `_2`
    9-16, `_3` 17-18)."""
    parts = ((1, 16), (17, 16), (33, 4))
    return [f"CAST('0x' || substr({hex_sql}, {start}, {size}) AS UBIGINT) AS {prefix}_{k}"
            for k, (start, size) in enumerate(parts, 1)]


def _byte(prefix: str, k: int) -> str:
    """Byte k (1-18) of the code."""
    word, last = (1, 8) if k <= 8 else (2, 16) if k <= 16 else (3, 18)
    return f"CAST(({prefix}_{word} >> {8 * (last - k)}) & 255 AS INTEGER)"


def uscc_check(text_sql: str, prefix: str) -> str:
    """SQL boolean: the credit code `text_sql` (with its word columns `prefix`_1..3) passes both checks."""
    value = lambda table, k: f"{table}[{_byte(prefix, k)} - {_FIRST - 1}]"  # noqa: E731
    body = " + ".join(f"{value(_USCC_VALUE, k)} * {w}" for k, w in enumerate(USCC_WEIGHTS, 1))
    org = " + ".join(f"{value(_BASE36_VALUE, 8 + k)} * {w}" for k, w in enumerate(ORG_WEIGHTS, 1))
    check17 = f"{_byte(prefix, 17)} = [49, 50, 51, 52, 53, 54, 55, 56, 57, 88, 48][11 - ({org}) % 11]"
    check18 = f"{value(_USCC_VALUE, 18)} = (31 - ({body}) % 31) % 31"
    return f"(CASE WHEN {full_match_sql(text_sql, USCC_SHAPE, 'duckdb')} THEN {check17} AND {check18} ELSE FALSE END)"
