"""Free text: trimmed, control characters removed, and spreadsheet formula injection neutralised.

A cell that starts with = + - @ (or a tab / carriage return before one) is run as a formula by
Excel and LibreOffice when a CSV or workbook is opened (CSV injection, OWASP). The rule flags such
values; `neutralise_formula` prefixes one with an apostrophe, and crmtool.tableio does the same for
every text column it writes to CSV (xlsx cells are written as text, never as formulas). Plain numbers
(-20, +86 138 …) are not formulas and are left alone.
"""

from __future__ import annotations

import re

from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("length",)

_FORMULA_START = re.compile(r"^[\t\r]*[=+\-@]")
_NUMBERISH = re.compile(r"[+-]?[\d\s().,\-]*\d[\d\s().,\-]*%?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_LINE_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def is_formula_like(text: str) -> bool:
    return bool(_FORMULA_START.match(text)) and not _NUMBERISH.fullmatch(text.strip())


def neutralise_formula(text: str) -> str:
    """'=HYPERLINK(…) for =HYPERLINK(…): shown as text, never evaluated."""
    return "'" + text if isinstance(text, str) and is_formula_like(text) else text


def clean_text(value: str) -> str:
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def check_free_text(value: str) -> Outcome:
    text = clean_text(value)
    if not text:
        return Outcome(None, False, {}, [Finding("free_text.empty", Severity.INFO, "only spaces or control characters")])
    findings = []
    if is_formula_like(text):
        findings.append(Finding("free_text.formula", Severity.WARNING,
                                "starts like a spreadsheet formula: written with a leading apostrophe",
                                neutralise_formula(text)))
    return Outcome(text, True, {"length": str(len(text))}, findings)


def cleanse_free_text(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_free_text, ATTRIBUTES)
