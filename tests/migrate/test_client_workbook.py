"""A small client workbook as consultants get them (a merged title row, a header whose 联系方式 cell is
merged over two columns, phones stored as numbers, a 合计 row): read, drafted by `crmtool init` and
checked by `crmtool mapping check` without losing a customer or passing a wrong mapping."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml

CUSTOMERS = [("北京华信科技有限公司", "91110000802100433B", 13812345678, "010-62345678", "互联网", "是"),
             ("上海明达贸易有限公司", "91310000MA1FL0XXXX", 13912345678, "021-65432109", "制造业", "否"),
             ("深圳智远网络科技有限公司", "91440300MA5F12342Q", 13712345678, None, "互联网", "是")]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "client.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "客户"
    ws.append(["2024年客户名单"])
    ws.merge_cells("A1:F1")
    ws.append(["客户名称", "纳税人识别号", "联系方式", None, "行业", "重要客户"])
    ws.merge_cells("C2:D2")
    for row in CUSTOMERS:
        ws.append(list(row))
    ws.append(["合计", None, None, None, None, 3])
    book.save(path)
    return path


def test_a_merged_header_cell_keeps_the_header_one_row(workbook):
    from crmtool.read import read_table

    result = read_table(workbook)
    assert result.info["header_rows"] == [2]
    assert result.info["columns"] == ["客户名称", "纳税人识别号", "联系方式", "联系方式_2", "行业", "重要客户"]
    assert result.table["客户名称"].tolist() == [c[0] for c in CUSTOMERS]
    assert result.table["联系方式"].tolist() == [str(c[2]) for c in CUSTOMERS]
    assert result.table["重要客户"].tolist() == ["是", "否", "是"]


def test_init_maps_every_column_it_recognises(workbook, tmp_path, cli):
    result = cli("init", workbook, "--out", tmp_path / "draft")
    assert result.code == 0, result.stderr
    (mapping_path,) = (tmp_path / "draft" / "mappings").glob("client*.yaml")
    fields = yaml.safe_load(mapping_path.read_text(encoding="utf-8"))["fields"]
    assert fields["credit_code"]["from"] == "纳税人识别号"
    assert fields["phone"]["from"] == ["联系方式", "联系方式_2"]
    assert fields["phone"]["transforms"] == [{"concat": {"sep": "; "}}, "phone"]
    assert fields["industry"]["value_map"] == {"互联网": "信息技术"}
    text = mapping_path.read_text(encoding="utf-8")
    assert "13812345678" not in text and "looks like company_name" not in text
    check = cli("mapping", "check", mapping_path, "--sample", "--strict", "--format", "json")
    report = json.loads(check.stdout)
    assert check.code == 0, report["findings"]
    assert report["files"][0]["sample"]["rows"] == 3


def _mapping(tmp_path, workbook, fields: dict, header_row: int | None = None):
    source = {"file": str(workbook), **({"header_row": header_row} if header_row else {})}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "object": "accounts", "source": source, "fields": fields},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _rules(cli, path, *options):
    result = cli("mapping", "check", path, "--format", "json", *options)
    return result.code, {(f["rule"], f["severity"]) for f in json.loads(result.stdout)["findings"]}


BASE = {"account_id": {"from": "客户名称", "transforms": ["hash"]}, "name": {"from": "客户名称"}}


def test_check_flags_a_column_named_after_a_data_row(workbook, tmp_path, cli):
    path = _mapping(tmp_path, workbook, {**BASE, "phone": {"from": "联系方式/13812345678", "transforms": ["phone"]}})
    code, rules = _rules(cli, path)
    assert ("mapping.column_looks_like_data", "warning") in rules and code == 0
    assert _rules(cli, path, "--strict")[0] == 1


def test_check_flags_a_data_row_lost_to_the_header(workbook, tmp_path, cli):
    path = _mapping(tmp_path, workbook, {"account_id": {"from": "北京华信科技有限公司", "transforms": ["hash"]},
                                         "name": {"from": "北京华信科技有限公司"}}, header_row=3)
    code, rules = _rules(cli, path, "--sample")
    assert ("sample.header_looks_like_data", "warning") in rules
    assert code == 0 and _rules(cli, path, "--sample", "--strict")[0] == 1


def test_check_flags_a_known_column_left_unmapped(workbook, tmp_path, cli):
    path = _mapping(tmp_path, workbook, {**BASE, "phone": {"from": ["联系方式", "联系方式_2"],
                                                           "transforms": [{"concat": {"sep": "; "}}, "phone"]}})
    code, rules = _rules(cli, path, "--sample")
    assert ("sample.unmapped_column", "warning") in rules and code == 0
    assert _rules(cli, path, "--sample", "--strict")[0] == 1
    mapped = _mapping(tmp_path, workbook, {**BASE, "credit_code": {"from": "纳税人识别号", "transforms": ["credit_code"]},
                                           "phone": {"from": ["联系方式", "联系方式_2"],
                                                     "transforms": [{"concat": {"sep": "; "}}, "phone"]}})
    assert not {r for r in _rules(cli, mapped, "--sample")[1] if r[0] == "sample.unmapped_column"}
