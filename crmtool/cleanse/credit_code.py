"""The credit-code column rule: Unified Social Credit Codes (统一社会信用代码) normalised, checked, decoded.

The check characters themselves are defined once, in crmtool.canon.uscc (GB 32100 and GB 11714).
"""

from __future__ import annotations

import re as _re
from functools import lru_cache

from crmtool.canon.uscc import USCC_CHARSET, is_valid_uscc, org_code_check, uscc_check
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.cleanse.text import nfkc
from crmtool.issues import Severity

# ---------------------------------------------------------------------------------------------
# Normalisation, the older identifiers, decoding, and the column rule.
# ---------------------------------------------------------------------------------------------


# GB 32100 appendix: registration authority (position 1) and organisation type (position 2).
AUTHORITIES = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                      "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

ATTRIBUTES = ("code_type", "authority", "org_type", "division_code", "province", "city", "district", "org_code")

_SEPARATORS = _re.compile(r"[\s\-_.·—－–/\\]+")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1"})


def normalise_credit_code(value: str) -> tuple[str, bool]:
    """(normalised code, whether an O→0 / I→1 confusion was repaired).

    NFKC, upper case, no spaces, dashes or dots. O and I never occur in a credit code, an
    organisation code or a registration number, so reading them as 0 and 1 is safe; it is still
    reported, because someone typed the code by hand.
    """
    code = _SEPARATORS.sub("", nfkc(value).upper())
    fixed = code.translate(_CONFUSABLE)
    return fixed, fixed != code


def is_valid_org_code(code: str) -> bool:
    """GB 11714 organisation code: 8 digits/capital letters and the mod-11 check character."""
    if len(code) != 9 or not _re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        return False
    return code[8] == org_code_check(code[:8])


def reg_no_check(body14: str) -> str:
    """GB/T 17710 (ISO 7064 MOD 11,10) check digit of a 15-digit business registration number."""
    p = 10
    for ch in body14:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def is_valid_reg_no(code: str) -> bool:
    """15-digit 工商注册号 (before 2015): a 6-digit authority division code, 8 digits, one check digit."""
    return len(code) == 15 and code.isdigit() and code[14] == reg_no_check(code[:14])


def is_credit_code_like(value: str) -> bool:
    """Valid as any of the three identifiers after normalisation (used by column detection)."""
    code, _ = normalise_credit_code(value)
    return is_valid_uscc(code) or is_valid_org_code(code) or is_valid_reg_no(code)


def decode_uscc(code: str) -> dict[str, str | None]:
    """Authority, organisation type and region of a (valid) 18-character credit code."""
    return {**_decode_head(code[:8]), "org_code": f"{code[8:16]}-{code[16]}"}


def authority_of(head2: str) -> tuple[str | None, str | None]:
    """(registration authority, organisation type) that positions 1-2 of a credit code name."""
    authority, types = AUTHORITIES.get(head2[0], (None, {}))
    return authority, types.get(head2[1])


@lru_cache(maxsize=65536)
def _decode_head(head8: str) -> dict[str, str | None]:
    """What positions 1-8 say (authority, type, division): shared by every code with that head."""
    from crmtool.cleanse.divisions import division_of

    authority, org_type = authority_of(head8[:2])
    region = division_of(head8[2:8])
    return {
        "code_type": "uscc",
        "authority": authority,
        "org_type": org_type,
        "division_code": head8[2:8],
        "province": region.province if region else None,
        "city": region.city if region else None,
        "district": region.county if region else None,
    }


def check_credit_code(value: str) -> Outcome:
    """The credit-code rule for one value: normalise, recognise, validate, decode."""
    code, confused = normalise_credit_code(value)
    findings: list[Finding] = []
    if confused:
        findings.append(Finding("credit_code.confusable_chars", Severity.WARNING,
                                "letters O/I read as digits 0/1", code))
    if len(code) == 18:
        return _check_uscc(code, findings)
    if len(code) == 9 and is_valid_org_code(code):
        out = f"{code[:8]}-{code[8]}"
        findings.append(Finding("credit_code.org_code", Severity.INFO,
                                "a 9-character organisation code (GB 11714), not a credit code", out))
        return Outcome(out, True, {"code_type": "org_code", "org_code": out}, findings)
    if len(code) == 15 and code.isdigit():
        if is_valid_reg_no(code):
            from crmtool.cleanse.divisions import division_of

            region = division_of(code[:6])
            findings.append(Finding("credit_code.reg_no_15", Severity.INFO,
                                    "a 15-digit business registration number, not a credit code", code))
            return Outcome(code, True, {
                "code_type": "reg_no_15", "division_code": code[:6],
                "province": region.province if region else None, "city": region.city if region else None,
                "district": region.county if region else None}, findings)
        findings.append(Finding("credit_code.reg_no_check", Severity.ERROR,
                                "15-digit registration number with a wrong check digit"))
        return Outcome(None, False, {}, findings)
    findings.append(Finding("credit_code.length", Severity.ERROR,
                            f"{len(code)} characters: a credit code has 18 (or 9 / 15 for the older codes)"))
    return Outcome(None, False, {}, findings)


def _check_uscc(code: str, findings: list[Finding]) -> Outcome:
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        findings.append(Finding("credit_code.charset", Severity.ERROR,
                                f"characters not allowed in a credit code: {''.join(bad)}"))
        return Outcome(None, False, {}, findings)
    ok = True
    if not code[8:16].isalnum() or code[16] != org_code_check(code[8:16]):
        findings.append(Finding("credit_code.check_digit_17", Severity.ERROR,
                                f"position 17 (organisation code check, GB 11714) should be "
                                f"{org_code_check(code[8:16])}, is {code[16]}"))
        ok = False
    if code[17] != uscc_check(code[:17]):
        findings.append(Finding("credit_code.check_digit_18", Severity.ERROR,
                                f"position 18 (GB 32100 check) should be {uscc_check(code[:17])}, is {code[17]}"))
        ok = False
    if not ok:
        return Outcome(None, False, {}, findings)
    attrs = decode_uscc(code)
    if attrs["authority"] is None:
        findings.append(Finding("credit_code.authority", Severity.WARNING,
                                f"unknown registration authority code {code[0]}"))
    if attrs["province"] is None:
        findings.append(Finding("credit_code.division", Severity.WARNING,
                                f"unknown administrative division code {code[2:8]}"))
    return Outcome(code, True, attrs, findings)


def cleanse_credit_code(table, column: str):
    """Column rule: `table[column]` as credit codes → RuleResult (clean, status, attributes, issues)."""
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_credit_code, ATTRIBUTES)
