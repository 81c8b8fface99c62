"""Unified Social Credit Codes for many entities at once.

The check characters are computed with numpy over an (n, 17) matrix of character values, the same
arithmetic as crmtool.canon.uscc.complete_uscc, the definition (tests/test_canon.py checks they
agree), because a Python call per code would dominate a million-row run.
"""

from __future__ import annotations

import numpy as np

from crmtool.canon.uscc import ORG_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS, alnum_value

_CHARS = np.array(list(USCC_CHARSET))
_ORG_WEIGHTS = np.array(ORG_WEIGHTS)
_USCC_WEIGHTS = np.array(USCC_WEIGHTS)
# GB 11714 values a character over the whole alphabet (A=10 ... Z=35), not over the USCC charset.
_ALNUM_VALUE = np.array([alnum_value(c) for c in USCC_CHARSET])
_INDEX = {c: i for i, c in enumerate(USCC_CHARSET)}
_NEW_STYLE_SHARE = 0.45  # codes issued since 2015 carry a fresh "MA..." organisation body


def random_org_bodies(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 8) charset indices of organisation-code bodies: old all-digit ones and new "MA" ones."""
    body = rng.integers(0, 10, size=(n, 8))
    new = rng.random(n) < _NEW_STYLE_SHARE
    body[new, 0] = _INDEX["M"]
    body[new, 1] = _INDEX["A"]
    body[new, 2:] = rng.integers(0, len(USCC_CHARSET), size=(int(new.sum()), 6))
    return body


def build_codes(authority: str, org_type: np.ndarray, division_digits: np.ndarray, org_body: np.ndarray) -> np.ndarray:
    """Valid 18-character codes as an object array.

    org_type: (n,) type digits (1 enterprise, 3 cooperative); division_digits: (n, 6) digits of the
    administrative division code; org_body: (n, 8) charset indices.
    """
    n = len(org_type)
    head = np.empty((n, 8), dtype=np.int64)
    head[:, 0] = _INDEX[authority]
    head[:, 1] = org_type
    head[:, 2:] = division_digits
    org_total = (_ALNUM_VALUE[org_body] * _ORG_WEIGHTS).sum(axis=1)
    org_check = 11 - org_total % 11  # 1..11; 10 is "X", 11 is "0"
    org_check_index = np.where(org_check == 10, _INDEX["X"], np.where(org_check == 11, 0, org_check))
    body17 = np.concatenate([head, org_body, org_check_index[:, None]], axis=1)
    check = (31 - (body17 * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    full = np.concatenate([body17, check[:, None]], axis=1)
    return np.ascontiguousarray(_CHARS[full]).view("<U18").ravel().astype(object)


def mistype_codes(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    """Each code with one character replaced by a different charset character (always invalid:
    the mod-31 check catches every single substitution because 31 is prime)."""
    n = len(codes)
    matrix = np.asarray(codes, dtype="<U18").view("<U1").reshape(n, 18).copy()
    pos = rng.integers(0, 18, size=n)
    current = np.array([_INDEX[c] for c in matrix[np.arange(n), pos]], dtype=np.int64) if n else np.zeros(0, int)
    shift = rng.integers(1, len(USCC_CHARSET), size=n)
    matrix[np.arange(n), pos] = _CHARS[(current + shift) % len(USCC_CHARSET)]
    return np.ascontiguousarray(matrix).view("<U18").ravel().astype(object)


def ocr_confuse(codes: np.ndarray) -> np.ndarray:
    """0 -> O and 1 -> I on the first such character (the letters GB 32100 leaves out for this reason)."""
    out = np.asarray(codes, dtype=object).copy()
    for target, letter in (("0", "O"), ("1", "I")):
        has = np.array([target in c for c in out], dtype=bool) if len(out) else np.zeros(0, bool)
        todo = has & np.array([("O" not in c and "I" not in c) for c in out], dtype=bool)
        out[todo] = [c.replace(target, letter, 1) for c in out[todo]]
    return out


def spaced(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Codes split the way people type them: 9111 0108 MA01 ... or 91110108-MA01XXXX-2X."""
    s = np.asarray(codes, dtype="<U18").view("<U1").reshape(len(codes), 18)

    def part(a: int, b: int) -> np.ndarray:
        return np.ascontiguousarray(s[:, a:b]).view(f"<U{b - a}").ravel().astype(object)

    by_four = part(0, 4) + " " + part(4, 8) + " " + part(8, 12) + " " + part(12, 16) + " " + part(16, 18)
    dashed = part(0, 8) + "-" + part(8, 16) + "-" + part(16, 18)
    padded = " " + part(0, 18) + " "
    kind = rng.integers(0, 3, size=len(codes))
    return np.select([kind == 0, kind == 1], [by_four, dashed], padded) if len(codes) else by_four
