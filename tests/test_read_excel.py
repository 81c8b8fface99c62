"""Reading workbooks: the header found under titles, values as typed, provenance, merges, totals."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from crmtool.read import read_sheets, read_table

HEADER = ["客户名称", "手机", "首次合作日期", "销售区域", "合同金额"]


def _sales_book(path):
    """A sales team's workbook: title merged over the columns, a note, header on row 3, a region merged
    down three rows, phones typed as numbers, dates as date cells and as text, a total row and a note."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "客户"
    ws["A1"] = "2025年度客户清单"
    ws.merge_cells("A1:E1")
    ws["A2"] = None
    ws.append(HEADER)
    rows = [
        ["北京华信科技有限公司", 13800138000, dt.datetime(2023, 1, 5), "华北", 120000],
        ["华信（北京）科技有限公司", 13900139000, "2023/1/5", None, 56000.5],
        ["上海浦东发展银行", 18612345678, dt.datetime(2024, 3, 1, 9, 30), None, 0],
        ["深圳市腾飞贸易有限公司", "0755-26881234", "2023年1月5日", "华南", None],
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("D4:D6")
    ws.append([])
    ws.append(["合计", None, None, None, "=SUM(E4:E7)"])
    ws.append(["制表人：张三"])
    book.save(path)
    return path


@pytest.fixture
def sales_book(tmp_path):
    return _sales_book(tmp_path / "销售客户清单.xlsx")


def test_header_found_under_title_and_only_data_rows(sales_book):
    result = read_table(sales_book)
    table = result.table
    assert list(table.columns) == ["_row_id", "_source", "_sheet", "_row", *HEADER]
    assert result.info["header_rows"] == [3]
    assert result.info["title_rows"] == [1]
    assert table["_row"].tolist() == [4, 5, 6, 7]
    assert table["客户名称"].tolist()[0] == "北京华信科技有限公司"
    assert table["_row_id"].tolist()[0] == "销售客户清单.xlsx#客户!4"
    assert set(table["_source"]) == {"销售客户清单.xlsx"} and set(table["_sheet"]) == {"客户"}


def test_phones_are_digit_strings_and_dates_iso(sales_book):
    table = read_table(sales_book).table
    assert table["手机"].tolist() == ["13800138000", "13900139000", "18612345678", "0755-26881234"]
    assert table["首次合作日期"].tolist() == ["2023-01-05", "2023/1/5", "2024-03-01T09:30:00", "2023年1月5日"]
    assert table["合同金额"].tolist()[:3] == ["120000", "56000.5", "0"]
    assert pd.isna(table["合同金额"].iloc[3])


def test_merged_region_applies_to_every_row_it_spans(sales_book):
    result = read_table(sales_book)
    assert result.table["销售区域"].tolist() == ["华北", "华北", "华北", "华南"]
    merged = result.issues[result.issues["rule"] == "read.merged_cells"]
    assert "D4:D6" in merged["message"].iloc[0]


def test_total_and_note_rows_are_reported_not_read(sales_book):
    issues = read_table(sales_book).issues
    by_rule = {rule: rows["_row"].tolist() for rule, rows in issues.groupby("rule")}
    assert by_rule["read.title_row"] == [1]
    assert by_rule["read.total_row"] == [9]
    assert by_rule["read.footer_row"] == [10]
    assert "read.blank_rows" not in by_rule, "the blank row before the total is trailing, not inside the data"


def test_blank_and_repeated_header_names_become_unique_and_stable(tmp_path):
    path = tmp_path / "dup.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["电话", None, "电话", "_row", "电话"])
    ws.append(["1", "2", "3", "4", "5"])
    book.save(path)
    first = read_table(path).info["columns"]
    assert first == ["电话", "column_B", "电话_2", "_row_2", "电话_3"]
    assert read_table(path).info["columns"] == first


def test_header_row_override_and_no_header(tmp_path):
    path = tmp_path / "numbers.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    for i in range(5):
        ws.append([i, i * 2.5, dt.date(2024, 1, i + 1)])
    book.save(path)
    guessed = read_table(path)
    assert guessed.info["header_rows"] == []
    assert guessed.info["columns"] == ["column_A", "column_B", "column_C"]
    assert len(guessed.table) == 5
    assert "read.no_header" in set(guessed.issues["rule"])
    forced = read_table(path, header_row=2)
    assert forced.info["columns"] == ["1", "2.5", "2024-01-02"]
    assert forced.table["_row"].tolist() == [3, 4, 5]


def test_two_row_header_under_a_merged_group(tmp_path):
    path = tmp_path / "grouped.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["客户名称", "联系方式", None, "地址"])
    ws.append([None, "手机", "邮箱", None])
    ws.merge_cells("B1:C1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("D1:D2")
    ws.append(["甲公司", "13800138000", "a@b.cn", "北京"])
    book.save(path)
    result = read_table(path)
    assert result.info["columns"] == ["客户名称", "联系方式/手机", "联系方式/邮箱", "地址"]
    assert result.table["_row"].tolist() == [3]


def test_sheet_selection_and_all_sheets(tmp_path, cli):
    path = tmp_path / "multi.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "空表"
    accounts = book.create_sheet("客户")
    accounts.append(["名称", "城市"])
    accounts.append(["甲", "北京"])
    contacts = book.create_sheet("联系人")
    contacts.append(["姓名", "手机"])
    contacts.append(["张三", 13800138000])
    contacts.append(["李四", 13900139000])
    book.save(path)
    default = read_table(path)
    assert default.info["sheet"] == "客户", "the first sheet with data"
    assert "read.other_sheets" in set(default.issues["rule"])
    assert read_table(path, sheet="联系人").table["手机"].tolist() == ["13800138000", "13900139000"]
    assert read_table(path, sheet=3).info["sheet"] == "联系人"
    everything = read_sheets(path)
    assert [r.info["sheet"] for r in everything] == ["客户", "联系人"]
    assert "空表" in everything[0].issues["message"].str.cat()
    missing = cli("read", path, "--sheet", "订单")
    assert missing.code == 2 and "订单" in missing.stderr and "联系人" in missing.stderr


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".xlsm"])
def test_every_workbook_format_reads_the_same_cells(tmp_path, suffix):
    frame = pd.DataFrame({"名称": ["甲公司", "乙公司"], "手机": [13800138000, 13900139000], "编号": ["00123", "00456"]})
    path = tmp_path / f"book{suffix}"
    if suffix == ".xls":
        import xlwt

        book = xlwt.Workbook()
        sheet = book.add_sheet("Sheet1")
        for c, name in enumerate(frame.columns):
            sheet.write(0, c, name)
            for r, value in enumerate(frame[name], start=1):
                sheet.write(r, c, value.item() if hasattr(value, "item") else value)
        book.save(str(path))
    elif suffix == ".ods":
        frame.to_excel(path, index=False, engine="odf")
    else:
        frame.to_excel(path, index=False, engine="openpyxl")
    table = read_table(path).table
    assert table["名称"].tolist() == ["甲公司", "乙公司"]
    assert table["手机"].tolist() == ["13800138000", "13900139000"]
    assert table["编号"].tolist() == ["00123", "00456"]
    assert table["_row"].tolist() == [2, 3]


def test_values_of_every_cell_type(tmp_path):
    import xlsxwriter

    path = tmp_path / "types.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, ["整数", "小数", "日期", "时间戳", "布尔", "错误", "公式", "长数字", "文本数字", "负数"])
    ws.write_number(1, 0, 13800138000)
    ws.write_number(1, 1, 0.1)
    ws.write_datetime(1, 2, dt.datetime(2023, 1, 5), date)
    ws.write_datetime(1, 3, dt.datetime(2023, 1, 5, 13, 4, 5), stamp)
    ws.write_boolean(1, 4, True)
    ws.write_formula(1, 5, "=NA()", None, "#N/A")
    ws.write_formula(1, 6, "=A2*2", None, 27600276000)
    ws.write_number(1, 7, 911100001000016212)
    ws.write_string(1, 8, "0012300")
    ws.write_number(1, 9, -0.0000001)
    book.close()
    result = read_table(path)
    row = result.table.iloc[0]
    assert row["整数"] == "13800138000"
    assert row["小数"] == "0.1"
    assert row["日期"] == "2023-01-05"
    assert row["时间戳"] == "2023-01-05T13:04:05"
    assert row["布尔"] == "TRUE"
    assert pd.isna(row["错误"]), "error cells read as missing"
    assert row["公式"] == "27600276000", "a formula's cached value"
    assert row["长数字"] == "911100001000016000", "as Excel shows it: 15 significant digits"
    assert row["文本数字"] == "0012300"
    assert row["负数"] == "-0.0000001"
    precision = result.issues[result.issues["rule"] == "read.number_precision"]
    assert precision["column"].tolist() == ["长数字"] and precision["_row"].tolist() == [2]


def test_misnamed_workbook_is_read_by_its_content(tmp_path):
    real = tmp_path / "real.xlsx"
    pd.DataFrame({"名称": ["甲"], "城市": ["北京"]}).to_excel(real, index=False)
    fake = tmp_path / "export.xls"
    fake.write_bytes(real.read_bytes())
    result = read_table(fake)
    assert result.table["名称"].tolist() == ["甲"]
    assert "read.misnamed" in set(result.issues["rule"])


def test_tab_separated_text_named_xls_is_read_as_text(tmp_path):
    path = tmp_path / "legacy.xls"
    path.write_bytes("客户名称\t电话\n甲公司\t010-62551234\n".encode("gb18030"))
    result = read_table(path)
    assert result.table["电话"].tolist() == ["010-62551234"]
    assert "read.misnamed" in set(result.issues["rule"])
