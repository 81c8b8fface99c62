"""What a file really is, judged by its bytes rather than its name.

Legacy systems name things freely: an .xls that is tab-separated text or an HTML page, an .xlsx that
is a password-protected OLE container, a .csv that is a workbook. Sniffing first lets every one of
them fail (or succeed) with a message that names the real problem.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from crmtool.errors import InputError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_UNCOMPRESSED = 8 * 1024**3
_MAX_RATIO = 200
"""A zip member inflating over 200:1 to more than 64 MiB is a zip bomb, not a spreadsheet."""


def sniff(path: Path) -> str:
    """One of 'xlsx', 'xlsb', 'ods', 'xls', 'text'; raises InputError for what cannot be read."""
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(path, f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(path)
    if suffix in WORKBOOK_SUFFIXES:
        return _not_a_workbook(path, head)
    return "text"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(path, f"corrupt or truncated file: not a readable zip archive ({exc})") from None
    _refuse_bomb(path, members)
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise InputError(path, "is a word-processor document, not a spreadsheet")
    raise InputError(path, "is a zip archive but not a spreadsheet (no workbook inside)")


def _refuse_bomb(path: Path, members: list[zipfile.ZipInfo]) -> None:
    total = sum(m.file_size for m in members)
    if total > _MAX_UNCOMPRESSED:
        raise InputError(path, f"refused: would inflate to {total / 1024**3:.1f} GiB (limit {_MAX_UNCOMPRESSED / 1024**3:.0f} GiB)")
    for m in members:
        if m.file_size > 64 * 1024**2 and m.file_size > _MAX_RATIO * max(m.compress_size, 1):
            raise InputError(path, f"refused: member {m.filename} has a compression ratio over {_MAX_RATIO}:1 (zip bomb?)")


def _ole_kind(path: Path) -> str:
    import msoffcrypto
    from msoffcrypto.exceptions import FileFormatError

    try:
        with path.open("rb") as handle:
            encrypted = msoffcrypto.OfficeFile(handle).is_encrypted()
    except FileFormatError:
        raise InputError(path, "is an OLE compound file but not an Excel workbook") from None
    except Exception as exc:  # noqa: BLE001 - olefile raises many kinds on damaged containers
        raise InputError(path, f"corrupt or truncated Excel 97-2003 file ({type(exc).__name__})") from None
    if encrypted:
        raise InputError(path, "workbook is password-protected: remove the password in Excel (File > Info > Protect Workbook) and save again")
    return "xls"


def _not_a_workbook(path: Path, head: bytes) -> str:
    sample = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if sample.startswith(b"<") and (b"<html" in head.lower() or b"<table" in head.lower() or sample.startswith(b"<!doctype")):
        raise InputError(path, "is an HTML page saved with a spreadsheet name (a common legacy export): open it in Excel and save as .xlsx, or export CSV")
    if sample.startswith(b"<?xml"):
        raise InputError(path, "is an XML file (e.g. Excel 2003 XML), not a workbook crmtool reads: open it in Excel and save as .xlsx")
    if _looks_like_text(head):
        return "text"
    raise InputError(path, "not a spreadsheet: the content is not an Excel or OpenDocument file (does not start like one)")


def _looks_like_text(head: bytes) -> bool:
    from crmtool.read.text import decode

    try:
        text, _, _ = decode(head, strict_only=True)
    except ValueError:
        return False
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return bool(text) and printable / len(text) > 0.95 and any(d in text for d in "\t,;|")
