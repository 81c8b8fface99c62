"""Dates: the forms Chinese exports hold, to ISO 8601; ambiguous forms reported, not guessed.

Accepted: 2023-01-05, 2023/1/5, 2023.1.5, 20230105, 2023年1月5日 (also 2023年1月), with an optional
time (2023-01-05 14:30[:00], 2023/1/5 2:30 PM, 2023-01-05T14:30:00); Excel serial numbers (1900
date system, Lotus leap-year bug included) when the column is known to be a date; two-digit years
and day-first/month-first forms (05/01/2023) are ambiguous: reported with the readings as suggestion.
"""

from __future__ import annotations

import datetime as _dt
import re

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import CONTENT, NOTATION, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("year", "has_time")

_SEP_DATE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DMY = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2}|\d{4})")
_TIME = re.compile(r"(?:[T\s]+|\s*)(?P<pre>上午|下午|凌晨|晚上)?\s*(?P<h>\d{1,2})[:：](?P<m>\d{2})"
                   r"(?:[:：](?P<s>\d{2})(?:\.\d+)?)?\s*(?P<post>AM|PM|am|pm)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?")
_CN_TIME = re.compile(r"\s*(\d{1,2})\s*[时点]\s*(?:(\d{1,2})\s*分)?(?:\s*(\d{1,2})\s*秒)?")
_YEAR_MONTH = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?")
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")
_SHORT_FRACTION = re.compile(r"\d+\.(\d{1,2})")
_CN_NUMERAL = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_CN_DATE_NUMERALS = re.compile(r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                               r"(?:\s*([一二三四五六七八九十]{1,3})\s*[日号])?")
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)
_MIN, _MAX = _dt.date(1900, 1, 1), _dt.date(2100, 12, 31)


def _date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        value = _dt.date(y, m, d)
    except ValueError:
        return None
    return value if _MIN <= value <= _MAX else None


def _time(rest: str) -> tuple[_dt.time | None, bool]:
    """(time, whether `rest` was fully understood) for what follows the date."""
    if not rest.strip():
        return None, True
    m = _TIME.fullmatch(rest) or _CN_TIME.fullmatch(rest)
    if not m:
        return None, False
    if m.re is _TIME:
        h, mi, s = int(m["h"]), int(m["m"]), int(m["s"] or 0)
        half = (m["pre"] or m["post"] or "").upper()
    else:
        h, mi, s, half = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), ""
    if half in ("PM", "下午", "晚上") and h < 12:
        h += 12
    if half in ("AM", "上午", "凌晨") and h == 12:
        h = 0
    if h > 23 or mi > 59 or s > 59:
        return None, False
    return _dt.time(h, mi, s), True


def excel_serial(value: float) -> _dt.datetime | None:
    """An Excel (1900 system) serial day number as a datetime.

    Excel counts 1900-02-29, a day that never was (serial 60, kept from Lotus 1-2-3): serials below
    60 are one day later than the 1899-12-30 epoch says, and 60 itself is no date.
    """
    if 60 <= value < 61:
        return None
    return _EXCEL_EPOCH + _dt.timedelta(days=value + (1 if value < 60 else 0))


def _money_like(text: str) -> bool:
    """35551.80, 36086.68: decimals as money writes them. Excel writes a date-time serial as a float
    (45000.25 is 06:00, 44927.5 noon; a time with seconds has many decimals): one or two decimals,
    without a trailing zero, that make a whole minute."""
    m = _SHORT_FRACTION.fullmatch(text)
    if m is None or m.group(1) == "0":
        return False
    minutes = int(m.group(1)) / 10 ** len(m.group(1)) * 1440
    return m.group(1).endswith("0") or abs(minutes - round(minutes)) > 1e-6


def _small_numeral(text: str) -> int:
    """一 … 三十一 as a number (十二 = 12, 二十 = 20, 二十五 = 25)."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CN_NUMERAL.get(text, -1) if len(text) == 1 else -1
    if len(tens) > 1 or len(ones) > 1 or (tens and tens not in _CN_NUMERAL) or (ones and ones not in _CN_NUMERAL):
        return -1
    return (_CN_NUMERAL[tens] if tens else 1) * 10 + (_CN_NUMERAL[ones] if ones else 0)


def _from_numerals(text: str) -> str:
    """二〇二三年一月五日 → 2023年1月5日: dates written in Chinese numerals, in Arabic digits."""
    m = _CN_DATE_NUMERALS.search(text)
    if m is None:
        return text
    year = "".join(str(_CN_NUMERAL[c]) for c in m.group(1))
    day = f"{_small_numeral(m.group(3))}日" if m.group(3) else ""
    return text[: m.start()] + f"{year}年{_small_numeral(m.group(2))}月{day}" + text[m.end():]


def parse_date(text: str, allow_serial: bool = False) -> tuple[str | None, str | None]:
    """(ISO date or datetime, None) or (None, the reason: "ambiguous: …" or "unparseable")."""
    text = _from_numerals(basic(text))
    if allow_serial and _money_like(text):
        return None, "a number with decimals as money writes them, not an Excel date"
    if allow_serial and _SERIAL.fullmatch(text):
        serial = float(text)
        if 1 <= serial < 73051:  # 1900-01-01 … 2099-12-31
            moment = excel_serial(serial)
            if moment is None:
                return None, "no such date (Excel serial 60 is the 1900-02-29 that never was)"
            return (moment.date().isoformat() if serial == int(serial) else moment.isoformat(timespec="seconds")), None
    if m := _YEAR_MONTH.fullmatch(text):  # a month, not a day: kept as YYYY-MM
        month = _date(int(m.group(1)), int(m.group(2)), 1)
        return (month.isoformat()[:7], None) if month else (None, "no such date")
    for pattern in (_SEP_DATE, _CN_DATE, _COMPACT):
        m = pattern.match(text)
        if not m:
            continue
        day = m.group(3) if m.lastindex and m.lastindex >= 3 and m.group(3) else None
        if pattern is _CN_DATE and day is None:
            date = _date(int(m.group(1)), int(m.group(2)), 1)
            if date and not text[m.end():].strip():
                return date.isoformat()[:7], None
            return None, "unparseable"
        date = _date(int(m.group(1)), int(m.group(2)), int(day))
        if date is None:
            return None, "no such date"
        if pattern is _COMPACT and len(text) > 8 and text[8].isdigit():
            return None, "unparseable"
        moment, ok = _time(text[m.end():])
        if not ok:
            return None, "unparseable"
        if moment is None or moment == _dt.time(0):  # "2023-01-05 00:00:00": a date cell, as text
            return date.isoformat(), None
        return _dt.datetime.combine(date, moment).isoformat(timespec="seconds"), None
    m = _DMY.fullmatch(text)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
        readings = sorted({d.isoformat() for d in (_date(_year(y), b, a), _date(_year(y), a, b)) if d})
        if len(readings) == 1 and len(y) == 4:
            return readings[0], None  # 25/12/2023: only one reading exists
        if readings:
            return None, "ambiguous: " + " or ".join(readings)
    return None, "unparseable"


def _year(y: str) -> int:
    return int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))


def is_valid_date(value: str, allow_serial: bool = False) -> bool:
    return parse_date(value, allow_serial)[0] is not None


def make_check(allow_serial: bool = True):
    def check_date(value: str) -> Outcome:
        iso, reason = parse_date(value, allow_serial)
        if iso is None:
            if reason and reason.startswith("ambiguous"):
                return Outcome(None, False, {}, [Finding("date.ambiguous", Severity.ERROR,
                                                         f"ambiguous date ({reason[11:]})", reason[11:])])
            return Outcome(None, False, {}, [Finding("date.unparseable", Severity.ERROR, f"not a date: {reason}")])
        findings = []
        serial = allow_serial and _SERIAL.fullmatch(basic(value)) is not None
        if serial:
            findings.append(Finding("date.excel_serial", Severity.INFO, "Excel serial number read as a date", iso))
        return Outcome(iso, True, {"year": iso[:4], "has_time": str("T" in iso).lower()}, findings,
                       CONTENT if serial else NOTATION)

    return check_date


check_date = make_check(True)


def cleanse_date(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_date, ATTRIBUTES)
