"""Money amounts: ¥/￥/RMB/元, 万元/亿元 multipliers, thousands separators, 大写 (financial numerals).

The clean value is a plain decimal string in yuan (万元 multiplied out), so that a CRM number field
can take it; the unit written in the cell is kept as an attribute.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crmtool.cleanse.text import basic, to_simplified
from crmtool.cleanse.rule import NOTATION, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("unit", "currency")

_UNITS = {"元": 1, "圆": 1, "块": 1, "万": 10_000, "万元": 10_000, "千元": 1000, "千": 1000,
          "百万": 1_000_000, "百万元": 1_000_000, "亿": 100_000_000, "亿元": 100_000_000, "万亿": 10**12}
_CURRENCY = re.compile(r"^(?:¥|￥|RMB|CNY|人民币|US\$|\$|USD|美元|HK\$|HKD|港元|港币|EUR|€|欧元)\s*", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s*(人民币|美元|港元|港币|欧元|RMB|CNY|USD|HKD|EUR)$", re.IGNORECASE)
_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万亿|百万元|百万|万元|千元|亿元|万|千|亿|元|圆|块)?(?:整|正)?")
_CODES = {"¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "人民币": "CNY", "us$": "USD", "$": "USD",
          "usd": "USD", "美元": "USD", "hk$": "HKD", "hkd": "HKD", "港元": "HKD", "港币": "HKD", "eur": "EUR",
          "€": "EUR", "欧元": "EUR"}
_DIGITS = {"零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "二": 2, "两": 2, "叁": 3, "参": 3, "三": 3, "肆": 4, "四": 4,
           "伍": 5, "五": 5, "陆": 6, "六": 6, "柒": 7, "七": 7, "捌": 8, "八": 8, "玖": 9, "九": 9}
_SMALL = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_FRACTION = {"角": Decimal("0.1"), "分": Decimal("0.01"), "厘": Decimal("0.001")}
_CAPITAL = re.compile(r"^[零〇壹一贰二两叁参三肆四伍五陆六柒七捌八玖九拾十佰百仟千万亿元圆角分厘整正]+$")


def parse_capital(text: str) -> Decimal | None:
    """大写 amount (壹佰万元整, 叁仟伍佰元伍角) → Decimal; None if it is not one."""
    if not _CAPITAL.match(text) or not any(c in _DIGITS or c in _SMALL for c in text):
        return None
    text = text.rstrip("整正")
    integer, _, fraction = text.replace("圆", "元").partition("元")
    total, wan, section, digit = 0, 0, 0, 0  # ≥亿, the 万 group below 亿, below 万, the pending digit
    for ch in integer:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL:
            section += (digit or 1) * _SMALL[ch]
            digit = 0
        elif ch == "万":
            wan = (section + digit) * 10_000
            section, digit = 0, 0
        elif ch == "亿":
            total = (total + wan + section + digit) * 100_000_000
            wan, section, digit = 0, 0, 0
        else:
            return None
    value = Decimal(total + wan + section + digit)
    digit = None
    for ch in fraction:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _FRACTION and digit is not None:
            value += digit * _FRACTION[ch]
            digit = None
        else:
            return None
    return value


def parse_amount(value: str) -> tuple[Decimal, str, str] | None:
    """(amount in the unit's base, unit written, currency) or None."""
    text = basic(value).replace(" ", "")
    currency = "CNY"
    m = _CURRENCY.match(text)
    if m:
        currency = _CODES.get(m.group(0).strip().lower(), "CNY")
        text = text[m.end():]
    m = _CURRENCY_AFTER.search(text)
    if m:
        currency = _CODES.get(m.group(1).lower(), "CNY")
        text = text[: m.start()]
    if (capital := parse_capital(to_simplified(text))) is not None:  # 壹萬貳仟元整 as 壹万贰仟元整
        return capital, "元", currency
    m = _NUMBER.fullmatch(text)
    if not m or (len(m.group(2)) > 1 and m.group(2).startswith("0")):  # 000123 is a code, not money
        return None
    try:
        number = Decimal(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))
    except InvalidOperation:
        return None
    unit = m.group(4) or ""
    return number * _UNITS.get(unit, 1), unit, currency


def format_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text[:-2] if text.endswith(".0") else text


def is_valid_amount(value: str) -> bool:
    return parse_amount(value) is not None


_MOBILE = re.compile(r"1[3-9]\d{9}")


def check_amount(value: str) -> Outcome:
    if _MOBILE.fullmatch(basic(value)):
        return Outcome(None, False, {}, [Finding("amount.unparseable", Severity.ERROR,
                                                 "a mobile number, not an amount: are the columns swapped?")])
    parsed = parse_amount(value)
    if parsed is None:
        return Outcome(None, False, {}, [Finding("amount.unparseable", Severity.ERROR, "not an amount")])
    number, unit, currency = parsed
    findings = []
    if number < 0:
        findings.append(Finding("amount.negative", Severity.WARNING, "negative amount"))
    return Outcome(format_decimal(number), True, {"unit": unit or None, "currency": currency}, findings, NOTATION)


def cleanse_amount(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_amount, ATTRIBUTES)
