"""The bundled samples read as samples/README.md says they must."""

from __future__ import annotations

import re
from pathlib import Path

from crmtool.read import read_sheets, read_table

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
WORKBOOK = SAMPLES / "销售客户清单.xlsx"
HEADER = ["客户编号", "客户名称", "统一社会信用代码", "联系人", "手机", "座机", "邮箱", "地址", "首次合作日期", "销售区域", "合同金额"]
DATE_ROWS = {4, 8, 11, 12, 15, 17, 21, 24, 27, 29, 32}


def test_workbook_returns_exactly_the_data_rows_under_the_title():
    result = read_table(WORKBOOK)
    assert result.info["sheet"] == "客户清单"
    assert result.info["header_rows"] == [3] and result.info["title_rows"] == [1, 2]
    assert result.info["columns"] == HEADER
    assert result.table["_row"].tolist() == list(range(4, 34))
    assert result.table["客户编号"].iloc[0] == "00101"
    assert "合计" not in set(result.table["客户编号"].dropna())
    assert result.issues.query("rule == 'read.total_row'")["_row"].tolist() == [34]


def test_phones_stored_as_numbers_are_digit_strings():
    table = read_table(WORKBOOK).table.set_index("_row")
    assert table.loc[4, "手机"] == "13800138000"
    typed_as_numbers = table["手机"].drop([7, 9, 22, 33])
    assert typed_as_numbers.str.fullmatch(r"1\d{10}").all(), typed_as_numbers.tolist()
    assert table.loc[9, "手机"] == "+86 138 0013 8000", "text cells stay as typed"
    assert table.loc[8, "客户编号"] == "105", "a number cell: the zeros were lost in Excel, not by us"


def test_date_cells_are_iso_and_text_dates_are_kept_as_typed():
    table = read_table(WORKBOOK).table.set_index("_row")
    dates = table.loc[sorted(DATE_ROWS), "首次合作日期"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), dates.tolist()
    assert table.loc[11, "首次合作日期"] == "2024-02-29"
    others = table["首次合作日期"].drop(sorted(DATE_ROWS)).dropna()
    assert any(re.search("[年/.]", v) or re.fullmatch(r"\d{8}", v) for v in others)


def test_merged_region_fills_every_row():
    table = read_table(WORKBOOK).table.set_index("_row")
    assert table.loc[4:11, "销售区域"].eq("华北").all()
    assert table.loc[32:33, "销售区域"].eq("西北").all()
    assert table["销售区域"].notna().all()


def test_both_sheets_and_the_text_exports():
    sheets = read_sheets(WORKBOOK)
    assert [r.info["sheet"] for r in sheets] == ["客户清单", "联系人"]
    assert len(sheets[1].table) == 20
    erp = read_table(SAMPLES / "legacy_erp_export.csv")
    assert erp.info["encoding"] == "gb18030" and len(erp.table) == 16
    assert erp.table.apply(lambda c: c.astype(str).str.contains("䶮|𠀀|㐀").any()).any()
    leads = read_table(SAMPLES / "crm_unicode_export.txt")
    assert leads.info["encoding"] == "utf-16-le" and leads.info["delimiter"] == "\t" and len(leads.table) == 20
