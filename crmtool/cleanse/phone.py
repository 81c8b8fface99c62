"""Phone numbers: split multi-number cells, keep extensions, E.164, type, carrier and region.

Parsing, validation, type, carrier and geocoding come from `phonenumbers` (libphonenumber's
metadata). Its Chinese geocoder has no region for many newer mobile segments (16x, 19x, 17x …: it
answers just "中国"); for those the region comes from the `phone` package's offline phone.dat
(号段 → province/city, updated by its maintainer; 2312 = December 2023 in the installed version).
The `region_source` attribute says which source gave the region of each number.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("phone_type", "e164", "extension", "carrier", "province", "city", "region_source", "count")

_SPLIT = re.compile(r"[;；](?!\s*ext=)|[,，/、|\n\r]+|\s{2,}|(?<=\d)\s*(?:或|和|及)\s*(?=[\d+(（])")
_EXTENSION = re.compile(r"\s*(?:转|分机|;?\s*ext[.=]?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_DASH_EXTENSION = re.compile(r"^(0\d{2,3}[-\s]?\d{7,8})-(\d{1,5})$")
_LABEL = re.compile(r"^(?:电话|手机|座机|固话|tel|mobile|phone|fax|传真)\s*[:：]?\s*", re.IGNORECASE)
_TYPES = {0: "landline", 1: "mobile", 2: "landline", 3: "toll_free", 4: "premium", 5: "toll_free", 6: "voip"}


def _nfkc(text: str) -> str:
    return basic(text)


def split_numbers(value: str) -> list[str]:
    """Several numbers in one cell ("138…; 010-…", "138… 139…") → one string per number."""
    parts = [p.strip() for p in _SPLIT.split(_nfkc(value)) if p and p.strip()]
    out: list[str] = []
    for part in parts:
        tokens = part.split(" ")
        if len(tokens) > 1 and all(len(re.sub(r"\D", "", t)) >= 7 for t in tokens):
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


_GEO_PREFIX = 6  # the longest prefix phonenumbers' Chinese geocoding data uses for landlines
_landline_regions: dict[str, tuple[str | None, str | None, str | None]] = {}


def _region(number, national: str, kind: str) -> tuple[str | None, str | None, str | None]:
    if number.country_code == 86 and kind != "mobile":
        key = national[:_GEO_PREFIX]
        if key not in _landline_regions:
            if len(_landline_regions) > 100_000:
                _landline_regions.clear()
            _landline_regions[key] = _region_uncached(number, national, kind)
        return _landline_regions[key]
    return _region_uncached(number, national, kind)


def _region_uncached(number, national: str, kind: str) -> tuple[str | None, str | None, str | None]:
    from phonenumbers import geocoder

    from crmtool.cleanse.divisions import MUNICIPALITIES, match_prefix

    desc = geocoder.description_for_valid_number(number, "zh")
    if desc and desc != "中国":
        first = match_prefix(desc, levels=("province",), short_levels=())
        if first:
            rest = desc[len(first[0]):]
            province = first[1][0].province
            # "辽宁省沈阳市、铁岭市、抚顺市": an area code shared by cities names no single city
            city = province if province in MUNICIPALITIES else (rest if rest and "、" not in rest else None)
            return province, city, "phonenumbers"
        return None, desc, "phonenumbers"
    if kind == "mobile" and (dat := _phone_dat()) is not None:
        hit = dat.find(national[:7])
        if hit:
            prov = match_prefix(hit["province"], levels=("province",))
            province = prov[1][0].province if prov else hit["province"]
            city = match_prefix(hit["city"], levels=("prefecture", "province"))
            city_name = city[1][0].name if city else hit["city"]
            return province, city_name, "phone.dat"
    return None, None, None


def _parse(text: str):
    """(phonenumbers.PhoneNumber, extension, type) for one valid number, else None."""
    import phonenumbers

    text = _LABEL.sub("", text.strip())
    extension = None
    if m := _EXTENSION.search(text):
        extension, text = m.group(1), text[: m.start()]
    elif m := _DASH_EXTENSION.match(text):
        text, extension = m.group(1), m.group(2)
    if sum(c.isdigit() for c in text) < 5:
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


_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_MOBILE_NOISE = re.compile(r"[\s\-()（）]")


def _plain_mobile(text: str) -> str | None:
    """The 11 national digits when `text` is just a Chinese mobile number (the common case)."""
    digits = _MOBILE_NOISE.sub("", _LABEL.sub("", text.strip()))
    if digits.endswith(".0"):
        digits = digits[:-2]
    m = _MOBILE.fullmatch(digits)
    return m.group(1) if m else None


@lru_cache(maxsize=8192)
def _segment(prefix7: str) -> dict | None:
    """What libphonenumber (and phone.dat) say about a mobile segment (号段, the first 7 digits).

    Validity, type, carrier and region of an 11-digit Chinese mobile number are properties of its
    segment, so one full parse per segment serves every number in it."""
    return _parse_full(prefix7 + "0000")


@lru_cache(maxsize=65536)
def number_type(text: str) -> str | None:
    """mobile / landline / toll_free / … for one number, None when invalid (cached: detection asks
    the same question for mobile, landline and phone)."""
    national = _plain_mobile(text)
    if national is not None:
        segment = _segment(national[:7])
        return segment["phone_type"] if segment else None
    parsed = _parse(text)
    return parsed[2] if parsed else None


def parse_one(text: str) -> dict | None:
    """One number (with any extension) → its attributes, or None when it is not a valid number."""
    national = _plain_mobile(text)
    if national is not None:
        segment = _segment(national[:7])
        if segment is None:
            return None
        e164 = "+86" + national
        return {**segment, "e164": e164, "clean": e164}
    return _parse_full(text)


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


def _dat_carrier(national: str, kind: str) -> str | None:
    if kind != "mobile" or (dat := _phone_dat()) is None:
        return None
    hit = dat.find(national[:7])
    return hit["phone_type"] if hit else None


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


def check_phone(value: str) -> Outcome:
    parts = split_numbers(value)
    parsed = [(p, parse_one(p)) for p in parts]
    bad = [p for p, r in parsed if r is None]
    good = [r for _, r in parsed if r is not None]
    findings = [Finding("phone.invalid", Severity.ERROR, f"not a valid phone number: {p}") for p in bad]
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
    return Outcome("; ".join(r["clean"] for r in good), True, attrs, findings)


def cleanse_phone(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_phone, ATTRIBUTES)
