"""The plain cleanser crmtool is compared with: what a careful engineer writes in an afternoon with the
usual libraries (python-stdnum, phonenumbers, OpenCC, dateutil, NFKC), one function per field kind.

`plain_cleanse(kind, text) -> (status, clean)`, status ok / fixed / invalid like crmtool's.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache

_HAN = re.compile(r"[\u4e00-\u9fff]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


@cache
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def _text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _chinese(text: str) -> str:
    return _opencc().convert(re.sub(r"\s+", "", _text(text)))


def company_name(text: str) -> str | None:
    name = _chinese(text).replace("(", "（").replace(")", "）").strip("\"'“”*")
    return name if len(_HAN.findall(name)) >= 2 else None


def credit_code(text: str) -> str | None:
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return uscc.validate(_text(text).upper())
    except ValidationError:
        return None


def phone(text: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(_text(text), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(text: str) -> str | None:
    address = _text(text).replace(" ", "").lower()
    return address if _EMAIL.fullmatch(address) else None


def id_number(text: str) -> str | None:
    """Check character and birth date with stdnum; not `ric.validate`, whose birth-place check rejects
    an ID whose district code is younger than its holder (every ID issued after a district was made)."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    number = ric.compact(_text(text).upper())
    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return None
    return number if ric.calc_check_digit(number) == number[17] else None


def date(text: str) -> str | None:
    from dateutil import parser

    try:
        return parser.parse(_text(text), yearfirst=True).date().isoformat()
    except (ValueError, OverflowError):
        return None


def address(text: str) -> str | None:
    value = _chinese(text)
    return value if len(_HAN.findall(value)) >= 4 else None


_UNITS = {"万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000, "元": 1}


def amount(text: str) -> str | None:
    value = _text(text).replace(",", "").replace(" ", "")
    value = re.sub(r"^(¥|￥|RMB|CNY)", "", value, flags=re.IGNORECASE)
    factor = 1
    for unit, times in _UNITS.items():
        if value.endswith(unit):
            value, factor = value[: -len(unit)], times
            break
    try:
        number = Decimal(value) * factor
    except InvalidOperation:
        return None
    text = format(number.normalize(), "f")
    return text


def person_name(text: str) -> str | None:
    name = _chinese(text)
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
        return name
    latin = _text(text)
    return latin.title() if re.fullmatch(r"[A-Za-z]+(?: [A-Za-z]+){1,3}", latin) else None


CLEANSERS = {"company_name": company_name, "credit_code": credit_code, "mobile": phone, "landline": phone,
             "phone": phone, "email": email, "id_number": id_number, "date": date, "address": address,
             "amount": amount, "person_name": person_name}


def plain_cleanse(kind: str, text: str) -> tuple[str, str | None]:
    """(status, clean value) for one cell."""
    if not text.strip():
        return "empty", None
    clean = CLEANSERS[kind](text)
    if clean is None:
        return "invalid", None
    return ("ok" if clean == text else "fixed"), clean
