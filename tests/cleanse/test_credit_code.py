"""Credit codes: standard and public test vectors, position 17, O/0 I/1, decoding, older codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmtool.canon.uscc import complete_uscc, is_valid_uscc, org_code_check, uscc_check
from crmtool.cleanse.credit_code import (
    check_credit_code,
    cleanse_credit_code,
    is_valid_org_code,
    is_valid_reg_no,
    normalise_credit_code,
    reg_no_check,
)

VECTORS = [line.strip() for line in (Path(__file__).parent / "data" / "stdnum_uscc_valid.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")]


def table(values):
    n = len(values)
    return pd.DataFrame({
        "_row_id": [f"t.csv#{i + 2}" for i in range(n)], "_source": "t.csv", "_sheet": "",
        "_row": pd.array(range(2, n + 2), dtype="Int64"), "code": pd.array(values, dtype="string"),
    })


@pytest.mark.parametrize("code", VECTORS)
def test_public_vectors_pass_both_check_characters(code):
    assert is_valid_uscc(code)
    out = check_credit_code(code)
    assert out.valid and out.clean == code and out.attrs["code_type"] == "uscc"


def test_public_vectors_agree_with_stdnum_on_position_18():
    uscc = pytest.importorskip("stdnum.cn.uscc")
    for code in VECTORS:
        assert uscc.calc_check_digit(code[:17]) == code[17] == uscc_check(code[:17])


def test_gb32100_worked_example():
    # GB 32100-2015's worked example: 91350100M000100Y4? has check character 3, so ...Y4Z is wrong
    assert uscc_check("91350100M000100Y4") == "3"
    assert org_code_check("M000100Y") == "4"
    assert is_valid_uscc("91350100M000100Y43")
    out = check_credit_code("91350100M000100Y4Z")  # Z is not even in the character set
    assert not out.valid and [f.rule for f in out.findings] == ["credit_code.charset"]
    out = check_credit_code("91350100M000100Y4Y")
    assert not out.valid and [f.rule for f in out.findings] == ["credit_code.check_digit_18"]
    assert "should be 3" in out.findings[0].message


@pytest.mark.parametrize("code", VECTORS[:20])
def test_position_17_alone_wrong(code):
    """Position 18 recomputed over a wrong position 17: python-stdnum accepts it, GB 11714 does not."""
    wrong17 = next(c for c in "0123456789X" if c != code[16])
    forged = code[:16] + wrong17 + uscc_check(code[:16] + wrong17)
    stdnum = pytest.importorskip("stdnum.cn.uscc")
    assert stdnum.is_valid(forged)
    assert not is_valid_uscc(forged)
    out = check_credit_code(forged)
    assert not out.valid and [f.rule for f in out.findings] == ["credit_code.check_digit_17"]


def test_normalisation_and_confusables():
    assert normalise_credit_code("９１１１ ００００-６０００３７３４１ｌ") == ("91110000600037341L", False)
    code, confused = normalise_credit_code("911100OO6OOO37341L")
    assert (code, confused) == ("91110000600037341L", True)
    out = check_credit_code("91110000600037341l")
    assert out.valid and out.clean == "91110000600037341L" and not out.findings
    out = check_credit_code("9111OOOO6OOO37341L")
    assert out.valid and [f.rule for f in out.findings] == ["credit_code.confusable_chars"]
    assert out.findings[0].severity == "warning"


def test_decoding_authority_type_and_region():
    attrs = check_credit_code("91440300568520498A").attrs
    assert attrs["authority"] == "工商" and attrs["org_type"] == "企业"
    assert (attrs["province"], attrs["city"]) == ("广东省", "深圳市")
    assert attrs["org_code"] == "56852049-8"
    attrs = check_credit_code("92340602MA2PBMEM24").attrs
    assert attrs["org_type"] == "个体工商户"
    assert (attrs["province"], attrs["city"], attrs["district"]) == ("安徽省", "淮北市", "杜集区")
    attrs = check_credit_code("121200004013590816").attrs
    assert (attrs["authority"], attrs["org_type"], attrs["province"], attrs["city"]) == (
        "机构编制", "事业单位", "天津市", "天津市")
    # a social organisation (5 = 民政, 1 = 社会团体) in Beijing's 海淀区
    code = complete_uscc("5111010850000001")
    attrs = check_credit_code(code).attrs
    assert (attrs["authority"], attrs["org_type"], attrs["district"]) == ("民政", "社会团体", "海淀区")


def test_length_and_charset_errors():
    assert [f.rule for f in check_credit_code("12345").findings] == ["credit_code.length"]
    # S, V, Z are outside the GB 32100 character set
    assert [f.rule for f in check_credit_code("9111000060003SVZ1L").findings] == ["credit_code.charset"]


def test_older_identifiers():
    assert is_valid_org_code("60003734" + org_code_check("60003734"))
    out = check_credit_code("60003734-1")
    assert out.valid and out.clean == "60003734-1" and out.attrs["code_type"] == "org_code"
    assert not check_credit_code("60003734-2").valid
    # 110108000000016: the example number used in public GS15-2006 validators
    assert reg_no_check("11010800000001") == "6" and is_valid_reg_no("110108000000016")
    out = check_credit_code("110108000000016")
    assert out.valid and out.attrs["code_type"] == "reg_no_15" and out.attrs["district"] == "海淀区"
    assert [f.rule for f in check_credit_code("110108000000017").findings] == ["credit_code.reg_no_check"]


def test_column_rule_statuses_attributes_and_issues():
    values = ["91440300568520498A", " 91440300568520498a ", "9144030056852O498A", "91440300568520498B", None, "",
              "91440300568520498A"]
    result = cleanse_credit_code(table(values), "code")
    assert list(result.status) == ["ok", "fixed", "fixed", "invalid", "empty", "empty", "ok"]
    assert result.clean.tolist()[:3] == ["91440300568520498A"] * 3
    assert pd.isna(result.clean.iloc[3])
    assert result.attrs["city"].tolist()[0] == "深圳市"
    issues = result.issues
    assert set(issues["rule"]) == {"credit_code.confusable_chars", "credit_code.check_digit_18"}
    bad = issues[issues["rule"] == "credit_code.check_digit_18"].iloc[0]
    assert (bad["_row_id"], bad["_row"], bad["original"], bad["severity"]) == (
        "t.csv#5", 5, "91440300568520498B", "error")
