"""Placeholders: what people type into a cell when they have nothing to put there (无, N/A, -, 0000).

The profile counts them apart from real values, and the scan counts a required field holding one as
incomplete. Words are compared after trimming blanks and case folding. Filler is a cell of nothing but
punctuation, x's or zeros; the profile matches `FILLER_PATTERN`, the scan (which compares in SQL
against a list an admin can override) takes `DEFAULT_PLACEHOLDERS`, whose filler entries a test holds
to the pattern.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crmtool.canon.blank import BLANK_CHARS

if TYPE_CHECKING:
    import pandas as pd

PLACEHOLDER_WORDS = (
    "无", "暂无", "没有", "不详", "未知", "不知道", "不清楚", "未填", "未填写", "待定", "待补充", "待完善", "空", "缺",
    "n/a", "na", "n.a.", "#n/a", "null", "none", "nil", "nan", "unknown", "tbd",
)
FILLER_PATTERN = r"[-—–－_/／\\.。·?？*]+|x{2,}|0{4,}|0{4}-0{2}-0{2}( 0{2}:0{2}(:0{2})?)?"
"""Matched against the whole trimmed, case-folded cell: only filler punctuation (-, --, /, ?, ***),
xx or longer runs of x, four or more zeros, a zero date (0000-00-00)."""
FILLERS = (
    "-", "--", "---", "—", "——", "－", "/", "//", "／", "\\", ".", "..", "...", "。", "?", "??", "？", "*",
    "0000", "00000000", "00000000000", "000000000000000000",
)
"""The filler cells the scan looks for by default (a list, for SQL); each matches FILLER_PATTERN."""
DEFAULT_PLACEHOLDERS = [*PLACEHOLDER_WORDS, *FILLERS]

_WORDS = frozenset(PLACEHOLDER_WORDS)
_FILLER = re.compile(FILLER_PATTERN)


def placeholder_key(value: str) -> str:
    """The form a cell is compared in: blanks trimmed, case folded."""
    return value.strip(BLANK_CHARS).casefold()


def is_placeholder(value: str) -> bool:
    key = placeholder_key(value)
    return key in _WORDS or _FILLER.fullmatch(key) is not None


def placeholder_mask(text: "pd.Series") -> "pd.Series":
    """`is_placeholder` over a "string" Series, vectorised (False for missing cells)."""
    key = text.str.strip(BLANK_CHARS).str.casefold()
    return (key.isin(_WORDS) | key.str.fullmatch(FILLER_PATTERN)).fillna(False).astype(bool)
