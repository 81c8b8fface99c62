"""Property: any table of text, written to xlsx or CSV (UTF-8, GB18030, UTF-16) by real libraries and
read back by crmtool, gives the same cells (empty cells come back missing, blank rows are skipped)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crmtool.read import read_table

# Delimiters other than the comma are left out: a cell full of semicolons in a two-column file is
# genuinely ambiguous. Control characters cannot be stored in xlsx; \r is folded by XML.
CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters=";|\t\u2028\u2029\x85")
PIECES = st.sampled_from(["\n", "0", "00", "-", "=", '"', ",", " ", "有限公司", "（北京）", "１３８", "13800138000"])
TEXT = st.lists(CHARS | PIECES, min_size=1, max_size=6).map("".join)
CELL = st.one_of(st.none(), TEXT)
_TOTALS = re.compile(r"^(合计|总计|小计|共计|总数|汇总|合计金额|total|totals|grandtotal|subtotal|sum)$", re.I)
_NOTES = re.compile(r"^\s*(制表|制单|审核|备注|注[:：]|说明|打印|导出|数据来源|填表|填报|统计时间|截止)")


@st.composite
def tables(draw):
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=8))
    for row in rows:
        first = next((v for v in row[:3] if v is not None), None)
        assume(first is None or not _TOTALS.match(re.sub(r"[\s:：]", "", first)))
    kept = [row for row in rows if any(v is not None for v in row)]
    assume(kept)
    last = kept[-1]
    assume(not (width >= 3 and sum(v is not None for v in last) == 1 and _NOTES.match(next(v for v in last if v))))
    return [f"列{i + 1}" for i in range(width)], rows, kept


def _write_xlsx(path: Path, header, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("表")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    book.close()


def _write_csv(path: Path, header, rows, encoding):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


FORMATS = ["xlsx", "utf-8", "gb18030", "utf-16"]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=tables())
def test_cells_survive_write_and_read(fmt, data):
    header, rows, kept = data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("t.xlsx" if fmt == "xlsx" else "t.csv")
        if fmt == "xlsx":
            _write_xlsx(path, header, rows)
        else:
            _write_csv(path, header, rows, fmt)
        result = read_table(path)
    assert result.info["columns"] == header
    got = result.table[header].astype(object).where(result.table[header].notna(), None).values.tolist()
    expected = [[None if v == "" else v for v in row] for row in kept]
    assert got == expected
