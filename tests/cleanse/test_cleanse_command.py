"""`crmtool cleanse`: real files in, the table and the issues out, reopened and checked."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crmtool.cleanse.stage import cleanse_table

ROWS = [
    ["客户名称", "统一社会信用代码", "联系电话", "邮箱", "建档日期", "备注"],
    ["深圳市騰訊計算機系統有限公司", "9144030071526726XG", "0755-86013388转801", "Service@QQ.con", "2023/1/5", "=1+1"],
    ["招商银行股份有限公司深圳分行", "91440300568520498B", "13812345678；010-62345678", "bad@", "45000", "ok"],
    ["上海浦东发展银行股份有限公司", "9131000013221158XC", "021-61618888", "a@spdb.com.cn", "2023年1月5日", ""],
]


@pytest.fixture
def workbook(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "客户"
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "客户.xlsx"
    book.save(path)
    return path


def _csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_cleanse_with_explicit_kinds(cli, workbook, tmp_path):
    out, issues = tmp_path / "out.csv", tmp_path / "issues.csv"
    result = cli("cleanse", workbook, "--as", "统一社会信用代码=credit_code", "--as", "联系电话=phone",
                 "--as", "客户名称=company_name", "--out", out, "--issues", issues)
    assert result.code == 0, result.stderr
    table = _csv(out)
    assert table["客户名称"].tolist()[0] == "深圳市騰訊計算機系統有限公司"  # the original is kept
    assert table["客户名称__clean"].tolist()[0] == "深圳市腾讯计算机系统有限公司"
    assert table["统一社会信用代码__status"].tolist() == ["ok", "invalid", table["统一社会信用代码__status"][2]]
    assert table["统一社会信用代码__city"][0] == "深圳市"
    assert table["客户名称__is_branch"].tolist()[:2] == ["false", "true"]
    assert "邮箱__clean" not in table  # only the columns asked for
    found = _csv(issues)
    bad = found[found["rule"] == "credit_code.check_digit_18"].iloc[0]
    assert (bad["_source"], bad["_sheet"], bad["_row"], bad["column"], bad["original"]) == (
        "客户.xlsx", "客户", "3", "统一社会信用代码", "91440300568520498B")
    assert "cleansed" in result.stdout


def test_cleanse_detects_kinds_without_as(cli, workbook, tmp_path):
    out = tmp_path / "out.parquet"
    result = cli("cleanse", workbook, "--out", out, "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    kinds = {c["column"]: c["kind"] for c in summary["columns"]}
    assert kinds == {"客户名称": "company_name", "统一社会信用代码": "credit_code", "联系电话": "phone",
                     "邮箱": "email", "建档日期": "date"}
    table = pd.read_parquet(out)
    assert table["建档日期__clean"].tolist() == ["2023-01-05", "2023-03-15", "2023-01-05"]
    assert table["邮箱__status"].tolist() == ["fixed", "invalid", "ok"]
    assert list(table.columns[:10]) == ["_row_id", "_source", "_sheet", "_row", *ROWS[0]]


def test_usage_errors(cli, workbook, tmp_path):
    out = tmp_path / "o.csv"
    bad_kind = cli("cleanse", workbook, "--as", "邮箱=mail", "--out", out)
    assert bad_kind.code == 2 and "unknown kind" in bad_kind.stderr
    no_column = cli("cleanse", workbook, "--as", "传真=phone", "--out", out)
    assert no_column.code == 2 and "no column 传真" in no_column.stderr
    syntax = cli("cleanse", workbook, "--as", "phone", "--out", out)
    assert syntax.code == 2 and "COLUMN=KIND" in syntax.stderr
    missing = cli("cleanse", tmp_path / "nope.csv", "--as", "a=phone", "--out", out)
    assert missing.code == 3
    assert not out.exists()


def test_picklist_column(cli, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("行业\nIT\n金 融\n金融业\n", encoding="utf-8")
    mapping = tmp_path / "industry.yaml"
    mapping.write_text("map:\n  IT: 信息技术\nallowed: [金融, 制造业]\n", encoding="utf-8")
    out, issues = tmp_path / "out.csv", tmp_path / "issues.csv"
    result = cli("cleanse", src, "--as", "行业=picklist", "--picklist", f"行业={mapping}", "--out", out,
                 "--issues", issues)
    assert result.code == 0, result.stderr
    assert _csv(out)["行业__clean"].tolist() == ["信息技术", "金融", ""]
    unknown = _csv(issues).query("rule == 'picklist.unknown'").iloc[0]
    assert (unknown["original"], unknown["suggestion"]) == ("金融业", "金融")


def test_cleanse_table_keeps_index_and_columns():
    table = pd.DataFrame({"_row_id": ["a", "b"], "_source": "s", "_sheet": "", "_row": pd.array([2, 3], dtype="Int64"),
                          "手机": pd.array(["13812345678", "x"], dtype="string")}, index=[10, 20])
    out, issues = cleanse_table(table, {"手机": "mobile"})
    assert list(out.index) == [10, 20]
    assert out["手机"].tolist() == ["13812345678", "x"]
    assert out["手机__status"].tolist() == ["fixed", "invalid"]
    assert issues["_row_id"].tolist() == ["b"] and issues["rule"].tolist() == ["phone.invalid"]
    with pytest.raises(KeyError):
        cleanse_table(table, {"nope": "mobile"})
