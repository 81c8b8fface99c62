"""Company names: normalised text, organisation form, region, branch flag and a trade-name key.

Normalisation: NFKC (full-width → half-width), traditional → simplified Chinese (OpenCC's t2s, the
`opencc` wheel), control characters and stray punctuation removed, spaces removed between Chinese
characters (kept between Latin words), every bracket made the full-width （） that registrations use.

Parsing, from the end: a branch part (…有限公司北京分公司 → branch), then the organisation form by the
longest matching suffix, then a region: a bracketed infix whose content is a division name
(腾讯科技（深圳）有限公司) or a prefix of division names (广东省深圳市…, 上海…). Only province and
prefecture names may be stripped by their short form (上海, 深圳); county names only in full
(浦东新区), so that 上海浦东发展银行 keeps 浦东发展 in its trade name.
"""

from __future__ import annotations

import re
from functools import cache

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("org_form", "region", "province", "city", "is_branch", "branch", "parent", "trade_name", "name_key")

ORG_FORMS = (
    "集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份合作公司", "集团公司", "总公司",
    "合伙企业（有限合伙）", "合伙企业（普通合伙）", "（特殊普通合伙）", "（有限合伙）", "（普通合伙）", "合伙企业",
    "个人独资企业", "农民专业合作社", "专业合作社", "合作社", "股份合作社", "公司", "有限合伙",
    "律师事务所", "会计师事务所", "事务所", "工作室", "个体工商户", "经营部", "门市部", "商行", "商店", "企业",
    "研究院", "研究所", "基金会", "协会", "商会", "学会", "医院", "学校", "幼儿园", "中心", "厂",
)
ENGLISH_FORMS = (
    "co., ltd.", "co.,ltd.", "co., ltd", "co.,ltd", "co. ltd.", "co ltd", "company limited", "company ltd.",
    "pte. ltd.", "pte ltd", "pty ltd", "limited", "ltd.", "ltd", "incorporated", "inc.", "inc", "corporation",
    "corp.", "corp", "company", "co.", "llc", "l.l.c.", "llp", "plc", "gmbh & co. kg", "gmbh", "ag", "s.a.",
    "s.a.s.", "s.r.l.", "b.v.", "n.v.", "k.k.", "oy", "ab",
)
_FORMS_LONGEST_FIRST = tuple(sorted(ORG_FORMS, key=len, reverse=True))
_ENGLISH_LONGEST_FIRST = tuple(sorted(ENGLISH_FORMS, key=len, reverse=True))
BRANCH_WORDS = ("分公司", "分行", "支行", "办事处", "营业部", "分店", "代表处", "分所", "分厂", "分部", "分中心",
                "分社", "营业所", "分理处")
# Where a parent's name ends, so that "中国工商银行北京分行" splits into parent and branch.
_PARENT_ENDINGS = tuple(f for f in ORG_FORMS if len(f) >= 2) + ("银行", "集团", "保险", "证券")
_STRAY = re.compile(r"[\"'“”‘’`*#★☆※~^|<>《》「」『』]+")
_OPEN = re.compile(r"\s*[(\[【〔［｛{]\s*")
_CLOSE = re.compile(r"\s*[)\]】〕］｝}]\s*")
_HAN = r"\u3400-\u9fff"
_SPACE_NEAR_HAN = re.compile(rf"(?<=[{_HAN}（）])\s+|\s+(?=[{_HAN}（）])")
_TRAILING_PUNCT = re.compile(r"(?<![A-Za-z])[\s,.;:，。；：、!！?？\-_/]+$|[\s,;:，。；：、!！?？\-_/]+$")
_LEADING_PUNCT = re.compile(r"^[\s,.;:，。；：、!！?？\-_/]+")
_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]")
_ANY_HAN = re.compile(rf"[{_HAN}]")
_OPEN_ASCII = re.compile(r"\s*\(\s*")
_BRACKETED = re.compile(r"（([^（）]{2,12})）")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_LETTER = re.compile(r"[\W\d_]")
_LIKE = re.compile(r"(公司|集团|厂|店|中心|银行|医院|学校|合作社|事务所|工作室|协会|商会|研究院|研究所|经营部|商行|"
                   r"门市部|企业|基金会|办事处|分行|支行|营业部|有限合伙|\bco\b|\bltd\b|\binc\b|\bllc\b|\bgmbh\b|corp)",
                   re.IGNORECASE)


@cache
def _t2s():
    try:
        import opencc
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


def normalise_company_name(value: str) -> str:
    return _normalise(value)[0]


def _normalise(value: str) -> tuple[str, bool]:
    """(normalised name, whether traditional characters were simplified)."""
    text = basic(value)
    converter = _t2s()
    simplified = False
    if converter is not None:
        converted = converter.convert(text)
        simplified, text = converted != text, converted
    text = _STRAY.sub("", text)
    text = _CLOSE.sub("）", _OPEN.sub("（", text))
    text = text.replace("（）", "")
    text = _SPACE_NEAR_HAN.sub("", text)
    text = _SPACES.sub(" ", _LEADING_PUNCT.sub("", _TRAILING_PUNCT.sub("", text))).strip()
    if _LATIN.search(text) and not _ANY_HAN.search(text):
        text = text.replace("（", "(").replace("）", ")")  # an English name keeps ASCII brackets
        text = _OPEN_ASCII.sub(" (", text).replace(" )", ")").strip()
        if text.endswith("Co., Ltd") or text.endswith("Co.,Ltd"):
            text += "."
    return text, simplified


def split_org_form(name: str) -> tuple[str, str | None]:
    """(name without its organisation form, the form) by the longest matching suffix."""
    for form in _FORMS_LONGEST_FIRST:
        if name.endswith(form) and len(name) > len(form):
            return name[: -len(form)], form
    lower = name.lower()
    for form in _ENGLISH_LONGEST_FIRST:
        if lower.endswith(form) and len(name) > len(form):
            head = name[: -len(form)]
            if head.endswith((" ", ",", ".")) or not head[-1:].isalpha():
                return head.rstrip(" ,"), name[-len(form):]
    return name, None


def split_branch(name: str) -> tuple[str, str | None]:
    """(parent name, branch part) when `name` ends in a branch word (…有限公司北京分公司)."""
    word = next((w for w in BRANCH_WORDS if name.endswith(w)), None)
    if word is None:
        return name, None
    head = name[: -len(word)]
    best = -1
    for ending in _PARENT_ENDINGS:
        pos = head.rfind(ending)
        if pos >= 0 and pos + len(ending) > best:
            best = pos + len(ending)
    if best <= 0:
        return name, name  # a branch whose parent we cannot delimit
    return name[:best], name[best:]


def find_region(name: str) -> tuple[str, str | None, str | None, str | None]:
    """(name without region, region text, province, city): a bracketed infix or a prefix."""
    from crmtool.cleanse.divisions import MUNICIPALITIES, name_index, parse_region_prefix

    for m in _BRACKETED.finditer(name):
        places = name_index().get(m.group(1))
        places = [p for p in places or () if p.level in ("province", "prefecture", "county")]
        if places and m.start() > 0:
            p = places[0]
            return name[: m.start()] + name[m.end():], m.group(1), p.province, p.city or (
                p.province if p.province in MUNICIPALITIES else None)
    found = parse_region_prefix(name)
    if not found.text:
        return name, None, None, None
    return found.rest, found.text, found.province, found.city


def _is_division_name(text: str) -> bool:
    from crmtool.cleanse.divisions import name_index

    return any(p.name == text for p in name_index().get(text, ()))


def _division_province_city(text: str) -> tuple[str | None, str | None]:
    from crmtool.cleanse.divisions import MUNICIPALITIES, name_index

    places = [p for p in name_index()[text] if p.name == text]
    if len({(p.province, p.city) for p in places}) != 1:
        return None, None
    p = places[0]
    return p.province, p.city or (p.province if p.province in MUNICIPALITIES else None)


def name_key(trade_name: str) -> str:
    """A matching key: the trade name lower-cased, without spaces and punctuation."""
    return _NOT_WORD.sub("", trade_name.lower())


def is_company_like(value: str) -> bool:
    """Reads as an organisation's name (used by column detection)."""
    return bool(_LIKE.search(value)) and len(value.strip()) >= 4


def check_company_name(value: str) -> Outcome:
    name, simplified = _normalise(value)
    if len(_NOT_LETTER.sub("", name)) < 2:
        return Outcome(None, False, {}, [Finding("company_name.format", Severity.ERROR, "not a company name")])
    findings: list[Finding] = []
    if simplified:
        findings.append(Finding("company_name.traditional", Severity.INFO, "traditional characters simplified", name))
    parent, branch = split_branch(name)
    base = parent if branch and branch != name else name
    core, form = split_org_form(base)
    core, region, province, city = find_region(core)
    if region is None and _is_division_name(core):  # 北京市有限公司: a region and a form, no trade name
        region, province, city, core = core, *_division_province_city(core), ""
    attrs = {
        "org_form": form, "region": region, "province": province, "city": city,
        "is_branch": "true" if branch else "false", "branch": branch,
        "parent": parent if branch and branch != name else None, "trade_name": core or None,
        "name_key": name_key(core) or None,
    }
    if form is None:
        findings.append(Finding("company_name.no_org_form", Severity.INFO, "no organisation form (有限公司, Ltd …)"))
    if not core:
        findings.append(Finding("company_name.no_trade_name", Severity.WARNING, "no trade name left"))
    return Outcome(name, True, attrs, findings)


def cleanse_company_name(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_company_name, ATTRIBUTES)
