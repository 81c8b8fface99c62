"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit division code (where the number was first issued), the birth date
YYYYMMDD, a 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character (0-9 or X).
The older 15-digit numbers (1984-1999) have a YYMMDD birth date from 19xx and no check character;
they upgrade to 18 digits by inserting "19" and computing the check.
"""

from __future__ import annotations

import datetime as _dt
import re

from crmtool.cleanse.text import nfkc
from crmtool.cleanse.rule import CONTENT, NOTATION, Finding, Outcome
from crmtool.issues import Severity

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE18 = re.compile(r"\d{17}[\dX]")
ATTRIBUTES = ("birth_date", "gender", "division_code", "province", "city", "district", "masked")


def id_check(body17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def upgrade_15(number15: str) -> str:
    """A 15-digit number as its 18-digit form (born 19YY, check character computed)."""
    body = number15[:6] + "19" + number15[6:]
    return body + id_check(body)


def _birth(yyyymmdd: str) -> _dt.date | None:
    try:
        born = _dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if _dt.date(1880, 1, 1) <= born <= _dt.date.today() else None


def normalise_id(value: str) -> str:
    """NFKC, no spaces or dashes, upper case; Excel's text marker (a leading apostrophe) and float
    suffix (.0) off."""
    text = re.sub(r"[\s\-]", "", nfkc(value)).upper().lstrip("'‘’")
    return text[:-2] if text.endswith(".0") else text


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d{1,2}")


def _excel_damage(number: str) -> str | None:
    """Why an ID number is beyond repair after passing through Excel as a number, or None. Excel keeps
    15 significant digits: an 18-digit number is shown as 1.10101E+17 or stored with its last three
    digits as 000 (and an X check character cannot be a number at all)."""
    if _SCIENTIFIC.fullmatch(number):
        return (f"{number} is Excel's scientific notation: the digits after the first few are lost; take "
                "the ID number from the source (format the column as text before pasting)")
    if len(number) == 18 and number.endswith("000"):
        return ("the last three digits are 000: the number was most likely cut to 15 significant digits by "
                "Excel; check it against the ID card or the source")
    return None


def is_valid_id_number(value: str) -> bool:
    number = normalise_id(value)
    if len(number) == 15 and number.isdigit():
        return _birth("19" + number[6:12]) is not None
    return bool(_SHAPE18.fullmatch(number)) and _birth(number[6:14]) is not None and number[17] == id_check(number[:17])


def mask(number: str, keep_head: int = 6, keep_tail: int = 4, char: str = "*") -> str:
    """For display: 110101********1234 (the first `keep_head` and last `keep_tail` characters kept)."""
    if len(number) <= keep_head + keep_tail:
        return char * len(number)
    return number[:keep_head] + char * (len(number) - keep_head - keep_tail) + number[len(number) - keep_tail:]


def check_id_number(value: str) -> Outcome:
    number = normalise_id(value)
    findings: list[Finding] = []
    if damage := _excel_damage(number):
        return Outcome(None, False, {}, [Finding("id_number.excel_precision", Severity.ERROR, damage)])
    upgraded_from = None
    if len(number) == 15 and number.isdigit():
        if _birth("19" + number[6:12]) is None:
            return Outcome(None, False, {}, [Finding("id_number.birth_date", Severity.ERROR,
                                                     f"no such birth date 19{number[6:12]}")])
        upgraded = upgrade_15(number)
        findings.append(Finding("id_number.upgrade_15", Severity.INFO,
                                "15-digit number upgraded to 18 digits", upgraded))
        upgraded_from, number = number, upgraded
    elif not _SHAPE18.fullmatch(number):
        return Outcome(None, False, {}, [Finding("id_number.format", Severity.ERROR,
                                                 "an ID number has 17 digits and a digit or X (or 15 digits)")])
    elif _birth(number[6:14]) is None:
        return Outcome(None, False, {}, [Finding("id_number.birth_date", Severity.ERROR,
                                                 f"no such birth date {number[6:14]}")])
    elif number[17] != id_check(number[:17]):
        return Outcome(None, False, {}, [Finding("id_number.check_digit", Severity.ERROR,
                                                 f"check character should be {id_check(number[:17])}, is {number[17]}")])
    from crmtool.cleanse.divisions import division_of

    region = division_of(number[:6])
    born = _birth(number[6:14])
    return Outcome(number, True, {
        "birth_date": born.isoformat(), "gender": "male" if int(number[16]) % 2 else "female",
        "division_code": number[:6], "province": region.province if region else None,
        "city": region.city if region else None, "district": region.county if region else None,
        "masked": mask(number)}, findings, CONTENT if upgraded_from else NOTATION)


def cleanse_id_number(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_id_number, ATTRIBUTES)
