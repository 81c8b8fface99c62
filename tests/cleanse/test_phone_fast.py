"""The phone rule's fast path (regex + precompiled number plan + prefix tables) against phonenumbers'
own answers: whatever the fast path accepts, phonenumbers must read the same way."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberType, carrier, geocoder

from crmtool.cleanse import phone
from crmtool.cleanse.phone import check_phone, parse_one

TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int)]


def _random_nationals(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        length = rng.randint(5, 12)
        head = rng.choice(["1" + rng.choice("3456789"), "10", "2" + rng.choice("0123456789"), "400", "800",
                           "95", str(rng.randint(3, 9))])
        out.append((head + "".join(rng.choice("0123456789") for _ in range(length)))[:length])
    return out


def test_national_type_is_phonenumbers_number_type():
    rng = random.Random(7)
    nationals = _random_nationals(rng, 20_000)
    for kind in TYPES:  # libphonenumber's own example of every Chinese number type
        example = phonenumbers.example_number_for_type("CN", kind)
        if example is not None:
            nationals.append(str(example.national_number))
    T = PhoneNumberType
    assert (phone._UNKNOWN, phone._FIXED_LINE, phone._MOBILE, phone._FIXED_LINE_OR_MOBILE) == (
        T.UNKNOWN, T.FIXED_LINE, T.MOBILE, T.FIXED_LINE_OR_MOBILE)
    seen = set()
    for national in nationals:
        expected = phonenumbers.number_type(PhoneNumber(country_code=86, national_number=int(national)))
        assert phone._national_type(national) == expected, national
        seen.add(expected)
    assert {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.UNKNOWN} <= seen


def _notations(rng: random.Random, national: str) -> list[str]:
    spaced = " ".join(national[i:i + 4] for i in range(0, len(national), 4))
    area = 2 if national[0] in "12" else 3
    out = [national, "+86" + national, "+86 " + spaced, "0086-" + national, "86" + national, "(+86)" + national,
           f"0{national}", f"0{national[:area]}-{national[area:]}", f"(0{national[:area]}){national[area:]}",
           f"+86-{national[:area]}-{national[area:]}", f"+86 (0){national[:area]} {national[area:]}",
           f"0{national[:area]} {national[area:area + 4]} {national[area + 4:]}", national + ".0",
           f"0{national[:area]}-{national[area:]} 转{rng.randint(1, 9999)}", f"{national}（微信同号）"]
    return out


def test_fast_path_reads_what_phonenumbers_reads():
    """Every notation the fast path accepts, phonenumbers.parse reads as the same number and type."""
    rng = random.Random(11)
    accepted = 0
    for national in _random_nationals(rng, 3_000):
        for text in _notations(rng, national):
            fast = phone._fast(text)
            if fast is None:
                continue
            accepted += 1
            slow = phone._parse(text)
            assert slow is not None, text
            number, extension, kind = slow
            assert (number.country_code, str(number.national_number), extension, kind) == (86, *fast), text
    assert accepted > 3_000


def test_prefix_tables_answer_like_geocoder_and_carrier():
    rng = random.Random(3)
    nationals = [n for n in _random_nationals(rng, 20_000) if phone._national_type(n) != PhoneNumberType.UNKNOWN]
    assert len(nationals) > 1_000
    for national in nationals:
        number = PhoneNumber(country_code=86, national_number=int(national))
        assert phone._cn_description(national) == geocoder.description_for_valid_number(number, "zh"), national
        assert phone._cn_carrier(national) == carrier.name_for_valid_number(number, "zh"), national


def test_a_mobile_segment_answers_for_every_number_in_it():
    """Carrier and region are looked up once per segment (号段): the same as for the full number."""
    rng = random.Random(5)
    for _ in range(3_000):
        national = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        found = parse_one(national)
        number = PhoneNumber(country_code=86, national_number=int(national))
        if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
            assert found is None or found["phone_type"] != "mobile", national
            continue
        assert found["carrier"] == (carrier.name_for_number(number, "zh") or phone._dat_carrier(national, "mobile"))
        province, city, _ = phone._region(number, national, "mobile")
        assert (found["province"], found["city"]) == (province, city), national


@pytest.mark.parametrize("text", ["13812345678（微信同号）", "13812345678 (微信)", "手机：138-1234-5678（张经理）"])
def test_a_note_after_the_number_is_not_part_of_it(text):
    out = check_phone(text)
    assert out.valid and out.clean == "+8613812345678" and out.attrs["phone_type"] == "mobile"


def test_phone_dat_lookup_is_the_phone_package_find():
    pytest.importorskip("phone")
    dat = phone._phone_dat()
    rng = random.Random(9)
    segments = [f"1{rng.choice('3456789')}{rng.randrange(10 ** 5):05d}" for _ in range(20_000)]
    segments += ["1300000", "1999999", "1000000", "2999999"]  # both ends of the index and beyond
    assert [phone._dat_find(s) for s in segments] == [dat.find(s) for s in segments]
    assert sum(phone._dat_find(s) is not None for s in segments) > 10_000


def test_phone_dat_cities_are_prefectures_before_provinces():
    pytest.importorskip("phone")
    dat = phone._phone_dat()
    jilin = next(f"{p}" for p in range(1300000, 2000000, 7) if (hit := dat.find(str(p))) and hit["city"] == "吉林")
    assert phone._dat_region(jilin)[1] == "吉林市"  # not 吉林省
