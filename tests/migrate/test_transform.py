"""The cleanse and map stages of one mapping: transforms, canonical types, rejections, issues."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from crmtool.config.files import ConfigFileError
from crmtool.config.mapping import load_mapping
from crmtool.issues import ISSUE_COLUMNS
from crmtool.mapper.relations import RelationIndex
from crmtool.mapper.fields import cleanse_fields, stable_hash
from crmtool.mapper.transform import map_object
from crmtool.model import load_object_model
from crmtool.read import read_table

ROOT = Path(__file__).resolve().parents[2]
MODEL = load_object_model()


def table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({"_row_id": [f"t.csv#{i + 2}" for i in range(n)], "_source": "t.csv", "_sheet": "",
                          "_row": range(2, n + 2)})
    for name, values in columns.items():
        frame[name] = pd.array(values, dtype="string")
    return frame


def mapping(tmp_path, body: str, name: str = "m.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_mapping(path)


def run(tmp_path, body, data, relations=None):
    m = mapping(tmp_path, body)
    fields, issues = cleanse_fields(data, m, MODEL)
    return fields, issues, map_object(fields, m, MODEL, relations or {})


ACCOUNTS_HEAD = """\
object: accounts
source: {file: t.csv}
fields:
  account_id: {from: id}
  name: {from: 名称}
"""


# ------------------------------------------------------------------------------------------- transforms


def test_simple_transforms(tmp_path):
    data = table(id=["1", "2"], 名称=["甲公司", "乙公司"], v=["  Ab ", "ｘＹ１"], t=["廈門恒通貿易", None])
    body = ACCOUNTS_HEAD + """\
  owner: {from: v, transforms: [strip, upper]}
  province: {from: v, transforms: [fullwidth_to_halfwidth, strip, lower]}
  city: {from: t, transforms: [traditional_to_simplified]}
  source_system: {from: v, transforms: [strip, hash]}
"""
    fields, _, _ = run(tmp_path, body, data)
    assert fields["owner"].tolist() == ["AB", "ｘＹ１".upper()]
    assert fields["province"].tolist() == ["ab", "xy1"]
    assert fields["city"].tolist()[0] == "厦门恒通贸易" and pd.isna(fields["city"].iloc[1])
    assert fields["source_system"].tolist() == [hashlib.sha256(b"Ab").hexdigest()[:16], stable_hash("ｘＹ１")]
    assert all(len(v) == 16 and int(v, 16) >= 0 for v in fields["source_system"])


def test_split_regex_format_default_constant(tmp_path):
    data = table(id=["7", "8", None], 名称=["甲公司", "乙公司", "丙公司"], r=["华北-北京-海淀", "华东", ""],
                 code=["No.123 ", "x", None])
    body = ACCOUNTS_HEAD + """\
  province: {from: r, transforms: [{split: {sep: "-", index: 1}}]}
  city: {from: r, transforms: [{split: {sep: "-", index: -1}}]}
  owner: {from: code, transforms: [{regex: {pattern: 'No\\.(?P<n>\\d+)', group: n}}, {default: 无}]}
  website: {from: code, transforms: [{regex: {pattern: '\\d+', group: 0}}, {format: "https://x.cn/{value}"}]}
  source_system: {constant: 表格}
  industry: {from: r, transforms: [{constant: 其他}]}
  level: {from: code, default: D}
"""
    fields, _, _ = run(tmp_path, body, data)
    assert fields["province"].tolist()[:1] == ["北京"] and fields["province"].isna().tolist() == [False, True, True]
    assert fields["city"].tolist()[:2] == ["海淀", "华东"]
    assert fields["owner"].tolist() == ["123", "无", "无"]
    assert fields["website"].tolist()[0] == "https://x.cn/123" and fields["website"].isna().tolist()[1:] == [True, True]
    assert fields["source_system"].tolist() == ["表格"] * 3
    assert fields["industry"].tolist() == ["其他"] * 3
    assert fields["level"].tolist() == ["No.123 ", "x", "D"]


def test_coalesce_and_concat(tmp_path):
    data = table(id=["1", "2", "3"], 名称=["甲公司", "乙公司", "丙公司"], a=[None, "010-62551234", " "],
                 b=["13800138000", "13900139000", None])
    body = ACCOUNTS_HEAD + """\
  phone: {from: [a, b]}
  owner: {from: [a, b], transforms: [{concat: {sep: " / "}}]}
"""
    fields, _, _ = run(tmp_path, body, data)
    assert fields["phone"].tolist()[:2] == ["13800138000", "010-62551234"] and pd.isna(fields["phone"].iloc[2])
    assert fields["owner"].tolist()[:2] == ["13800138000", "010-62551234 / 13900139000"]
    assert pd.isna(fields["owner"].iloc[2])


def test_cleanse_rule_issues_name_source_column_and_field(tmp_path):
    data = table(id=["1", "2"], 名称=["甲公司", "乙公司"], 座机=["bad", None], 手机=["13800138000", "12345"])
    body = ACCOUNTS_HEAD + "  phone: {from: [座机, 手机], transforms: [phone]}\n"
    fields, issues, _ = run(tmp_path, body, data)
    assert list(issues.columns) == ISSUE_COLUMNS
    assert fields["phone"].isna().all(), "an invalid value is not loaded as written"
    bad = issues[issues["severity"] == "error"].set_index("_row")
    assert bad.loc[2, "column"] == "座机" and bad.loc[3, "column"] == "手机", "each issue names the column its value came from"
    assert bad["message"].str.startswith("phone: ").all()
    assert bad.loc[3, "original"] == "12345"


@pytest.mark.parametrize(("by", "column", "expected"), [
    ("name", "公司", "厦门恒通贸易有限公司"),
    ("credit_code", "代码", "91350203260135796N"),
])
def test_relationship_lookup_value_is_cleansed(tmp_path, by, column, expected):
    data = table(id=["1"], 公司=[" 廈門恒通貿易有限公司 "], 代码=["9135 0203 2601 3579 6n"], 名=["张三"])
    m = mapping(tmp_path, f"""\
        object: contacts
        source: {{file: t.csv}}
        fields:
          contact_id: {{from: id}}
          name: {{from: 名}}
          account_id:
            relationship: {{object: accounts, by: {by}, from: {column}}}
        """)
    fields, _ = cleanse_fields(data, m, MODEL)
    assert fields["account_id"].tolist() == [expected]


def test_missing_column_is_a_config_error_at_its_line(tmp_path):
    data = table(id=["1"], 名称=["甲公司"])
    m = mapping(tmp_path, ACCOUNTS_HEAD + "  phone:\n    from: 电话\n")
    with pytest.raises(ConfigFileError) as caught:
        cleanse_fields(data, m, MODEL)
    finding = caught.value.findings[0]
    assert (finding.file, finding.line, finding.field) == (str(tmp_path / "m.yaml"), 7, "fields.phone")
    assert "'电话'" in finding.message and "id, 名称" in finding.message


# ------------------------------------------------------------------------------------------- map


def test_canonical_types(tmp_path):
    data = table(id=["1", "2", "3"], 名称=["甲公司", "乙公司", "丙公司"], amount=["5.6万", "12,000.00", "abc"],
                 n=["1,234", "12.0", "12.5"], d=["2021/3/15", "2024/3/15 14:30", "2024年3月"],
                 u=["2016/7/1 0:00:00", "2024/3/15 14:30", "31/02/2024"])
    body = ACCOUNTS_HEAD + """\
  annual_revenue: {from: amount}
  employees: {from: n}
  created_at: {from: d}
  updated_at: {from: u}
"""
    _, _, result = run(tmp_path, body, data)
    rows = result.rows.set_index("_row")
    assert rows["annual_revenue"].tolist()[:2] == ["56000.00", "12000.00"] and pd.isna(rows.loc[4, "annual_revenue"])
    assert rows["employees"].tolist()[:2] == ["1234", "12"] and pd.isna(rows.loc[4, "employees"])
    assert rows["created_at"].tolist()[:2] == ["2021-03-15", "2024-03-15"] and pd.isna(rows.loc[4, "created_at"])
    assert rows["updated_at"].tolist()[:2] == ["2016-07-01 00:00:00", "2024-03-15 14:30:00"]
    rules = set(result.issues["rule"])
    assert {"amount.unparseable", "map.integer", "map.date_partial", "date.unparseable"} <= rules
    assert len(result.rejected) == 0, "an invalid optional value is an issue, not a rejection"


def test_boolean_field_of_a_custom_object(tmp_path):
    custom = tmp_path / "objects.yaml"
    custom.write_text("objects:\n  accounts:\n    fields:\n      vip__c: {type: boolean}\n", encoding="utf-8")
    model = load_object_model(custom)
    data = table(id=list("123456"), 名称=["甲公司"] * 6, v=["是", "否", "Y", "false", "1", "也许"])
    m = mapping(tmp_path, ACCOUNTS_HEAD + "  vip__c: {from: v}\n")
    fields, _ = cleanse_fields(data, m, model)
    result = map_object(fields, m, model, {})
    assert result.rows["vip__c"].tolist()[:5] == ["true", "false", "true", "false", "true"]
    assert pd.isna(result.rows["vip__c"].iloc[5])
    assert result.issues.loc[result.issues["rule"] == "map.boolean", "original"].tolist() == ["也许"]


def test_value_map_and_picklist(tmp_path):
    data = table(id=list("1234"), 名称=["甲公司"] * 4, 行业=["IT", "ｉｔ ", "制造", "火星矿业"])
    body = ACCOUNTS_HEAD + """\
  industry:
    from: 行业
    value_map: {IT: 信息技术, 制造: 制造业}
"""
    _, _, result = run(tmp_path, body, data)
    assert result.rows["industry"].tolist() == ["信息技术", "信息技术", "制造业", "火星矿业"]
    unknown = result.issues[result.issues["rule"] == "picklist.unknown"]
    assert unknown["_row"].tolist() == [5] and unknown["severity"].tolist() == ["error"]
    assert unknown["column"].tolist() == ["行业"] and unknown["message"].str.startswith("industry: ").all()
    assert "picklist.mapped" not in set(result.issues["rule"])
    assert len(result.rejected) == 0, "a value outside the picklist stays, for verify to judge"


def test_rejections_with_reasons(tmp_path):
    data = table(id=["A1", None, "A1", "A2", "A3"], 名称=["甲公司", "乙公司", "甲公司二", "", "丙公司"])
    _, _, result = run(tmp_path, ACCOUNTS_HEAD, data)
    assert result.rows["account_id"].tolist() == ["A1", "A3"]
    rejected = result.rejected.set_index("_row")["reasons"]
    assert rejected[3] == "account_id: no external id"
    assert rejected[4] == "account_id: A1 repeats row t.csv#2"
    assert rejected[5] == "name: required, but empty"
    errors = result.issues[result.issues["severity"] == "error"]
    assert sorted(errors["rule"]) == ["map.duplicate_id", "map.no_external_id", "map.required_missing"]
    assert errors.set_index("_row").loc[4, "column"] == "id"


def test_duplicate_id_is_judged_among_loadable_rows(tmp_path):
    data = table(id=["A1", "A1"], 名称=["", "甲公司"])
    _, _, result = run(tmp_path, ACCOUNTS_HEAD, data)
    assert result.rows["_row"].tolist() == [3], "a rejected first row does not claim the id"


def test_mapping_required_true_adds_a_requirement(tmp_path):
    data = table(id=["1", "2"], 名称=["甲公司", "乙公司"], 邮箱=["a@b.cn", None])
    _, _, result = run(tmp_path, ACCOUNTS_HEAD + "  email: {from: 邮箱, required: true}\n", data)
    assert result.rejected["reasons"].tolist() == ["email: required, but empty"]


CONTACTS = """\
object: contacts
source: {file: t.csv}
fields:
  contact_id: {from: id}
  name: {from: 姓名}
  account_id:
    relationship: {object: accounts, by: name, from: 公司}
"""


def _accounts_index(redirect=None) -> RelationIndex:
    rows = pd.DataFrame({"account_id": ["A1", "A2", "A3", "A4"],
                         "name": ["北京华信科技有限公司", "上海华信科技有限公司", "广州天润贸易有限公司", "北京华信科技有限公司"]},
                        dtype="string")
    return RelationIndex.from_rows(rows, MODEL["accounts"], redirect=redirect)


def test_required_reference_resolved_or_rejected(tmp_path):
    data = table(id=["c1", "c2", "c3", "c4"], 姓名=["甲", "乙", "丙", "丁"],
                 公司=["广州天润贸易有限公司", "华信科技", "无名公司", "天润贸易"])
    _, _, result = run(tmp_path, CONTACTS, data, {"accounts": _accounts_index({"A4": "A1"})})
    assert dict(zip(result.rows["contact_id"], result.rows["account_id"])) == {"c1": "A3", "c4": "A3"}
    reasons = result.rejected.set_index("_row")["reasons"]
    assert "matches several accounts records" in reasons[3] and "A1" in reasons[3] and "A2" in reasons[3]
    assert reasons[4] == "account_id: no accounts record with name 无名公司"
    trade = result.issues[result.issues["rule"] == "map.reference_trade_name"]
    assert trade["_row"].tolist() == [5] and trade["severity"].tolist() == ["warning"]


def test_optional_reference_unresolved_is_empty_with_a_warning(tmp_path):
    data = table(id=["l1", "l2"], 公司=["甲公司", "乙公司"], 客户=["广州天润贸易有限公司", "无名公司"])
    body = """\
object: leads
source: {file: t.csv}
fields:
  lead_id: {from: id}
  company: {from: 公司}
  account_id:
    relationship: {object: accounts, by: name, from: 客户}
"""
    _, _, result = run(tmp_path, body, data, {"accounts": _accounts_index()})
    assert result.rows["account_id"].tolist()[0] == "A3" and pd.isna(result.rows["account_id"].iloc[1])
    assert len(result.rejected) == 0
    warning = result.issues[result.issues["rule"] == "map.reference_not_found"]
    assert warning["severity"].tolist() == ["warning"] and warning["_row"].tolist() == [3]


def test_reference_without_index(tmp_path):
    data = table(id=["c1"], 姓名=["甲"], 公司=["甲公司"])
    _, _, result = run(tmp_path, CONTACTS, data, {})
    assert len(result.rows) == 0, "nothing to resolve against: a required reference rejects the row"
    assert result.rejected["reasons"].tolist() == ["account_id: no accounts record with name 甲公司"]
    m = load_mapping(tmp_path / "m.yaml")
    skipped = map_object(cleanse_fields(data, m, MODEL)[0], m, MODEL, {}, resolve_references=False)
    assert len(skipped.rows) == 1 and pd.isna(skipped.rows["account_id"].iloc[0]) and len(skipped.rejected) == 0


# ------------------------------------------------------------------------------------------- samples


def _sample(name: str):
    m = load_mapping(ROOT / "mappings" / f"{name}.yaml")
    read = read_table(m.source_path(), sheet=m.source.sheet, header_row=m.source.header_row,
                      encoding=m.source.encoding)
    fields, issues = cleanse_fields(read.table, m, MODEL)
    return m, read.table, fields, issues


def test_accounts_sample_round_trip():
    m, source, fields, issues = _sample("accounts")
    result = map_object(fields, m, MODEL, {})
    assert len(result.rows) == len(source) == 30 and len(result.rejected) == 0
    rows = result.rows.set_index("_row")
    assert rows.loc[4, "account_id"] == "00101" and rows.loc[8, "account_id"] == "105"
    assert rows.loc[5, "credit_code"] == "91110108MA01HX3K30", "lower case code upper-cased"
    assert rows.loc[16, "credit_code"] == "91330106143256783N", "spaces removed"
    assert pd.isna(rows.loc[9, "credit_code"]), "a mistyped code is not loaded"
    assert rows.loc[10, "name"] == "天津明光电气有限公司"
    assert rows.loc[10, "annual_revenue"] == "56000.00" and rows.loc[33, "annual_revenue"] == "12000.00"
    assert rows.loc[5, "annual_revenue"] == "56000.50"
    assert rows.loc[6, "created_at"] == "2022-07-01" and rows.loc[11, "created_at"] == "2024-02-29"
    assert rows.loc[4, "phone"] == "+861062551234" and rows.loc[7, "phone"] == "+8613911112222", "landline, else mobile"
    assert set(rows["source_system"]) == {"销售客户清单"}
    codes = issues[issues["column"] == "统一社会信用代码"]
    assert set(codes["_row"]) == {9, 20, 22, 30}
    assert set(result.rows.columns) == {"_row_id", "_source", "_sheet", "_row", *m.fields}


def test_leads_sample_value_map_and_hash_ids():
    m, source, fields, _ = _sample("leads")
    result = map_object(fields, m, MODEL, {})
    assert len(result.rows) == 20 and len(result.rejected) == 0
    allowed = set(MODEL["leads"].fields["source"].values)
    assert set(result.rows["source"]) <= allowed
    rows = result.rows.set_index("_row")
    assert rows.loc[7, "source"] == "展会" and rows.loc[18, "source"] == "官网" and rows.loc[4, "source"] == "广告"
    assert rows.loc[2, "created_at"] == "2024-03-15"
    assert rows.loc[13, "name"] == "郑辉" and rows.loc[13, "company"] == "厦门恒通贸易有限公司"
    expected = stable_hash("|".join(source.set_index("_row").loc[2, ["公司", "联系人", "手机"]]))
    assert rows.loc[2, "lead_id"] == expected
    again = map_object(cleanse_fields(source, m, MODEL)[0], m, MODEL, {})
    assert again.rows["lead_id"].tolist() == result.rows["lead_id"].tolist(), "ids are stable across runs"


def test_contacts_sample_resolve_to_survivors():
    """Contacts point at accounts by name; with the duplicates merged, they point at the survivors."""
    a_map, _, a_fields, _ = _sample("accounts")
    accounts = map_object(a_fields, a_map, MODEL, {}).rows
    m, source, fields, _ = _sample("contacts")
    plain = map_object(fields, m, MODEL, {"accounts": RelationIndex.from_rows(accounts, MODEL["accounts"])})
    plain_reasons = plain.rejected.set_index("_row")["reasons"]
    assert "00129" in plain_reasons[21] and "00130" in plain_reasons[21], "two 西安启航 accounts: ambiguous"
    redirect = {"00130": "00129", "00106": "00101", "00102": "00101", "105": "00107", "00104": "00103",
                "00108": "00103", "00113": "00112", "00115": "00114", "00117": "00116", "00119": "00118",
                "00121": "00120", "00123": "00122", "00127": "00126"}
    merged = map_object(fields, m, MODEL, {"accounts": RelationIndex.from_rows(accounts, MODEL["accounts"], redirect)})
    got = dict(zip(merged.rows["_row"], merged.rows["account_id"]))
    assert got[21] == "00129" and got[4] == "00101" and got[7] == "00107" and got[6] == "00103"
    assert set(got.values()) <= set(redirect.values()) | set(accounts["account_id"]) - set(redirect)
    reasons = merged.rejected.set_index("_row")["reasons"]
    assert set(reasons.index) == {3, 14}
    assert "华信科技" in reasons[3] and "several" in reasons[3], "北京 and 上海 华信科技: ambiguous"
    assert reasons[14].startswith("contact_id:") and "联系人!13" in reasons[14]


def test_cleanse_fields_and_attributes_keeps_what_the_rules_said(tmp_path):
    from crmtool.cleanse.stage import rule_for
    from crmtool.mapper import cleanse_fields_and_attributes

    data = table(id=["1", "2", "3", "4"], 名称=["深圳市騰訊計算機系統有限公司", "深圳市腾讯计算机系统有限公司", "x", None],
                 电话=["0755-86013388", "+86 755 8601 3388", "abc", "13812345678"], 地址=["北京市海淀区中关村大街1号"] * 4)
    m = mapping(tmp_path, ACCOUNTS_HEAD.replace("{from: 名称}", "{from: 名称, transforms: [company_name]}")
                + "  phone: {from: 电话, transforms: [phone]}\n  address: {from: 地址, transforms: [strip]}\n")
    keep = {"name": ("company_name", ("province", "city")), "phone": ("phone", ("province", "phone_type")),
            "address": ("address", ("province", "city"))}
    fields, kept, issues = cleanse_fields_and_attributes(data, m, MODEL, keep)
    plain, plain_issues = cleanse_fields(data, m, MODEL)
    assert fields.equals(plain) and issues.equals(plain_issues)  # the same fields and issues
    assert list(kept.columns) == ["field", "rule", "value", "province", "city", "phone_type"]
    assert set(kept["field"]) == {"name", "phone"}  # the address ran no address rule: nothing to keep
    # one row per distinct valid clean value (the two spellings of one name are one), <NA> values none
    assert kept[kept["field"] == "name"]["value"].tolist() == ["深圳市腾讯计算机系统有限公司"]
    assert kept[kept["field"] == "phone"]["value"].tolist() == ["+8675586013388", "+8613812345678"]
    for row in kept.itertuples():
        out = rule_for(row.rule).check(row.value)
        for name in keep[row.field][1]:
            value, expected = getattr(row, name), out.attrs.get(name)
            assert (pd.isna(value) and expected is None) or value == expected, (row, name)


def test_mapped_fields_go_through_the_column_wise_passes(tmp_path, monkeypatch):
    """The migration's cleanse settles common values column-wise, as `crmtool cleanse` does: the
    per-value checks see only what the passes leave (here: the labelled phone), and the results are
    those the checks alone give."""
    import crmtool.cleanse.credit_code as credit_code
    import crmtool.cleanse.phone as phone

    m = mapping(tmp_path, """
        object: accounts
        source: {file: t.csv}
        fields:
          account_id: {from: id}
          phone: {from: tel, transforms: [phone]}
          credit_code: {from: code, transforms: [credit_code]}
        """)
    data = table(id=["A1", "A2", "A3", "A4"],
                 tel=["13800138000", "010-6552 9988", "+86 139 1234 5678", "手机：13700001111"],
                 code=["91350100M000100Y43", "9135 0100 M000 100Y 43", "123", "91350100M000100Y44"])
    seen: dict[str, list] = {"phone": [], "credit_code": []}
    for module, kind, name in ((phone, "phone", "check_phone"), (credit_code, "credit_code", "check_credit_code")):
        original = getattr(module, name)

        def counted(value, _original=original, _kind=kind):
            seen[_kind].append(value)
            return _original(value)

        monkeypatch.setattr(module, name, counted)
    fields, issues = cleanse_fields(data, m, MODEL)
    assert seen["credit_code"] == [] and seen["phone"] == ["手机：13700001111"]
    monkeypatch.undo()
    expected = {kind: [getattr(module, name)(v) for v in data[column]]
                for module, kind, name, column in ((phone, "phone", "check_phone", "tel"),
                                                   (credit_code, "credit_code", "check_credit_code", "code"))}
    for kind in ("phone", "credit_code"):
        got = fields[kind].astype(object).where(fields[kind].notna(), None).tolist()
        assert got == [o.clean if o.valid else None for o in expected[kind]]
    assert fields["credit_code"].notna().sum() == 2 and fields["phone"].notna().all()
