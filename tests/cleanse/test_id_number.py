"""Resident ID numbers (GB 11643): python-stdnum's vectors, 15 → 18 upgrade, masking."""

from __future__ import annotations

import pytest

from crmtool.cleanse.id_number import check_id_number, id_check, is_valid_id_number, mask, upgrade_15

# python-stdnum tests/test_cn_ric.doctest: valid numbers and their birth places
VALID = {
    "360426199101010071": ("1991-01-01", "江西省", "德安县"),
    "44011320141005001X": ("2014-10-05", "广东省", "番禺区"),
    "412723199010050012": ("1990-10-05", "河南省", "商水县"),
    "110102199101010078": ("1991-01-01", "北京市", "西城区"),
}


@pytest.mark.parametrize("number,expected", VALID.items())
def test_stdnum_vectors(number, expected):
    out = check_id_number(number)
    assert out.valid and out.clean == number
    assert (out.attrs["birth_date"], out.attrs["province"], out.attrs["district"]) == expected


def test_lower_case_x_and_excel_float():
    assert check_id_number("44011320141005001x").clean == "44011320141005001X"
    assert check_id_number("360426199101010071.0").clean == "360426199101010071"


@pytest.mark.parametrize("number,rule", [
    ("36042619910102009X", "id_number.check_digit"),  # stdnum: InvalidChecksum
    ("360426199113010079", "id_number.birth_date"),  # stdnum: InvalidComponent (month 13)
    ("T60426199101010078", "id_number.format"),  # stdnum: InvalidFormat
    ("36042619910101007", "id_number.format"),
])
def test_stdnum_invalid_vectors(number, rule):
    out = check_id_number(number)
    assert not out.valid and [f.rule for f in out.findings] == [rule]


def test_check_character_agrees_with_stdnum():
    ric = pytest.importorskip("stdnum.cn.ric")
    for body in ("11010519491231002", "44030419851010123", "65010220000229001", "51010719700101999"):
        assert id_check(body) == ric.calc_check_digit(body + "0")  # stdnum drops the last character


def test_upgrade_15_to_18_and_gender():
    # 15-digit 110105491231002: born 1949-12-31, sequence 002 (even: female)
    upgraded = upgrade_15("110105491231002")
    assert upgraded == "11010519491231002" + id_check("11010519491231002")
    out = check_id_number("110105491231002")
    assert out.valid and out.clean == upgraded
    assert out.attrs["birth_date"] == "1949-12-31" and out.attrs["gender"] == "female"
    assert [f.rule for f in out.findings] == ["id_number.upgrade_15"]
    assert check_id_number(upgraded).findings == []  # idempotent


def test_old_division_codes_still_decode():
    body = "11010319800101001"  # 崇文区, merged into 东城区 in 2010
    out = check_id_number(body + id_check(body))
    assert out.valid and out.attrs["district"] == "崇文区"


def test_masking():
    assert mask("360426199101010071") == "360426********0071"
    assert mask("360426199101010071", keep_head=3, keep_tail=1) == "360**************1"
    assert check_id_number("360426199101010071").attrs["masked"] == "360426********0071"
    assert is_valid_id_number("360426199101010071") and not is_valid_id_number("360426199101010072")
