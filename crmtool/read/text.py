"""Text exports: find the encoding, find the delimiter, split records (quoted newlines kept).

The encoding cascade is BOM, then strict UTF-8, then strict GB18030, then a detector (with a warning,
because that is a guess). GBK is never used: GB18030 decodes every GBK byte sequence identically and
also the characters GBK lacks (䶮, 𠀀, many rare name characters), so a detector's "GBK" or "GB2312"
verdict is read as GB18030.
"""

from __future__ import annotations

import codecs
import csv
import io

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB_FAMILY = {"gbk", "gb2312", "cp936", "ms936", "gb18030", "euc_cn", "hz", "936"}
DELIMITERS = ",\t;|"


def canonical_encoding(name: str) -> str:
    """Python's codec name for `name`, with every GB variant widened to GB18030."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding '{name}'") from None
    return "gb18030" if codec.replace("-", "_") in _GB_FAMILY or name.lower().replace("-", "") in _GB_FAMILY else codec


def decode(data: bytes, encoding: str | None = None, *, strict_only: bool = False, partial: bool = False) -> tuple[str, str, bool]:
    """(text, encoding used, guessed). `partial`: data is a prefix, a cut character at the end is fine.

    Raises ValueError when no encoding decodes the bytes (or only a guess would, with strict_only).
    """
    if encoding:
        codec = canonical_encoding(encoding)
        return _decode(data, codec, partial, skip_bom=True), codec, False
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], codec, partial), codec, False
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode(data, utf16, partial), utf16, True
    try:
        return _decode(data, "utf-8", partial), "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        text = _decode(data, "gb18030", partial)
    except UnicodeDecodeError:
        pass
    else:
        big5 = _big5_instead(data, text, partial)
        return (big5, "cp950", True) if big5 is not None else (text, "gb18030", False)
    if strict_only:
        raise ValueError("not UTF-8 or GB18030 text")
    return _detect(data, partial)


def _decode(data: bytes, codec: str, partial: bool, skip_bom: bool = False) -> str:
    text = codecs.getincrementaldecoder(codec)("strict").decode(data, final=not partial)
    return text[1:] if skip_bom and text.startswith("\ufeff") else text


def _big5_instead(data: bytes, gb_text: str, partial: bool) -> str | None:
    """Big5 bytes also decode as GB18030, into rare characters. Simplified-Chinese text keeps nearly
    all its Han characters inside GB2312; Traditional-Chinese text read as Big5 keeps nearly all of
    them among Big5's frequently used characters. Only when both say so is the file Big5."""
    if _common_share(gb_text, "gb2312") >= 0.8:
        return None
    try:
        big5_text = _decode(data, "cp950", partial)
    except UnicodeDecodeError:
        return None
    return big5_text if _common_share(big5_text, "cp950", _big5_frequent) >= 0.9 else None


def _common_share(text: str, codec: str, frequent=None) -> float:
    """Share of the (first 20,000) Han characters that `codec` encodes (and `frequent` accepts)."""
    han = [ch for ch in text[:20000] if "\u4e00" <= ch <= "\u9fff"]
    if len(han) < 10:
        return 1.0
    hits = 0
    for ch in han:
        try:
            encoded = ch.encode(codec)
        except UnicodeEncodeError:
            continue
        hits += frequent(encoded) if frequent else 1
    return hits / len(han)


def _big5_frequent(encoded: bytes) -> bool:
    """Big5 orders its Han characters by frequency: 0xA440-0xC67E are the 5,401 frequently used ones."""
    return b"\xa4\x40" <= encoded <= b"\xc6\x7e"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM shows NUL bytes in every other position (for ASCII-range characters)."""
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    return "utf-16-le" if odd_nul > even_nul else "utf-16-be"


def _detect(data: bytes, partial: bool) -> tuple[str, str, bool]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None or best.encoding is None:
        raise ValueError("not text in any known encoding (binary content?)")
    codec = canonical_encoding(best.encoding)
    try:
        return _decode(data, codec, partial), codec, True
    except UnicodeDecodeError as exc:
        raise ValueError(f"looks like {codec} but byte {exc.start} does not decode; pass --encoding") from None


def sniff_delimiter(text: str, suffix: str) -> str:
    """The delimiter that splits the first records (quotes respected) into a consistent number of fields.

    Among delimiters that give the same field count on at least 90% of the sampled records, the one the
    suffix suggests wins (comma for .csv, tab for .tsv and .txt), then the one giving more fields.
    """
    preferred = "," if suffix == ".csv" else "\t"
    sample = text[: 64 * 1024]
    if len(sample) < len(text) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_key = preferred, None
    for delim in DELIMITERS:
        counts = [len(r) for r in split_records(sample, delim)[:200] if any(f.strip() for f in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        share = counts.count(mode) / len(counts)
        key = (share >= 0.9, delim == preferred, mode, share)
        if best_key is None or key > best_key:
            best, best_key = delim, key
    return best


def split_records(text: str, delimiter: str) -> list[list[str]]:
    """Records as lists of fields; quoted fields may hold delimiters, quotes and newlines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return list(reader)
