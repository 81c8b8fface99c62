"""`crmtool mask` and crmtool.mask: what each kind keeps, idempotence, keyed pseudonyms, arbitrary Unicode,
and dedupe on a keyed masked copy of the samples giving the original's clusters."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from crmtool.canon.uscc import is_valid_uscc
from crmtool.cleanse.id_number import is_valid_id_number
from crmtool.exitcodes import ExitCode
from crmtool.mask import MASK_KINDS, mask_table, mask_value

KEY = b"a key of at least sixteen bytes"


@pytest.mark.parametrize("kind, value, masked", [
    ("id_number", "110101199003071234", "1101011990********"),
    ("id_number", "110101900307123", "1101011990********"),
    ("mobile", "+86 138 1234 5678", "138****5678"),
    ("landline", "010-62551234", "010-******34"),
    ("landline", "0755-8888123 转 801", "0755-*****23#***"),
    ("phone", "13812345678/010-62551234", "138****5678/010-******34"),
    ("email", "Zhang.San@QQ.com", "***@qq.com"),
    ("person_name", "欧阳娜娜", "欧阳**"),
    ("person_name", "张三", "张*"),
    ("person_name", "John Smith", "**** Smith"),
    ("address", "北京市海淀区中关村大街27号", "北京市海淀区***"),
    ("credit_code", "91110108MA01HX3K30", "91110108**********"),
    ("credit_code", "92110108MA01HX3K30", "92****************"),
    ("id_number", "not an id", "*** ** **"),
    ("free_text", "电话13812345678，身份证110101199003071234，a.b@x.cn，座机010-62551234",
     "电话138****5678，身份证1101011990********，***@x.cn，座机010-******34"),
])
def test_each_kind_keeps_only_its_documented_part(kind, value, masked):
    assert mask_value(value, kind) == masked


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MASK_KINDS), st.text())
def test_masking_is_idempotent_and_never_raises(kind, value):
    once = mask_value(value, kind)
    assert mask_value(once, kind) == once


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MASK_KINDS), st.text(alphabet=st.sampled_from("0123456789X+-* @.()转#/北京市海淀区张欧阳abc")))
def test_masking_is_idempotent_on_identifier_like_text(kind, value):
    once = mask_value(value, kind)
    assert mask_value(once, kind) == once


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MASK_KINDS), st.text(), st.booleans())
def test_keyed_masking_is_deterministic_and_never_raises(kind, value, valid):
    assert mask_value(value, kind, KEY, valid_codes=valid) == mask_value(value, kind, KEY, valid_codes=valid)


def test_keyed_pseudonyms_keep_the_format_and_join_equal_values():
    mobile = mask_value("+86 138 1234 5678", "mobile", KEY)
    assert mobile == mask_value("13812345678", "mobile", KEY) != mask_value("13812345679", "mobile", KEY)
    assert len(mobile) == 11 and mobile.startswith("138") and mobile != "13812345678"
    person = mask_value("110101199003071234", "id_number", KEY)
    assert person.startswith("1101011990") and is_valid_id_number(person) and person != "110101199003071234"
    assert mask_value("110101199003071234", "id_number", b"another key of sixteen bytes") != person
    email = mask_value("Zhang.San@QQ.com", "email", KEY)
    assert email.endswith("@qq.com") and email == mask_value("zhang.san@qq.com", "email", KEY)


def test_keyed_credit_codes_are_valid_only_when_asked():
    code = "91110108MA01HX3K30"
    assert is_valid_uscc(code)
    assert is_valid_uscc(mask_value(code, "credit_code", KEY, valid_codes=True))
    assert not is_valid_uscc(mask_value(code, "credit_code", KEY))
    wrong_check = "91110108MA01HX3K31"
    assert not is_valid_uscc(mask_value(wrong_check, "credit_code", KEY, valid_codes=True))
    assert mask_value(code, "credit_code", KEY)[:8] == "91110108"


def test_a_table_is_masked_by_detected_kinds_and_free_text_is_scrubbed():
    table = pd.DataFrame({"身份证号": ["11010519491231002X"], "手机": ["13812345678"], "备注": ["call 13912345678"],
                          "客户名称": ["北京华信科技有限公司"]}, dtype="string")
    masked, kinds = mask_table(table)
    assert kinds == {"身份证号": "id_number", "手机": "mobile", "备注": "free_text", "客户名称": "free_text"}
    assert masked.iloc[0].tolist() == ["1101051949********", "138****5678", "call 139****5678", "北京华信科技有限公司"]


def test_the_key_comes_only_from_the_environment(cli, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    pd.DataFrame({"手机": ["13812345678"]}).to_csv(source, index=False)
    result = cli("mask", source, "--out", tmp_path / "out.csv", "--key-env", "CRM_MASK_KEY")
    assert result.code == ExitCode.USAGE and "CRM_MASK_KEY is not set" in result.stderr
    monkeypatch.setenv("CRM_MASK_KEY", "short")
    assert cli("mask", source, "--out", tmp_path / "out.csv", "--key-env", "CRM_MASK_KEY").code == ExitCode.USAGE
    monkeypatch.setenv("CRM_MASK_KEY", KEY.decode())
    assert cli("mask", source, "--out", tmp_path / "out.csv", "--key-env", "CRM_MASK_KEY").code == ExitCode.OK
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, encoding="utf-8-sig")
    assert out["手机"].tolist() == [mask_value("13812345678", "mobile", KEY)]


def test_an_unknown_kind_or_column_is_a_usage_error(cli, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"手机": ["13812345678"]}).to_csv(source, index=False)
    assert cli("mask", source, "--out", tmp_path / "o.csv", "--as", "手机=date").code == ExitCode.USAGE
    result = cli("mask", source, "--out", tmp_path / "o.csv", "--as", "电话=mobile")
    assert result.code == ExitCode.USAGE and "电话" in result.stderr


def _clusters(path) -> list[list[str]]:
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return sorted(sorted(group["id"]) for _, group in table.groupby("cluster_id"))


def test_dedupe_on_a_keyed_masked_copy_of_the_samples_gives_the_same_clusters(cli, tmp_path, monkeypatch):
    from crmtool.read import read_table

    names = {"客户编号": "id", "客户名称": "name", "统一社会信用代码": "credit_code", "手机": "phone", "地址": "address"}
    table = read_table("samples/销售客户清单.xlsx").table.rename(columns=names)
    table[[*names.values(), "联系人", "邮箱"]].to_csv(tmp_path / "accounts.csv", index=False)
    monkeypatch.setenv("CRM_MASK_KEY", KEY.decode())
    masked = tmp_path / "masked.csv"
    result = cli("mask", tmp_path / "accounts.csv", "--out", masked, "--key-env", "CRM_MASK_KEY", "--valid-codes",
                 "--as", "phone=phone", "--as", "id=free_text")
    assert result.code == ExitCode.OK, result.stderr
    text = masked.read_text(encoding="utf-8-sig")
    assert "13800138000" not in text and "91110108MA01HX3K30" not in text
    for source, out in ((tmp_path / "accounts.csv", tmp_path / "c1.csv"), (masked, tmp_path / "c2.csv")):
        assert cli("dedupe", source, "--key", "id", "--out", out, "--json").code == ExitCode.OK
    original = _clusters(tmp_path / "c1.csv")
    assert len(original) < 30 and _clusters(tmp_path / "c2.csv") == original
