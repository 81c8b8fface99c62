"""Masking one value by its kind, and scrubbing the patterns of identifiers out of free text.

Without a key a value keeps only its documented part (docs/mask.md) and `*` stands for the rest;
masking is idempotent: every function is applied until its result no longer changes, and a value
that will not settle is hidden whole. With a key the hidden part becomes a keyed pseudonym of the
same format (an 11-digit mobile, an ID number with a valid check digit, …).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

from crmtool.canon.uscc import ORG_CHECK_CHARS, USCC_CHARSET, org_code_check, uscc_check
from crmtool.mask.pseudonym import DIGITS, GIVEN_NAME_CHARS, HEX, draw

HIDDEN = "*"
_SEPARATORS = re.compile(r"[\s\-()（）]")
_ID18 = re.compile(r"[0-9]{10}[0-9*]{7}[0-9X*]")
_ID15 = re.compile(r"[0-9]{8}[0-9*]{7}")
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[0-9]{2}[0-9*]{8})")
_EXTENSION = re.compile(r"(?:;ext=|ext\.?|转|#|-)([0-9*]{1,6})$", re.IGNORECASE)
_LANDLINE = re.compile(r"(?:(?:\+?86|0086)(?=[1-9])|(?=0))?(0?(?:[12][0-9]|[3-9][0-9]{2}))?([0-9*]{5,8})")
_PHONE_SPLIT = re.compile(r"([;；,，/、|\n]+)")
_USCC = re.compile(r"[0-9A-Z*]{18}")
INDIVIDUAL_BUSINESS = "92"
"""Credit codes of 个体工商户 (registration 9, type 2): registered to a natural person; they keep 2 characters, not 8."""

_TEXT_PATTERNS = (  # order matters: an ID number is also a credit code's shape
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")),
    ("id_number", re.compile(r"(?<![0-9A-Za-z*])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z*])")),
    ("credit_code", re.compile(r"(?<![0-9A-Za-z*])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z*])")),
    ("mobile", re.compile(r"(?<![0-9*+])(?:\+?86[ \-]?)?1[3-9][0-9]{9}(?![0-9*])")),
    ("landline", re.compile(r"(?<![0-9*+])(?:\+?86[ \-]?|0)[1-9][0-9]{1,2}[ \-]?[2-9][0-9]{6,7}(?![0-9*])")),
)


_PHONE_PATTERN = re.compile("|".join(p.pattern for k, p in _TEXT_PATTERNS if k in ("mobile", "landline")))


def hide_all(value: str) -> str:
    """Every character but white space as `*`: the fallback when a value is not of its kind."""
    return "".join(c if c.isspace() else HIDDEN for c in value)


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def mask_id_number(value: str, key: bytes | None = None) -> str:
    """Region code (6) and birth year (4) kept; a keyed pseudonym is a valid GB 11643 number of that region and year."""
    from crmtool.cleanse.id_number import id_check, upgrade_15

    number = _compact(value)
    if _ID15.fullmatch(number):
        number = upgrade_15(number) if number.isdigit() else number[:6] + "19" + number[6:] + HIDDEN
    if not _ID18.fullmatch(number):
        return hide_all(value)
    head = number[:10]
    if key is None or HIDDEN in number:
        return head + HIDDEN * 8
    digits = draw(key, "id_number", number, DIGITS, 7)
    body = f"{head}{int(digits[:2]) % 12 + 1:02d}{int(digits[2:4]) % 28 + 1:02d}{digits[4:]}"
    return body + id_check(body)


def mask_mobile(value: str, key: bytes | None = None) -> str:
    """Carrier prefix (3) and the last 4 digits kept: 138****5678; keyed: 138 and 8 pseudonymous digits."""
    match = _MOBILE.fullmatch(_compact(value))
    if not match:
        return hide_all(value)
    number = match.group(1)
    if key is None or HIDDEN in number:
        return number[:3] + HIDDEN * 4 + number[7:]
    return number[:3] + draw(key, "mobile", number, DIGITS, 8)


def mask_landline(value: str, key: bytes | None = None) -> str:
    """Area code and the last 2 digits kept (010-******78); an extension is hidden whole."""
    text = _compact(value)
    extension = _EXTENSION.search(text) if len(text) > 9 else None
    if extension:
        text = text[:extension.start()]
    match = _LANDLINE.fullmatch(text)
    if not match:
        return hide_all(value)
    area, local = match.group(1) or "", match.group(2)
    area = area if not area or area.startswith("0") else "0" + area
    ext = f"#{HIDDEN * len(extension.group(1))}" if extension else ""
    prefix = f"{area}-" if area else ""
    if key is None or HIDDEN in local:
        return prefix + HIDDEN * (len(local) - 2) + local[-2:] + ext
    token = draw(key, "landline_first", area + local, "2345678", 1) + draw(key, "landline", area + local, DIGITS, len(local) - 1)
    return prefix + token + ext


def mask_phone(value: str, key: bytes | None = None) -> str:
    """A column of both, and of cells with several numbers (13800138000/010-62551234, 微信同号 notes):
    each number as a mobile or a landline; a part that holds no number is hidden whole."""
    parts = _PHONE_SPLIT.split(value)
    return "".join(part if i % 2 else _mask_phone_part(part, key) for i, part in enumerate(parts))


def _mask_phone_part(part: str, key: bytes | None) -> str:
    if not part.strip():
        return part
    compact = _compact(part)
    if _MOBILE.fullmatch(compact):
        return mask_mobile(part, key)
    if _LANDLINE.fullmatch(compact) or _EXTENSION.search(compact):
        masked = mask_landline(part, key)
        if set(masked) != {HIDDEN}:
            return masked
    found = _PHONE_PATTERN.sub(lambda m: _mask_phone_part(m.group(0), key), part)
    return found if found != part else hide_all(part)


def mask_email(value: str, key: bytes | None = None) -> str:
    """The domain kept: ***@example.com; keyed: u<12 hex>@example.com."""
    local, at, domain = unicodedata.normalize("NFKC", value).strip().rpartition("@")
    domain = domain.lower()
    if not at or not local or not domain or "@" in local:
        return hide_all(value)
    if key is None or local == HIDDEN * 3:
        return f"{HIDDEN * 3}@{domain}"
    return f"u{draw(key, 'email', local.lower() + '@' + domain, HEX, 12)}@{domain}"


def _surname(name: str) -> str:
    from crmtool.cleanse.person_name import COMPOUND_SURNAMES

    return next((c for c in COMPOUND_SURNAMES if name.startswith(c) and len(name) > 2), name[:1])


def mask_person_name(value: str, key: bytes | None = None) -> str:
    """The surname kept: 张*, 欧阳**; a Latin name keeps its last word (**** Smith); keyed Chinese given
    names become other given-name characters (张伟明)."""
    name = value.strip()
    if not name:
        return value
    words = name.split()
    if len(words) > 1 and name.isascii():
        return " ".join([*(hide_all(w) for w in words[:-1]), words[-1]])
    surname = _surname(name)
    rest = name[len(surname):]
    if key is None or not rest or set(rest) == {HIDDEN} or not _is_han(surname):
        return surname + hide_all(rest)
    return surname + draw(key, "person_name", name, GIVEN_NAME_CHARS, max(len(rest), 2))


def _is_han(text: str) -> bool:
    return bool(text) and all("\u3400" <= c <= "\u9fff" for c in text)


def mask_address(value: str, key: bytes | None = None) -> str:
    """Kept up to the district (北京市海淀区***); keyed: the district and a pseudonym of the rest."""
    from crmtool.cleanse.address import normalise_address, parse_address

    text = normalise_address(value)
    region = parse_address(text)["region_text"] or "" if text else ""
    rest = text[text.find(region) + len(region):] if region and region in text else text
    if key is None or not rest or set(rest) == {HIDDEN}:
        return region + HIDDEN * 3
    return f"{region}#{draw(key, 'address', rest, HEX, 10)}"


def mask_credit_code(value: str, key: bytes | None = None, valid_codes: bool = False) -> str:
    """The first 8 characters (registration authority, type, region) kept, except for individual businesses
    (2 kept). Keyed: the organisation code (positions 9-17) becomes a pseudonym of itself, so codes that
    share it still do; with `valid_codes` a code keeps its validity (each check character right when it
    was right), without it both check characters are wrong, so no token passes for a real code."""
    from crmtool.cleanse.credit_code import normalise_credit_code

    code = normalise_credit_code(value)[0]
    if not _USCC.fullmatch(code):
        return hide_all(value)
    keep = 2 if code.startswith(INDIVIDUAL_BUSINESS) else 8
    if key is None or HIDDEN in code:
        return code[:keep] + HIDDEN * (18 - keep)
    head = code[:keep] + draw(key, "uscc_region", code[:8], DIGITS, 8 - keep)
    org = draw(key, "org_code", code[8:17], USCC_CHARSET, 8)
    org_ok = valid_codes and _checks_out(code[8:16], code[16], org_code_check)
    body = head + org + _check_char(org_code_check(org), org_ok, ORG_CHECK_CHARS)
    uscc_ok = valid_codes and _checks_out(code[:17], code[17], uscc_check)
    return body + _check_char(uscc_check(body), uscc_ok, USCC_CHARSET)


def _checks_out(body: str, check: str, compute: Callable[[str], str]) -> bool:
    try:
        return compute(body) == check
    except (KeyError, ValueError):
        return False


def _check_char(right: str, valid: bool, charset: str) -> str:
    """The right check character, or the next one of its set (deterministically wrong)."""
    return right if valid else charset[(charset.index(right) + 1) % len(charset)]


def scrub_text(value: str, key: bytes | None = None) -> str:
    """Free text with every e-mail, ID number, credit code, mobile and landline in it masked (never keyed:
    free text is read, not joined)."""
    for kind, pattern in _TEXT_PATTERNS:
        value = pattern.sub(lambda m, k=kind: MASKERS[k](m.group(0)), value)
    return value


MASKERS: dict[str, Callable[..., str]] = {
    "id_number": mask_id_number, "mobile": mask_mobile, "landline": mask_landline, "phone": mask_phone,
    "email": mask_email, "person_name": mask_person_name, "address": mask_address,
    "credit_code": mask_credit_code, "free_text": scrub_text,
}
SETTLE_ROUNDS = 4


def mask_value(value: str, kind: str, key: bytes | None = None, *, valid_codes: bool = False) -> str:
    """`value` masked as a `kind` (one of MASKERS; other kinds are scrubbed as free text)."""
    masker = MASKERS.get(kind, scrub_text)
    extra = {"valid_codes": valid_codes} if masker is mask_credit_code else {}
    result = masker(value, key, **extra)
    if key is not None and masker is not scrub_text:
        return result
    return _settle(masker, result)


def _settle(masker: Callable[..., str], value: str) -> str:
    """Mask again until nothing changes, so that masking a masked value gives it back; a value that
    does not settle is hidden whole."""
    for _ in range(SETTLE_ROUNDS):
        again = masker(value)
        if again == value:
            return value
        value = again
    return masker(hide_all(value))
