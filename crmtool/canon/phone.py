"""The canonical form of a phone number, as the cleanse stage writes it and verify and the scan check it.

E.164 (`+86` and the national number without its trunk 0), `;ext=N` for an extension, several
numbers in one cell joined by "; ". crmtool.cleanse.phone produces it (phonenumbers' E.164 format);
crmtool.validate.rules compiles these patterns into SQL and great-expectations checks.
"""

from __future__ import annotations

import re

CN_MOBILE = r"\+861[3-9][0-9]{9}"
CN_LANDLINE = r"\+86(?:10[0-9]{8}|2[0-9]{9}|[3-9][0-9]{9,10})"
OTHER_COUNTRY = r"\+(?:[1-79][0-9]{6,14}|8[0-57-9][0-9]{5,13})"
ONE_PHONE = rf"(?:{CN_MOBILE}|{CN_LANDLINE}|{OTHER_COUNTRY})(?:;ext=[0-9]{{1,6}})?"
PHONE = rf"{ONE_PHONE}(?:; {ONE_PHONE})*"
MOBILE = rf"{CN_MOBILE}(?:; {CN_MOBILE})*"
SEPARATOR = "; "

_PHONE, _MOBILE = re.compile(PHONE), re.compile(MOBILE)


def is_canonical_phone(value: str) -> bool:
    """True when `value` is one or more numbers in the canonical form."""
    return _PHONE.fullmatch(value) is not None


def is_canonical_mobile(value: str) -> bool:
    """True when `value` is one or more Chinese mobile numbers in the canonical form."""
    return _MOBILE.fullmatch(value) is not None
