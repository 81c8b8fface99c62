"""Phones: libphonenumber's Chinese example numbers, the forms exports hold, splitting, extensions."""

from __future__ import annotations

import pandas as pd
import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crmtool.cleanse.phone import check_phone, cleanse_phone, split_numbers


@pytest.mark.parametrize("ptype,kind", [
    (PhoneNumberType.MOBILE, "mobile"), (PhoneNumberType.FIXED_LINE, "landline"),
    (PhoneNumberType.TOLL_FREE, "toll_free"), (PhoneNumberType.SHARED_COST, "toll_free"),
])
@pytest.mark.parametrize("fmt", [PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164])
def test_phonenumbers_example_numbers(ptype, kind, fmt):
    example = phonenumbers.example_number_for_type("CN", ptype)
    out = check_phone(phonenumbers.format_number(example, fmt))
    assert out.valid and out.attrs["phone_type"] == kind
    assert out.clean == phonenumbers.format_number(example, PhoneNumberFormat.E164)


@pytest.mark.parametrize("text", [
    "13812345678", "+86 138 1234 5678", "86 13812345678", "0086-138-1234-5678", "(+86)13812345678",
    "138-1234-5678", "13812345678.0", "1.3812345678E10", "１３８１２３４５６７８", "手机：13812345678",
])
def test_mobile_forms(text):
    out = check_phone(text)
    assert out.valid and out.clean == "+8613812345678" and out.attrs["phone_type"] == "mobile"
    assert out.attrs["carrier"] == "中国移动"


@pytest.mark.parametrize("text,clean,ext", [
    ("010-62345678", "+861062345678", None), ("(010)62345678", "+861062345678", None),
    ("0755 2600 1234", "+8675526001234", None), ("+86 755 26001234", "+8675526001234", None),
    ("010-62345678转801", "+861062345678;ext=801", "801"), ("010-62345678 ext. 801", "+861062345678;ext=801", "801"),
    ("010-62345678-801", "+861062345678;ext=801", "801"), ("0755-26001234 分机 12", "+8675526001234;ext=12", "12"),
])
def test_landlines_and_extensions(text, clean, ext):
    out = check_phone(text)
    assert out.valid and out.clean == clean and out.attrs["extension"] == ext
    assert out.attrs["phone_type"] == "landline"


def test_region_from_phonenumbers_and_phone_dat():
    beijing = check_phone("010-62345678").attrs
    assert (beijing["province"], beijing["city"], beijing["region_source"]) == ("北京市", "北京市", "phonenumbers")
    shenzhen = check_phone("0755-26001234").attrs
    assert (shenzhen["province"], shenzhen["city"]) == ("广东省", "深圳市")
    pytest.importorskip("phone")
    # phonenumbers' geocoder answers only "中国" for the 199 segment: phone.dat fills the gap
    gap = check_phone("19912345678").attrs
    assert gap["region_source"] == "phone.dat" and gap["province"] and gap["province"].endswith(("省", "市", "区"))
    assert gap["carrier"] == "中国电信"


def test_several_numbers_in_one_cell():
    assert split_numbers("13812345678; 010-62345678转801") == ["13812345678", "010-62345678转801"]
    assert split_numbers("13812345678 13912345678") == ["13812345678", "13912345678"]
    assert split_numbers("138 1234 5678") == ["138 1234 5678"]
    assert split_numbers("13812345678、13912345678，010-62345678/0755-26001234") == [
        "13812345678", "13912345678", "010-62345678", "0755-26001234"]
    out = check_phone("13812345678，010-62345678转801")
    assert out.valid and out.clean == "+8613812345678; +861062345678;ext=801"
    assert out.attrs["count"] == "2" and [f.rule for f in out.findings] == ["phone.multiple"]
    assert check_phone(out.clean).clean == out.clean  # idempotent


@pytest.mark.parametrize("text", ["12012345678", "010-123", "1381234567", "abc", "0000000"])
def test_invalid_numbers(text):
    out = check_phone(text)
    assert not out.valid and out.attrs["phone_type"] == "invalid"
    assert [f.rule for f in out.findings] == ["phone.invalid"]


def test_column_rule():
    table = pd.DataFrame({"_row_id": ["a#2", "a#3", "a#4", "a#5"], "_source": "a", "_sheet": "",
                          "_row": pd.array([2, 3, 4, 5], dtype="Int64"),
                          "tel": pd.array(["13812345678", "+8613812345678", "12345", None], dtype="string")})
    result = cleanse_phone(table, "tel")
    assert result.status.tolist() == ["fixed", "ok", "invalid", "empty"]
    assert result.attrs["phone_type"].tolist()[:3] == ["mobile", "mobile", "invalid"]
    assert result.issues["_row_id"].tolist() == ["a#4"]
