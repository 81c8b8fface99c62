"""Every unreadable input: exit 3, one line on stderr naming the file and the problem, no traceback."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest


def _workbook_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["名称", "城市"])
    book.active.append(["甲", "北京"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _encrypted(tmp_path) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(_workbook_bytes())
    out = io.BytesIO()
    with plain.open("rb") as handle:
        OOXMLFile(handle).encrypt("secret", out)
    return out.getvalue()


def _empty_sheet() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def _header_only() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["名称", "城市"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(80):
                member.write(block)
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


CASES = {
    "truncated.xlsx": (lambda tmp: _workbook_bytes()[:400], "corrupt or truncated"),
    "random.xlsx": (lambda tmp: os.urandom(4096), "not a spreadsheet"),
    "random.xls": (lambda tmp: b"\x00\x01" + os.urandom(4096), "not a spreadsheet"),
    "locked.xlsx": (_encrypted, "password-protected"),
    "empty.xlsx": (lambda tmp: b"", "empty"),
    "empty.csv": (lambda tmp: b"", "empty"),
    "blank.csv": (lambda tmp: b"\xef\xbb\xbf \r\n\r\n", "no content"),
    "zero_rows.xlsx": (lambda tmp: _empty_sheet(), "no sheet with data"),
    "header_only.xlsx": (lambda tmp: _header_only(), "no data rows"),
    "page.xls": (lambda tmp: b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML page"),
    "letter.xlsx": (lambda tmp: _docx_like(), "word-processor document"),
    "binary.csv": (lambda tmp: bytes(range(256)) * 64, "cannot decode"),
    "bomb.xlsx": (lambda tmp: _zip_bomb(), "zip bomb"),
    "data.pdf": (lambda tmp: b"%PDF-1.4", "unsupported file type"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unreadable_input_is_one_line_and_exit_3(tmp_path, cli, name):
    make, expected = CASES[name]
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    result = cli("read", path)
    assert result.code == 3, (result.code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and expected in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_missing_file_is_exit_3(tmp_path, cli):
    result = cli("read", tmp_path / "nope.xlsx")
    assert result.code == 3 and "file not found" in result.stderr


def test_debug_shows_the_traceback(tmp_path, cli):
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(512))
    result = cli("--debug", "read", path)
    assert result.code == 3
    assert "Traceback" in result.stderr and "not a spreadsheet" in result.stderr
    again = cli("read", path)
    assert again.code == 3 and "Traceback" not in again.stderr, "--debug does not stick to later calls"


def test_profile_of_a_broken_file_is_exit_3_too(tmp_path, cli):
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(_workbook_bytes()[:300])
    result = cli("profile", path)
    assert result.code == 3 and "truncated.xlsx" in result.stderr
