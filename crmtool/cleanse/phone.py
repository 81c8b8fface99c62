"""Phone numbers: split multi-number cells, keep extensions, E.164, type, carrier and region.

Parsing, validation, type, carrier and geocoding come from `phonenumbers` (libphonenumber's
metadata). Its Chinese geocoder has no region for many newer mobile segments (16x, 19x, 17x …: it
answers just "中国"); for those the region comes from the `phone` package's offline phone.dat
(号段 → province/city, updated by its maintainer; 2312 = December 2023 in the installed version).
The `region_source` attribute says which source gave the region of each number.

Speed: `phonenumbers.parse` costs ~70 µs, and most cells hold a Chinese number in one of a few
shapes (13812345678, +86 138 1234 5678, 0755-26001234, (010)62345678, 400-810-8888). Those are
reduced to their national significant number by one regular expression (`_FAST`, written to take
only what `parse` would read the same way) and typed against the same libphonenumber metadata by
`_national_type`, a copy of phonenumbers' own type decision over precompiled patterns; anything
else, and any number the fast path finds invalid, goes through `phonenumbers.parse`. Carrier and
region are read from phonenumbers' own prefix tables by the longest matching prefix, as its
geocoder and carrier modules do; a mobile's depend only on its segment (号段, first 7 digits) and are
cached per segment, with phone.dat's answer. tests/cleanse/test_phone_fast.py checks every shortcut
against `phonenumbers` itself.
"""

from __future__ import annotations

import array
import bisect
import re
import struct
from functools import cache, lru_cache

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import CONTENT, NOTATION, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("phone_type", "e164", "extension", "carrier", "province", "city", "region_source", "count")

_SPLIT = re.compile(r"[;；](?!\s*ext=)|[,，/、|\n\r]+|\s{2,}|(?<=\d)\s*(?:或|和|及)\s*(?=[\d+(（])")
_EXTENSION = re.compile(r"\s*(?:转|分机|;?\s*ext[.=]?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_DASH_EXTENSION = re.compile(r"^(0\d{2,3}[-\s]?\d{7,8})-(\d{1,5})$")
_LABEL = re.compile(r"^(?:电话|手机|座机|固话|tel|mobile|phone|fax|传真)\s*[:：]?\s*", re.IGNORECASE)
# A note after the number, in brackets and without digits: 13812345678（微信同号）, 62345678(总机).
_NOTE = re.compile(r"\s*[(（][^\d()（）]{1,12}[)）]$")
_TYPES = {0: "landline", 1: "mobile", 2: "landline", 3: "toll_free", 4: "premium", 5: "toll_free", 6: "voip"}
_UNKNOWN = 99  # phonenumbers.PhoneNumberType.UNKNOWN
# The separators the fast path drops; anything else (dots, letters, a stray +) goes to phonenumbers.
_SEPARATORS = re.compile(r"[\s\-()]+")
# +86 / 0086 (or 86 before a mobile), a trunk 0, then the national significant number. Left to
# phonenumbers: numbers starting 11, 12 or 179 (carrier-selection and IDD prefixes it strips) and 86
# without a + (it may or may not be the country code).
_FAST = re.compile(r"(?:\+86|0086|86(?=1[3-9]\d{9}$))?0?((?!1[12]|179|86)[1-9]\d{4,11})")


def _nfkc(text: str) -> str:
    return basic(text)


_NON_DIGIT = re.compile(r"\D")


def split_numbers(value: str) -> list[str]:
    """Several numbers in one cell ("138…; 010-…", "138… 139…") → one string per number."""
    parts = [p.strip() for p in _SPLIT.split(_nfkc(value)) if p and p.strip()]
    out: list[str] = []
    for part in parts:
        tokens = part.split(" ")
        if len(tokens) > 1 and all(len(_NON_DIGIT.sub("", t)) >= 7 for t in tokens):
            out.extend(tokens)  # "13800138000 13900139000": numbers separated by one space
        else:
            out.append(part)
    return out


def _candidates(text: str) -> list[str]:
    text = text[:-2] if re.fullmatch(r"\d+\.0", text) else text  # went through Excel as a float
    if re.fullmatch(r"\d\.\d+[eE]\+?1[01]", text):  # 1.3800138e10: Excel's scientific display
        from decimal import Decimal

        value = Decimal(text)
        text = str(int(value)) if value == value.to_integral_value() else text
    digits = re.sub(r"[^\d+]", "", text)
    out = [text]
    if digits.startswith("86") and len(digits) in (12, 13):
        out.append("+" + digits)
    return out


@cache
def _phone_dat():
    try:
        from phone import Phone
    except ImportError:  # optional: without it 16x/19x mobiles have a carrier but no region
        return None
    return Phone()


@cache
def _cn_plan():
    """libphonenumber's Chinese number plan as precompiled matchers (possible lengths, fullmatch), in
    the order in which `phonenumbers.phonenumberutil._number_type_helper` tries them."""
    import phonenumbers
    from phonenumbers import PhoneNumberType as T

    phonenumbers.enable_pattern_cache()  # the fallback path: compile each metadata pattern once
    md = phonenumbers.PhoneMetadata.metadata_for_region("CN")

    def matcher(desc):
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern).fullmatch

    specials = tuple((t, m) for t, d in (
        (T.PREMIUM_RATE, md.premium_rate), (T.TOLL_FREE, md.toll_free), (T.SHARED_COST, md.shared_cost),
        (T.VOIP, md.voip), (T.PERSONAL_NUMBER, md.personal_number), (T.PAGER, md.pager), (T.UAN, md.uan),
        (T.VOICEMAIL, md.voicemail)) if (m := matcher(d)) is not None)
    return (matcher(md.general_desc), specials, matcher(md.fixed_line), matcher(md.mobile),
            bool(md.same_mobile_and_fixed_line_pattern))


def _matches(national: str, matcher) -> bool:
    """phonenumbers' _is_number_matching_desc: a possible length (when the type lists any) and the
    whole number matching the type's pattern."""
    if matcher is None:
        return False
    lengths, fullmatch = matcher
    return (not lengths or len(national) in lengths) and fullmatch(national) is not None


_FIXED_LINE, _MOBILE, _FIXED_LINE_OR_MOBILE = 0, 1, 2  # PhoneNumberType values (checked by the tests)


def _national_type(national: str) -> int:
    """phonenumbers.number_type of the Chinese number with this national significant number (a
    PhoneNumberType value), without building a PhoneNumber and without the generic lookups."""
    general, specials, fixed, mobile, same_pattern = _cn_plan()
    if not _matches(national, general):
        return _UNKNOWN
    for kind, matcher in specials:
        if _matches(national, matcher):
            return kind
    if _matches(national, fixed):
        return _FIXED_LINE_OR_MOBILE if same_pattern or _matches(national, mobile) else _FIXED_LINE
    if not same_pattern and _matches(national, mobile):
        return _MOBILE
    return _UNKNOWN


def _fast_national(text: str) -> str | None:
    """The national significant number of a Chinese number written in a common shape, or None."""
    digits = _SEPARATORS.sub("", text)
    if digits.endswith(".0"):  # went through Excel as a float
        digits = digits[:-2]
    m = _FAST.fullmatch(digits)
    return m.group(1) if m else None


def _cn_number(national: str):
    from phonenumbers import PhoneNumber

    return PhoneNumber(country_code=86, national_number=int(national))


@cache
def _prefix_tables():
    """phonenumbers' geocoding and carrier prefix tables (data, longest prefix), or None where they
    are not installed (phonenumberslite)."""
    try:
        from phonenumbers.carrierdata import CARRIER_DATA, CARRIER_LONGEST_PREFIX
        from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX
    except ImportError:
        return None
    return (GEOCODE_DATA, GEOCODE_LONGEST_PREFIX), (CARRIER_DATA, CARRIER_LONGEST_PREFIX)


def _prefix_name(table, digits: str) -> str:
    """The Chinese name of the longest prefix of `digits` (country code + national number) in one of
    phonenumbers' prefix tables: what its geocoder and carrier modules look up for `zh`, without
    formatting the number to E.164 first (tests/cleanse/test_phone_fast.py checks they agree)."""
    data, longest = table
    for n in range(min(longest, len(digits)), 0, -1):
        entry = data.get(digits[:n])
        if entry is not None and (name := entry.get("zh")) is not None:
            return name
    return ""


def _cn_description(national: str) -> str:
    """phonenumbers.geocoder.description_for_valid_number(+86 national, "zh")."""
    tables = _prefix_tables()
    if tables is None:
        from phonenumbers import geocoder

        return geocoder.description_for_valid_number(_cn_number(national), "zh")
    return _prefix_name(tables[0], "86" + national) or "中国"


def _cn_carrier(national: str) -> str:
    """phonenumbers.carrier.name_for_valid_number(+86 national, "zh")."""
    tables = _prefix_tables()
    if tables is None:
        from phonenumbers import carrier

        return carrier.name_for_valid_number(_cn_number(national), "zh")
    return _prefix_name(tables[1], "86" + national)


@lru_cache(maxsize=8192)
def _described_region(desc: str) -> tuple[str | None, str | None, str | None] | None:
    """(province, city, "phonenumbers") from a geocoder description; None when it names no region."""
    from crmtool.cleanse.divisions import MUNICIPALITIES, match_prefix

    if not desc or desc == "中国":
        return None
    first = match_prefix(desc, levels=("province",), short_levels=())
    if not first:
        return None, desc, "phonenumbers"
    rest = desc[len(first[0]):]
    province = first[1][0].province
    # "辽宁省沈阳市、铁岭市、抚顺市": an area code shared by cities names no single city
    city = province if province in MUNICIPALITIES else (rest if rest and "、" not in rest else None)
    return province, city, "phonenumbers"


def _region(number, national: str, kind: str) -> tuple[str | None, str | None, str | None]:
    """Province, city and the source that knew them. `number` is a PhoneNumber, or None for a Chinese
    number known by its national digits."""
    if number is None or number.country_code == 86:
        found = _described_region(_cn_description(national))
        chinese = True
    else:
        from phonenumbers import geocoder

        found = _described_region(geocoder.description_for_valid_number(number, "zh"))
        chinese = False
    if found is not None:
        return found
    if kind == "mobile" and chinese:
        return _dat_region(national[:7])
    return None, None, None


@lru_cache(maxsize=1 << 16)
def _dat_region(prefix7: str) -> tuple[str | None, str | None, str | None]:
    """A mobile segment's province and city from phone.dat, for the segments phonenumbers places
    only in 中国 (16x, 19x, many 17x)."""
    hit = _dat_find(prefix7)
    if not hit:
        return None, None, None
    return dat_place(hit["province"], hit["city"])


@lru_cache(maxsize=8192)
def dat_place(province_written: str, city_written: str) -> tuple[str | None, str | None, str]:
    """(province, city, "phone.dat") for a phone.dat record's province and city as it writes them."""
    from crmtool.cleanse.divisions import match_prefix

    prov = match_prefix(province_written, levels=("province",))
    province = prov[1][0].province if prov else province_written
    # a city as phone.dat writes it (吉林, 深圳): the prefecture of that name, else a municipality
    city = (match_prefix(city_written, levels=("prefecture",))
            or match_prefix(city_written, levels=("province",)))
    return province, city[1][0].name if city else city_written, "phone.dat"


def _strip_decorations(text: str) -> tuple[str, str | None]:
    """(the number without label, note and extension, the extension)."""
    text = _LABEL.sub("", text.strip())
    if text.endswith((")", "）")):
        text = _NOTE.sub("", text)
    extension = None
    if m := _EXTENSION.search(text):
        extension, text = m.group(1), text[: m.start()]
    elif m := _DASH_EXTENSION.match(text):
        text, extension = m.group(1), m.group(2)
    return text, extension


def _parse(text: str):
    """(phonenumbers.PhoneNumber, extension, type) for one valid number, else None (the slow path).
    Letters left in the number are no number: phonenumbers would read them as a keypad's (O → 6)."""
    import phonenumbers

    text, extension = _strip_decorations(text)
    if sum(c.isdigit() for c in text) < 5 or _LETTER.search(text):
        return None
    for candidate in _candidates(text):
        try:
            number = phonenumbers.parse(candidate, "CN")
        except phonenumbers.NumberParseException:
            continue
        found = phonenumbers.number_type(number)  # UNKNOWN when no number plan fits: invalid
        if found != phonenumbers.PhoneNumberType.UNKNOWN:
            return number, extension or number.extension, _TYPES.get(found, "other")
    return None


def _fast(text: str) -> tuple[str, str | None, str] | None:
    """(national significant number, extension, type) of a valid Chinese number in a common shape;
    None sends the number to `_parse`."""
    bare, extension = _strip_decorations(text)
    national = _fast_national(bare)
    if national is None:
        return None
    found = _national_type(national)
    if found == _UNKNOWN:
        return None  # invalid here; phonenumbers may still read the text another way
    return national, extension, _TYPES.get(found, "other")


@lru_cache(maxsize=1 << 16)  # China has ~500,000 segments; a customer table uses a few thousand
def _segment(prefix7: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(carrier, province, city, region source) of a mobile segment (号段, the first 7 digits).

    Carrier and region of an 11-digit Chinese mobile number are properties of its segment (the
    longest +86 1… prefixes in phonenumbers' carrier and geocoding data, and phone.dat's keys, are
    7 digits), so one lookup per segment serves every number in it."""
    national = prefix7 + "0000"
    return (_cn_carrier(national) or _dat_carrier(national, "mobile"), *_region(None, national, "mobile"))


@lru_cache(maxsize=65536)
def number_type(text: str) -> str | None:
    """mobile / landline / toll_free / … for one number, None when invalid (cached: detection asks
    the same question for mobile, landline and phone)."""
    fast = _fast(text)
    if fast is not None:
        return fast[2]
    parsed = _parse(text)
    return parsed[2] if parsed else None


def parse_one(text: str) -> dict | None:
    """One number (with any extension) → its attributes, or None when it is not a valid number."""
    fast = _fast(text)
    if fast is None:
        return _parse_full(text)
    national, extension, kind = fast
    e164 = "+86" + national
    if kind == "mobile" and len(national) == 11:
        name, province, city, source = _segment(national[:7])
    else:
        name = (_cn_carrier(national) or _dat_carrier(national, kind)) if kind == "mobile" else None
        province, city, source = _region(None, national, kind)
    return {
        "phone_type": kind, "e164": e164, "extension": extension, "carrier": name,
        "province": province, "city": city, "region_source": source,
        "clean": e164 + (f";ext={extension}" if extension else ""),
    }


def _parse_full(text: str) -> dict | None:
    import phonenumbers
    from phonenumbers import carrier

    parsed = _parse(text)
    if parsed is not None:
        number, extension, kind = parsed
        national = str(number.national_number)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        province, city, source = _region(number, national, kind)
        return {
            "phone_type": kind, "e164": e164, "extension": extension,
            "carrier": (carrier.name_for_number(number, "zh") or _dat_carrier(national, kind)) if kind == "mobile"
            else None,
            "province": province, "city": city, "region_source": source,
            "clean": e164 + (f";ext={extension}" if extension else ""),
        }
    return None


def clear_caches() -> None:
    """Forget every cached segment, region and type (benchmarks start cold)."""
    for cached in (_segment, _dat_region, _dat_find, _described_region, number_type, dat_place, dat_record):
        cached.cache_clear()


def _dat_carrier(national: str, kind: str) -> str | None:
    if kind != "mobile":
        return None
    hit = _dat_find(national[:7])
    return hit["phone_type"] if hit else None


@lru_cache(maxsize=1 << 16)
def _dat_find(prefix7: str) -> dict | None:
    """`Phone().find(prefix7)` of the phone package, the same record: a binary search of phone.dat's
    index in C (`bisect` over an array of its keys, ~1 µs) instead of its Python loop (~15 µs)."""
    index = _dat_index()
    if index is None:
        return None
    dat, phones = index
    key = int(prefix7)
    i = bisect.bisect_left(phones, key)
    if i >= len(phones) or phones[i] != key:
        return None
    entry = dat.first_phone_record_offset + i * dat.phone_fmt_length
    _, offset, kind = struct.unpack_from(dat.phone_fmt, dat.buf, entry)
    return {"phone": prefix7, **dat_record(offset, kind)}


@lru_cache(maxsize=8192)
def dat_record(offset: int, kind: int) -> dict:
    """What phone.dat says of the segments whose index entry points at `offset` with carrier `kind`."""
    dat = _dat_index()[0]
    province, city, zip_code, area_code = dat.buf[offset:dat.buf.find(b"\x00", offset)].decode().split("|")
    return {"province": province, "city": city, "zip_code": zip_code, "area_code": area_code,
            "phone_type": dat.get_phone_no_type(kind)}


@cache
def _dat_index():
    """The phone package's reader and the keys of phone.dat's index (7-digit segments, sorted; each
    entry `<iiB`: segment, record offset, carrier type), read once."""
    dat = _phone_dat()
    if dat is None or dat.phone_fmt != "<iiB":  # a phone.dat layout this code does not know
        return None
    start, size = dat.first_phone_record_offset, dat.phone_fmt_length
    entries = memoryview(dat.buf)[start:start + dat.phone_record_count * size]
    return dat, array.array("i", (entry[0] for entry in struct.iter_unpack(dat.phone_fmt, entries)))


def is_valid_phone(value: str, kind: str | None = None) -> bool:
    """Every number in the cell is valid (and of `kind`: "mobile" / "landline", if given)."""
    parts = split_numbers(value)
    if not parts:
        return False
    for part in parts:
        found = number_type(part)
        if found is None or (kind and found != kind):
            return False
    return True


_LETTER = re.compile(r"[A-Za-z]")
_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")
_LOOKALIKE_RUN = re.compile(r"[\dOoIl]{5,}")
_LOOKALIKES = str.maketrans("OoIl", "0011")
_LOOKALIKES_GONE = str.maketrans("", "", "OoIl")
_LOOKALIKE = re.compile(r"[OoIl]")
_SHORTEST_NATIONAL = 9  # area code (2-3 digits, trunk 0 off) and a 7-8 digit local number


def _from_scientific(text: str) -> tuple[str, str | None]:
    """(the number Excel displayed as 1.3800138000E+10, None), or (text, why it cannot be read) when
    the display kept fewer digits than the number has (1.38001E+10: the last five are lost)."""
    m = _SCIENTIFIC.fullmatch(text.strip())
    if m is None:
        return text, None
    fraction, exponent = m.group(2) or "", int(m.group(3))
    if len(fraction) < exponent:
        return text, (f"{text.strip()}: Excel's scientific notation kept {1 + len(fraction)} of {exponent + 1} "
                      "digits, the rest are lost; take the number from the source")
    return (m.group(1) + fraction)[: exponent + 1], None


def _repair_lookalikes(text: str) -> str:
    """Letters O/o and I/l typed for 0 and 1 inside a run of digits (138OO138000)."""
    return _LOOKALIKE_RUN.sub(lambda m: m.group().translate(_LOOKALIKES)
                              if len(m.group().translate(_LOOKALIKES_GONE)) >= 4 else m.group(), text)


def _digits(text: str) -> str:
    text = text[:-2] if text.endswith(".0") else text
    return _NON_DIGIT.sub("", text)


def _same_digits(written: str, result: dict) -> bool:
    """The number's digits as written are its E.164 digits, give or take +86 / 0086 / a trunk 0."""
    digits = _digits(written)
    e164 = result["e164"][1:] + (result["extension"] or "")
    if e164.startswith("86") and digits.endswith(e164[2:]):
        return digits[: len(digits) - len(e164) + 2] in ("", "0", "86", "860", "0086", "00860")
    return digits in (e164, "00" + e164)


def _read_part(part: str) -> tuple[dict | None, str | None, bool]:
    """(attributes, why it is invalid, whether digits were changed) for one number of a cell."""
    if "@" in part:
        return None, f"an e-mail address, not a phone number: {part}", False
    text, lost = _from_scientific(part) if "E" in part or "e" in part else (part, None)
    if lost:
        return None, lost, False
    repaired = _repair_lookalikes(text) if _LOOKALIKE.search(text) else text
    result = parse_one(repaired)
    if result is None:
        return None, f"not a valid phone number: {part}", False
    if _without_area_code(repaired, result):
        return None, f"{part}: a local number without its area code (区号); add it from the address", False
    return result, None, repaired != text or not _same_digits(text, result)


def _without_area_code(text: str, result: dict) -> bool:
    """62345678 alone: a 7-8 digit national number written without a trunk 0 or +86 is a local number,
    which libphonenumber may still read as some short area code's number."""
    e164 = result["e164"]
    if result["phone_type"] == "mobile" or not e164.startswith("+86") or not 7 <= len(e164) - 3 < _SHORTEST_NATIONAL:
        return False
    return not _strip_decorations(text)[0].lstrip().startswith(("0", "+", "86", "(0", "（0"))


def check_phone(value: str) -> Outcome:
    parts = split_numbers(value)
    read = [_read_part(p) for p in parts]
    good = [r for r, _, _ in read if r is not None]
    findings = [Finding("phone.invalid", Severity.ERROR, why) for _, why, _ in read if why]
    bad = findings[:]
    change = CONTENT if any(changed for r, _, changed in read if r is not None) else NOTATION
    if not good:
        return Outcome(None, False, {"phone_type": "invalid"}, findings)
    if len(parts) > 1:
        findings.append(Finding("phone.multiple", Severity.INFO, f"{len(parts)} numbers in one cell",
                                "; ".join(r["clean"] for r in good)))
    first = good[0]
    attrs = {k: first[k] for k in ATTRIBUTES if k in first}
    attrs["count"] = str(len(good))
    if bad:  # keep the numbers that are valid, but the cell needs a look
        return Outcome("; ".join(r["clean"] for r in good), False, attrs, findings)
    return Outcome("; ".join(r["clean"] for r in good), True, attrs, findings, change)


def cleanse_phone(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_phone, ATTRIBUTES)
