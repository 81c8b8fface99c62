"""Small text normalisations shared by the field rules."""

from __future__ import annotations

import functools
import re
import unicodedata

# C0/C1 control characters except tab/newline, plus zero-width and BOM characters seen in exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_SPACES = re.compile(r"\s+")


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms (ＡＢＣ１２３（） → ABC123())."""
    return unicodedata.normalize("NFKC", text)


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def squeeze_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def basic(text: str) -> str:
    """NFKC, no control characters, single spaces, trimmed: the first step of most rules."""
    return squeeze_spaces(strip_controls(text if text.isascii() else nfkc(text)))


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@functools.cache
def _t2s():
    try:
        import opencc
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional and variant characters as simplified ones (OpenCC t2s: 寧波市鄞州區 → 宁波市鄞州区, 峯 → 峰);
    text without Chinese characters, or without OpenCC installed, unchanged."""
    converter = _t2s()
    if converter is None or not _HAN.search(text):
        return text
    return converter.convert(text)
