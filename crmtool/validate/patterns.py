"""The canonical forms the map stage writes, as regular expressions verify compiles to each engine.

Written in the subset that RE2 (DuckDB), PostgreSQL and Python's `re` read alike: explicit classes
such as `[0-9]` instead of `\\d`, no look-around, no `.`. Phone numbers and credit codes have their
definitions in crmtool.canon (re-exported here for the rule compilers).
"""

from __future__ import annotations

from crmtool.canon.blank import BLANK_CHARS
from crmtool.canon.phone import CN_LANDLINE, CN_MOBILE, MOBILE, OTHER_COUNTRY, PHONE
from crmtool.canon.uscc import ORG_WEIGHTS, USCC_CHARSET, USCC_SHAPE, USCC_WEIGHTS

__all__ = ["BLANK_CHARS", "CN_LANDLINE", "CN_MOBILE", "MOBILE", "OTHER_COUNTRY", "PHONE", "ORG_WEIGHTS",
           "USCC_CHARSET", "USCC_SHAPE", "USCC_WEIGHTS"]

_NON_ASCII = r"[^\x01-\x7F]"
_YEAR = r"[1-9][0-9]{3}"
_LEAP_YEAR = r"(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[13579][26]|[2468][048])00)"
DATE = (rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)")
TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
DATETIME = rf"{DATE}(?: {TIME})?"
INTEGER = r"-?[0-9]{1,18}"
DECIMAL = r"-?[0-9]{1,16}(?:\.[0-9]{1,2})?"
NUMBER = r"-?[0-9]{1,20}(?:\.[0-9]{1,10})?"
"""What range rules compare as a number; anything else is the type rule's business."""
BOOLEAN = r"true|false"

_LABEL_CHAR = rf"(?:[A-Za-z0-9]|{_NON_ASCII})"
_LABEL = rf"{_LABEL_CHAR}(?:(?:[A-Za-z0-9-]|{_NON_ASCII}){{0,61}}{_LABEL_CHAR})?"
_TLD = rf"(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}}|{_NON_ASCII}{{2,63}})"
HOSTNAME = rf"(?:{_LABEL}\.)+{_TLD}"
URL = rf"(?:[Hh][Tt][Tt][Pp][Ss]?://)?{HOSTNAME}(?::[0-9]{{1,5}})?(?:[/?#][^\x01-\x20]*)?"
_ATOM = r"[A-Za-z0-9!#$\x25&'*+/=?^_`{|}~-]+"  # \x25 is %: no % in SQL text (psycopg placeholders)
EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@{HOSTNAME}"
EMAIL_LOCAL_LENGTH = r"[^@]{1,64}@[^@]+"
EMAIL_MAX_LENGTH = 254

TYPE_PATTERNS = {"integer": INTEGER, "decimal": DECIMAL, "boolean": BOOLEAN, "date": DATE, "datetime": DATETIME,
                 "url": URL, "email": EMAIL}
TYPE_WORDS = {
    "integer": "a whole number (digits only, e.g. 120)",
    "decimal": "a number with at most 2 decimals (e.g. 128000.00)",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD that exists (e.g. 2024-03-15)",
    "datetime": "a date and time YYYY-MM-DD HH:MM:SS (e.g. 2024-03-15 14:30:00)",
    "url": "a web address (e.g. https://www.example.cn)",
    "email": "an e-mail address (e.g. zhang@example.cn)",
}


_CLASSES_OUTSIDE = {"d": "[0-9]", "D": "[^0-9]", "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
                    "s": "[\\t\\n\\f\\r ]", "S": "[^\\t\\n\\f\\r ]"}
_CLASSES_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}


def ascii_classes(pattern: str) -> str:
    """`pattern` with \\d \\w \\s (and \\D \\W \\S outside brackets) spelled out as ASCII classes.

    RE2 (DuckDB) reads them as ASCII, Python's `re` as Unicode (a full-width digit is \\d there) and
    PostgreSQL by its locale; spelled out, a user's pattern means the same to every engine."""
    out: list[str] = []
    i, inside = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            table = _CLASSES_INSIDE if inside else _CLASSES_OUTSIDE
            out.append(table.get(nxt, pattern[i:i + 2]))
            i += 2
            continue
        out.append(ch)
        i += 1
        if ch == "[" and not inside:
            inside = True
            for literal_start in ("^", "]"):  # "[]…]" and "[^]…]": the first ] is a member
                if pattern[i:i + 1] == literal_start:
                    out.append(literal_start)
                    i += 1
        elif ch == "]" and inside:
            inside = False
    return "".join(out)


