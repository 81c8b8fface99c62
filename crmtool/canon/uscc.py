"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) and its two check characters.

Position 18 is the GB 32100 check over positions 1-17 (mod 31 over the 31-character set).
Positions 9-17 are the organisation code (GB 11714), whose last character (position 17) is its own
mod-11 check over positions 9-16, with letters valued over the full alphabet (A=10 ... Z=35).
python-stdnum checks position 18 only; a code with a wrong position 17 passes there and not here.

This module is the definition. Its translations, each held to it by tests/test_canon.py:
- SQL for any store: `crmtool.validate.sql.uscc_sql`;
- a vectorised DuckDB Arrow function for the scan: `crmtool.validate.kpi_uscc.valid_codes`;
- numpy for generating valid codes in bulk: `crmtool.synth.codes.build_codes`;
- numpy for checking many codes at once: `check_characters` below (the cleanse stage's column-wise pass).
The cleanse rule (crmtool.cleanse.credit_code) calls these functions directly.
"""

from __future__ import annotations

from operator import mul

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_SHAPE = r"[0-9A-HJ-NPQRTUWXY]{18}"
"""18 characters of the GB 32100 set (no I, O, S, V, Z), as a regular expression."""
ORG_CHECK_CHARS = "0123456789X"
"""Position 17's characters: the GB 11714 remainder r stands for ORG_CHECK_CHARS[(11 - r) % 11]."""

_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}


def alnum_value(ch: str) -> int:
    """A character's GB 11714 value: digits as themselves, letters A=10 … Z=35."""
    if ch.isdigit():
        return int(ch)
    return ord(ch) - ord("A") + 10


_ALNUM_VALUE = {c: alnum_value(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check(body8: str) -> str:
    """GB 11714 check character for the first 8 characters of an organisation code."""
    if len(body8) != 8:
        raise ValueError(f"an organisation code body has 8 characters, not {len(body8)}")
    try:  # map/sum over a lookup table: this runs once per distinct code of a million-row column
        values = list(map(_ALNUM_VALUE.__getitem__, body8))
    except KeyError:
        values = [alnum_value(c) for c in body8]
    return ORG_CHECK_CHARS[(11 - sum(map(mul, values, ORG_WEIGHTS)) % 11) % 11]


def uscc_check(body17: str) -> str:
    """GB 32100 check character for the first 17 characters of a credit code."""
    if len(body17) != 17:
        raise ValueError(f"a credit code body has 17 characters, not {len(body17)}")
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, body17), USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def complete_uscc(body16: str) -> str:
    """A valid 18-character code from its first 16 characters (both check characters computed)."""
    body17 = body16 + org_code_check(body16[8:16])
    return body17 + uscc_check(body17)


def is_valid_uscc(code: str) -> bool:
    """True when `code` (already normalised: upper case, no spaces) passes both check characters."""
    if len(code) != 18 or any(c not in _USCC_VALUE for c in code):
        return False
    if code[16] != org_code_check(code[8:16]):
        return False
    return code[17] == uscc_check(code[:17])


def check_characters(codes) -> tuple:
    """`org_code_check` and `uscc_check` for many codes at once (numpy): for an (n, 18) uint8 array of
    ASCII codes, every character in USCC_CHARSET, the characters positions 17 and 18 should hold
    (two uint8 arrays), each computed from the code's own characters as the scalar functions do."""
    import numpy as np

    alnum, value = np.zeros(256, np.int32), np.zeros(256, np.int32)
    for ch, v in _ALNUM_VALUE.items():
        alnum[ord(ch)] = v
    for ch, v in _USCC_VALUE.items():
        value[ord(ch)] = v
    org = np.einsum("ij,j->i", alnum[codes[:, 8:16]], np.array(ORG_WEIGHTS, np.int32))
    total = np.einsum("ij,j->i", value[codes[:, :17]], np.array(USCC_WEIGHTS, np.int32))
    org_chars = np.frombuffer(ORG_CHECK_CHARS.encode(), np.uint8)
    uscc_chars = np.frombuffer(USCC_CHARSET.encode(), np.uint8)
    return org_chars[(11 - org % 11) % 11], uscc_chars[(31 - total % 31) % 31]
