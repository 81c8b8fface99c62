"""DuckDB SQL and great-expectations must agree on every rule kind: same failing counts, same rows.

The fixtures hold passing and failing values of every kind, Chinese text, empty strings next to
nulls and blanks (spaces, the ideographic space U+3000, no-break spaces), full-width look-alikes of
ASCII characters, and values that one regex dialect could read differently from another.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.config.rules import KINDS
from crmtool.model import load_object_model
from crmtool.validate.verify import verify_frames

V1, V2, V3 = "91350100M000100Y43", "91110000802100433B", "91440300MA5EXAMPLE"
RULES = """
rules:
  - {object: accounts, field: owner, kind: pattern, params: {pattern: '[一-龥]{2,4}'}}
  - {object: accounts, field: source_system, kind: type, params: {type: boolean}}
  - {object: accounts, field: province, kind: length, params: {min_length: 2, max_length: 3}}
  - {object: contacts, field: title, kind: pattern, params: {pattern: '\\d{3}-\\w+'}}
  - {object: contacts, field: department, kind: value_set, params: {values: [销售部, 市场部, '50%']}}
"""


def _complete(prefix16: str) -> str:
    from crmtool.canon.uscc import complete_uscc

    return complete_uscc(prefix16)


def fixture_frames() -> dict[str, pd.DataFrame]:
    v3 = _complete("91440300MA5EXAMP")
    accounts = {
        "account_id": ["A001", "A002", "A003", "A003", "A005", None, "A007", "Ａ008", ""],
        "name": ["华信科技有限公司", "北京某某", "", "  ", "\u3000", "测试公司", "公司" * 101, "上海\u00a0公司", None],
        "credit_code": [V1, V2, V1[:17] + "4", V1, V1.lower(), "９" + V1[1:], v3, V1[:16] + "X3", "\u00a0"],
        "phone": ["+8613800138000", "+861062345678;ext=801", "010-62345678", "+8613800138000", None, "+86123",
                  "+862155551234; +8613912345678", "+85291234567", "＋8613800138000"],
        "email": ["zhang@example.cn", "li@163.com", "bad", "Ａ@qq.com", None, "a..b@qq.com", "x" * 65 + "@qq.com",
                  "王@中文.com", "a@中文.com"],
        "industry": ["信息技术", "制造业", "IT", "制造业 ", None, "医疗健康", "", "金融", "金融\n"],
        "level": ["A", "B", "a", "Ａ", None, "D", "C", "", " "],
        "annual_revenue": ["128000.00", "0.00", "-5.00", "1e5", None, "12,000.00", "99999999.99", "１.00", "3.5"],
        "employees": ["120", "0", "-1", "1.5", None, "１２", "0012", "12 ", ""],
        "website": ["https://www.huaxin.cn", "www.example.cn/p?q=1", "example", "http://例子.中国", None,
                    "ftp://x.cn", "https://a b.com", "HTTPS://EXAMPLE.CN", ""],
        "created_at": ["2024-02-29", "2000-02-29", "2023-02-29", "2024-13-01", None, "2024-4-1", "1900-02-29",
                       "２０２４-01-01", "2024-02-29\n"],
        "updated_at": ["2024-03-15 14:30:00", "2024-03-15", "2024-03-15T14:30:00", "2024-03-15 24:00:00", None,
                       "2024-03-15 14:30", "2024-03-15 00:00:00", "", "2024-03-15 23:59:59"],
        "owner": ["张三", "欧阳娜娜", "Tom", "张", None, "张三丰老师", "李四 ", "王五", "１２"],
        "source_system": ["true", "false", "True", "是", None, "1", "", "false", "FALSE"],
        "province": ["北京", "广东省", "黑龙江省", "京", None, "", "新疆维", "上海市", " "],
    }
    contacts = {
        "contact_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C1", None],
        "account_id": ["A001", "A999", "", "A003", "A001 ", "ａ001", "A002", None],
        "name": ["张三", "李四", "王五", "", "赵六", "孙七", "周八", "吴九"],
        "mobile": ["+8613800138000", "+861062345678", "+8613800138000; +8613912345678", "+8612800138000", None,
                   "13800138000", "+８613800138000", ""],
        "title": ["123-经理", "１２３-经理", "12-经理", "123-manager", None, "123-", "", "123-a b"],
        "department": ["销售部", "市场部", "研发部", "50%", "销售部 ", None, "", "50"],
        "updated_at": ["2024-03-15 14:30:00", None, "bad", "", "2024-02-29 00:00:00", "2023-02-29 00:00:00",
                       "2024-03-15 14:30:00", None],
    }
    opportunities = {
        "opportunity_id": ["O1", "O2", "O3", "O4", "O5", "O5"],
        "account_id": ["A001", "A002", "A404", "A001", None, "A005"],
        "name": ["项目一", "项目二", "项目三", "", "项目五", "项目六"],
        "stage": ["谈判", "赢单", "其它", None, "谈判 ", "输单"],
        "amount": ["100000.00", "0.00", "-1.00", "abc", None, "0.5"],
        "probability": ["50", "100", "101", "-1", None, "0"],
        "close_date": ["2024-06-30", "2024-12-31", "2024-06-31", "2024-02-30", None, "2028-02-29"],
    }
    out = {}
    for obj, columns in (("accounts", accounts), ("contacts", contacts), ("opportunities", opportunities)):
        frame = pd.DataFrame(columns, dtype="string")
        frame.insert(0, "_row_id", pd.array([f"{obj}.xlsx#s!{i + 2}" for i in range(len(frame))], dtype="string"))
        out[obj] = frame
    return out


@pytest.fixture(scope="module")
def rule_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "extra.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def verified(rule_file):
    return verify_frames(fixture_frames(), load_object_model(), rule_files=[rule_file], engines=("sql", "gx"))


def test_both_engines_agree_on_every_rule(verified):
    disagreements = [(r["rule_id"], r["engine_counts"], r["note"]) for r in verified.results if r["agree"] is False]
    assert disagreements == []
    checked = [r for r in verified.results if r["status"] != "skipped"]
    assert all(r["engine_counts"]["sql"] == r["engine_counts"]["gx"] for r in checked)
    assert all(r["agree"] is True for r in checked)
    assert len(checked) >= 45


def test_every_rule_kind_is_exercised_with_passing_and_failing_values(verified):
    exercised = {r["kind"] for r in verified.results if r["failed"] > 0 and r["checked"] > r["failed"]}
    assert exercised >= set(KINDS) - {"type"} | {"type"}
    types = {r["rule_id"].split(".")[1] for r in verified.results if r["kind"] == "type" and r["failed"]}
    assert {"annual_revenue", "employees", "website", "created_at", "updated_at", "source_system"} <= types


# Counted by hand from the fixtures: both engines agreeing on a wrong answer must still fail here.
EXPECTED = {
    "accounts.account_id.required": (9, 2),  # None and ""
    "accounts.account_id.unique": (7, 2),  # A003 twice
    "accounts.name.required": (9, 4),  # "", "  ", U+3000, None; "上海\u00a0公司" is not blank
    "accounts.name.length": (5, 1),  # 202 characters
    "accounts.credit_code.valid": (8, 4),  # wrong check 18, lower case, full-width 9, wrong check 17
    "accounts.credit_code.unique": (8, 2),  # V1 twice
    "accounts.phone.valid": (8, 3),  # 010-…, +86123, full-width plus
    "accounts.email.valid": (8, 5),  # bad, full-width A, a..b, 65-character local part, 王@
    "accounts.industry.values": (7, 3),  # IT, trailing space, trailing newline
    "accounts.level.values": (6, 2),  # a, full-width A
    "accounts.annual_revenue.type": (8, 3),  # 1e5, 12,000.00, full-width 1 (3.5 is fine)
    "accounts.annual_revenue.range": (8, 1),  # -5.00
    "accounts.employees.type": (7, 3),  # 1.5, full-width, trailing space
    "accounts.employees.range": (7, 1),  # -1
    "accounts.website.type": (7, 3),  # example, ftp, space
    "accounts.created_at.type": (8, 6),
    "accounts.updated_at.type": (7, 3),
    "accounts.owner.pattern": (8, 5),  # Tom, 张, 5 characters, trailing space, full-width digits
    "accounts.source_system.type": (7, 4),  # True, 是, 1, FALSE
    "accounts.province.length": (6, 2),  # 京, 黑龙江省
    "contacts.contact_id.unique": (7, 2),
    "contacts.account_id.relationship": (6, 3),  # A999, "A001 ", full-width ａ001 (A003 exists)
    "contacts.mobile.valid": (6, 4),
    "contacts.title.pattern": (6, 5),  # \w is ASCII: only 123-manager passes
    "contacts.department.values": (6, 3),  # 研发部, trailing space, 50
    "opportunities.opportunity_id.unique": (6, 2),
    "opportunities.account_id.relationship": (5, 1),  # A404
    "opportunities.stage.required": (6, 1),
    "opportunities.stage.values": (5, 2),  # 其它, trailing space
    "opportunities.amount.type": (5, 1),  # abc
    "opportunities.amount.range": (5, 1),  # -1.00
    "opportunities.probability.range": (5, 2),
    "opportunities.close_date.type": (5, 2),
}


def test_counts_are_the_hand_counted_ones(verified):
    got = {r["rule_id"]: (r["checked"], r["failed"]) for r in verified.results}
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED


def test_failing_rows_are_listed_with_their_values(verified):
    failures = verified.failures
    rows = failures[failures["rule_id"] == "contacts.account_id.relationship"]
    assert rows["value"].tolist() == ["A999", "A001 ", "ａ001"]
    assert rows["_row_id"].tolist() == ["contacts.xlsx#s!3", "contacts.xlsx#s!6", "contacts.xlsx#s!7"]
    assert rows["external_id"].tolist() == ["C2", "C5", "C6"]
    blank = failures[failures["rule_id"] == "accounts.name.required"]
    assert blank["value"].tolist()[:3] == ["", "  ", "\u3000"] and blank["value"].isna().sum() == 1
    counts = failures.groupby("rule_id").size().to_dict()
    assert all(counts.get(r["rule_id"], 0) == r["failed"] for r in verified.results)


def test_a_disagreement_is_an_error_result(rule_file, monkeypatch):
    """The comparison can fail: a GX side that reads regexes differently must be caught."""
    import crmtool.validate.gx as gx

    monkeypatch.setattr(gx, "python_regex", lambda pattern: r"^(?:[\d\s\S]*)\Z")
    result = verify_frames(fixture_frames(), load_object_model(), rule_files=[rule_file])
    bad = {r["rule_id"]: r for r in result.results if r["status"] == "disagree"}
    assert "accounts.phone.valid" in bad and "accounts.created_at.type" in bad
    assert bad["accounts.phone.valid"]["severity"] == "error" and bad["accounts.phone.valid"]["agree"] is False
    assert "only SQL" in bad["accounts.phone.valid"]["note"]
    assert not result.passed
    assert "accounts.credit_code.valid" not in bad  # a custom expectation, not a regex


def test_a_different_row_set_with_the_same_count_is_a_disagreement(rule_file, monkeypatch):
    import crmtool.validate.gx as gx

    real = gx._collect

    def shifted(er, prepared, outcome):
        real(er, prepared, outcome)
        rule_id = er.expectation_config.meta["rule_id"]
        if rule_id == "accounts.industry.values" and outcome.row_ids[rule_id]:
            outcome.row_ids[rule_id] = {i + "x" for i in outcome.row_ids[rule_id]}

    monkeypatch.setattr(gx, "_collect", shifted)
    result = verify_frames(fixture_frames(), load_object_model(), rule_files=[rule_file])
    entry = next(r for r in result.results if r["rule_id"] == "accounts.industry.values")
    assert entry["engine_counts"] == {"sql": 3, "gx": 3} and entry["status"] == "disagree"
