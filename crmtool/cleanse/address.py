"""Addresses: province / city / district parsed from the start of the text; the rest kept as detail.

A parser of our own over the shipped division table (divisions.csv), not jionlp: jionlp pulls in a
large dependency set and a data bundle for a job this table does (see docs/cleanse.md). Municipalities
(北京 上海 天津 重庆) are their own province and city. A city or district named without its province
(深圳市南山区…, 海淀区…) gets its province from the table when the name is unique.
"""

from __future__ import annotations

import re

from crmtool.cleanse.text import basic, to_simplified
from crmtool.cleanse.rule import CONTENT, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("province", "city", "district", "division_code", "detail")

_STREET = re.compile(r"(路|街|道|巷|弄|号|村|镇|乡|楼|栋|室|大厦|广场|园区|工业区|开发区|小区|花园|座|层|单元)")
_POSTCODE = re.compile(r"^\d{6}\s*|\s*(?:邮编|邮政编码)?[:：]?\d{6}$")


def normalise_address(value: str) -> str:
    text = basic(value)
    text = re.sub(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])", "", text)
    text = text.replace("(", "（").replace(")", "）")
    return text.strip(" ,，;；")


def parse_address(text: str) -> dict[str, str | None]:
    from crmtool.cleanse.divisions import parse_region_prefix

    text = text.replace("中国", "", 1) if text.startswith("中国") else text
    found = parse_region_prefix(text, min_rest=0)
    return {"province": found.province, "city": found.city, "district": found.county,
            "division_code": found.code, "detail": found.rest or None, "conflict": found.conflict,
            "region_text": found.text}


def is_address_like(value: str) -> bool:
    """Reads as a postal address (used by column detection)."""
    text = normalise_address(value)
    if len(text) < 4:
        return False
    parsed = parse_address(text)
    return bool(parsed["province"] or parsed["city"]) and bool(parsed["detail"]) or (
        bool(parsed["region_text"]) and bool(_STREET.search(text)))


_NOT_ADDRESS = re.compile(r"@|^[\d\s+\-()（）.]+$")
_ORG_ENDING = re.compile(r"(公司|集团|合伙）?|企业|合作社|事务所|工作室|中心|厂|店|行)$")


def _not_an_address(text: str, parsed: dict) -> str | None:
    """Why a value in an address column is something else (a phone, an e-mail, a company or person
    name), or None."""
    if _NOT_ADDRESS.search(text):
        return "a phone number or e-mail address, not an address"
    detail = parsed["detail"] or ""
    if _STREET.search(detail if parsed["region_text"] else text):
        return None
    if _ORG_ENDING.search(text):
        return "a company name, not an address"
    if not parsed["province"] and not parsed["city"]:
        return "no region and no street: not an address"
    return None


_STREET_WORD = re.compile(r"(?:路|街|大道|大街|道|巷|里|弄)")


def _street_named_after(place: str, detail: str) -> bool:
    """北京市中山路, 上海市南京路: a street named after a place (by its short form), not the place."""
    return not place.endswith(("省", "市", "区", "县", "州", "盟", "旗")) and detail.startswith(place) and _STREET_WORD.match(detail, len(place)) is not None


def check_address(value: str) -> Outcome:
    text = normalise_address(value)
    simplified = to_simplified(text)
    was_traditional = simplified != text
    changed = was_traditional or text.startswith("中国")  # a country name dropped is content too
    text = simplified
    if len(re.sub(r"[\W_]", "", text)) < 2:
        return Outcome(None, False, {}, [Finding("address.format", Severity.ERROR, "not an address")])
    parsed = parse_address(text)
    findings: list[Finding] = []
    if why := _not_an_address(text, parsed):
        return Outcome(None, False, {}, [Finding("address.format", Severity.ERROR, f"{why}: are the columns swapped?")])
    if parsed["conflict"] and not _street_named_after(parsed["conflict"], parsed["detail"] or ""):
        return Outcome(None, False, {}, [Finding(
            "address.inconsistent", Severity.ERROR,
            f"{parsed['conflict']} is not in {parsed['city'] or parsed['province']}: check which of the two is right")])
    if not parsed["province"] and not parsed["city"]:
        findings.append(Finding("address.no_region", Severity.INFO, "no province or city recognised"))
    elif not parsed["detail"]:
        findings.append(Finding("address.no_detail", Severity.WARNING, "only a region, no street address"))
    attrs = {k: parsed[k] for k in ATTRIBUTES}
    if text.startswith("中国") and parsed["region_text"]:  # 中国浙江省…, not 中国（上海）自由贸易试验区
        text = text[2:]
    if was_traditional:
        findings.append(Finding("address.traditional", Severity.INFO, "traditional characters simplified", text))
    return Outcome(text, True, attrs, findings, CONTENT if changed else None)


def cleanse_address(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_address, ATTRIBUTES)
