"""Company names: normalised text, organisation form, region, branch flag and a trade-name key.

Normalisation: NFKC (full-width → half-width), traditional → simplified Chinese (OpenCC's t2s, the
`opencc` wheel), control characters and stray punctuation removed, spaces removed between Chinese
characters (kept between Latin words), every bracket made the full-width （） that registrations use.

Parsing, from the end: a branch part (…有限公司北京分公司, 华信科技海口分公司 → branch), then the
organisation form by the longest matching suffix, then a region: a bracketed infix whose content is a
division name (腾讯科技（深圳）有限公司) or a prefix of division names (广东省深圳市…, 上海…). Only
province and prefecture names may be stripped by their short form (上海, 深圳); county names only in
full (浦东新区), so that 上海浦东发展银行 keeps 浦东发展 in its trade name. A name several places share
means the one of the highest level (西安 → 西安市, not 西安区; see `divisions.parse_region_prefix`).

Speed: names are checked once per distinct value, but a million-row export still has ~100,000 of
them; suffixes are looked up in sets by length (not one `endswith` per form), and a name made only of
Chinese characters, letters, digits and brackets skips the punctuation and spacing regexes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import NamedTuple

from crmtool.cleanse import divisions
from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import CONTENT, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("org_form", "region", "province", "city", "is_branch", "branch", "branch_region", "parent",
              "trade_name", "name_key")

# Organisation forms (组织形式) as names end in them: the Company Law's 有限责任公司 / 股份有限公司 (and
# the group and one-person variants), the Partnership Enterprise Law's 合伙企业 with its （普通合伙）/
# （有限合伙）/（特殊普通合伙） marks, 个人独资企业, the foreign-investment forms registered before 2020
# (外商独资企业, 中外合资经营企业, 中外合作经营企业), ownership forms of older registrations (全民所有制,
# 集体所有制, 股份合作制), 个体工商户, 农民专业合作社, and the endings of firms, institutions and shops
# that are not companies. Matched longest first, so 个人独资企业 wins over 独资企业 over 企业.
COMPANY_FORMS = (
    "有限责任公司", "股份有限公司", "有限公司", "一人有限责任公司", "一人有限公司", "国有独资公司",
    "集团有限责任公司", "集团股份有限公司", "集团有限公司", "（集团）有限责任公司", "（集团）股份有限公司",
    "（集团）有限公司", "股份合作公司", "集团股份公司", "股份公司", "集团公司", "总公司", "公司", "集团",
)
PARTNERSHIP_FORMS = (
    "合伙企业（普通合伙）", "合伙企业（有限合伙）", "合伙企业（特殊普通合伙）", "（特殊普通合伙）", "（有限合伙）",
    "（普通合伙）", "特殊普通合伙企业", "普通合伙企业", "有限合伙企业", "合伙企业", "有限合伙",
)
ENTERPRISE_FORMS = (
    "个人独资企业", "独资企业", "外商独资企业", "外资企业", "外商投资企业", "中外合资经营企业", "中外合作经营企业",
    "中外合资企业", "中外合作企业", "合资经营企业", "合作经营企业", "全民所有制企业", "集体所有制企业",
    "股份合作制企业", "股份合作企业", "联营企业", "个体工商户", "企业",
)
COOPERATIVE_FORMS = (
    "农民专业合作社联合社", "农民专业合作社", "专业合作社联合社", "专业合作社", "股份经济合作社", "经济合作社",
    "股份合作社", "合作社", "联合社",
)
OTHER_FORMS = (
    "律师事务所", "会计师事务所", "事务所", "工作室", "经营部", "门市部", "商行", "商店", "研究院", "研究所",
    "基金会", "协会", "商会", "学会", "医院", "学校", "幼儿园", "中心", "厂",
)
ORG_FORMS = COMPANY_FORMS + PARTNERSHIP_FORMS + ENTERPRISE_FORMS + COOPERATIVE_FORMS + OTHER_FORMS
ENGLISH_FORMS = (
    "co., ltd.", "co.,ltd.", "co., ltd", "co.,ltd", "co. ltd.", "co ltd", "company limited", "company ltd.",
    "pte. ltd.", "pte ltd", "pty ltd", "limited", "ltd.", "ltd", "incorporated", "inc.", "inc", "corporation",
    "corp.", "corp", "company", "co.", "llc", "l.l.c.", "llp", "plc", "gmbh & co. kg", "gmbh", "ag", "s.a.",
    "s.a.s.", "s.r.l.", "b.v.", "n.v.", "k.k.", "oy", "ab",
)
BRANCH_WORDS = ("分公司", "分行", "支行", "办事处", "营业部", "分店", "代表处", "分所", "分厂", "分部", "分中心",
                "分社", "营业所", "分理处")
# Where a parent's name ends, so that "中国工商银行北京分行" splits into parent and branch.
_PARENT_ENDINGS = tuple(f for f in ORG_FORMS if len(f) >= 2) + ("银行", "保险", "证券")
_PARENT_ENDINGS_REVERSED = re.compile("|".join(re.escape(e[::-1])
                                               for e in sorted(_PARENT_ENDINGS, key=len, reverse=True)))
_BRANCH_STATION = "驻"  # 某某有限公司驻广州办事处
_STREETISH = ("路", "街", "道", "巷", "广场")  # 中山路支行 is a street, not 中山市


def _by_length(words) -> tuple[tuple[int, frozenset[str]], ...]:
    """Suffixes grouped by length, longest first: one slice and one set lookup per length."""
    sizes: dict[int, set[str]] = {}
    for w in words:
        sizes.setdefault(len(w), set()).add(w)
    return tuple((n, frozenset(ws)) for n, ws in sorted(sizes.items(), reverse=True))


_FORM_SUFFIXES = _by_length(ORG_FORMS)
_ENGLISH_SUFFIXES = _by_length(ENGLISH_FORMS)
_BRANCH_SUFFIXES = _by_length(BRANCH_WORDS)
_STRAY = re.compile(r"[\"'“”‘’`*#★☆※~^|<>《》「」『』]+")
_OPEN = re.compile(r"\s*[(\[【〔［｛{]\s*")
_CLOSE = re.compile(r"\s*[)\]】〕］｝}]\s*")
_HAN = r"\u3400-\u9fff"
_SPACE_NEAR_HAN = re.compile(rf"(?<=[{_HAN}（）])\s+|\s+(?=[{_HAN}（）])")
_TRAILING_PUNCT = re.compile(r"[\s,.;:，。；：、!！?？\-_/]+$")
_LEADING_PUNCT = re.compile(r"^[\s,.;:，。；：、!！?？\-_/]+")
_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]")
_ANY_HAN = re.compile(rf"[{_HAN}]")
_OPEN_ASCII = re.compile(r"\s*\(\s*")
# Already clean but for its brackets: Chinese characters, ASCII letters and digits, ( ) after NFKC.
_PLAIN = re.compile(rf"[{_HAN}A-Za-z0-9()]*[{_HAN}][{_HAN}A-Za-z0-9()]*")
_BRACKETED = re.compile(r"（([^（）]{2,12})）")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_LETTER = re.compile(r"[\W\d_]")
_LIKE = re.compile(r"(公司|集团|厂|店|中心|银行|医院|学校|合作社|联合社|事务所|工作室|协会|商会|研究院|研究所|经营部|"
                   r"商行|门市部|企业|个体工商户|基金会|办事处|分行|支行|营业部|有限合伙|\bco\b|\bltd\b|\binc\b|"
                   r"\bllc\b|\bgmbh\b|corp)", re.IGNORECASE)


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
    plain = unicodedata.is_normalized("NFKC", value) and _PLAIN.fullmatch(value) is not None
    text = value if plain else basic(value)  # basic() leaves such a value as it is
    converter = _t2s()
    simplified = False
    if converter is not None:
        converted = converter.convert(text)
        simplified, text = converted != text, converted
    if (plain and not simplified) or _PLAIN.fullmatch(text):  # the common case: only brackets to do
        if "(" in text or ")" in text:
            text = _drop_empty_brackets(text, "()").replace("(", "（").replace(")", "）")
        return text, simplified
    text = _STRAY.sub("", text)
    text = _CLOSE.sub("）", _OPEN.sub("（", text))
    text = _drop_empty_brackets(text, "（）")
    text = _SPACE_NEAR_HAN.sub("", text)
    text = _SPACES.sub(" ", _LEADING_PUNCT.sub("", _strip_trailing_punct(text))).strip()
    if _LATIN.search(text) and not _ANY_HAN.search(text):
        text = text.replace("（", "(").replace("）", ")")  # an English name keeps ASCII brackets
        text = _OPEN_ASCII.sub(" (", text).replace(" )", ")").strip()
        if text.endswith("Co., Ltd") or text.endswith("Co.,Ltd"):
            text += "."
    return text, simplified


def _drop_empty_brackets(text: str, pair: str) -> str:
    """（） removed, also nested: （（）） → nothing (so that cleaning the result again changes nothing)."""
    while pair in text:
        text = text.replace(pair, "")
    return text


def _strip_trailing_punct(text: str) -> str:
    """Trailing punctuation off, but a full stop right after a Latin letter kept (Inc., Co., Ltd.):
    AA:. → AA, Ltd.. → Ltd. (in one pass, so that cleaning the result again changes nothing)."""
    m = _TRAILING_PUNCT.search(text)
    if m is None:
        return text
    head = text[: m.start()]
    if m.group().startswith(".") and head[-1:].isascii() and head[-1:].isalpha():
        return head + "."
    return head


def split_org_form(name: str) -> tuple[str, str | None]:
    """(name without its organisation form, the form) by the longest matching suffix."""
    size_of_name = len(name)
    for size, forms in _FORM_SUFFIXES:
        if size < size_of_name and name[-size:] in forms:
            return name[:-size], name[-size:]
    if not name or not name[-1].isascii():  # every English form ends in an ASCII letter or dot
        return name, None
    lower = name.lower()
    for size, forms in _ENGLISH_SUFFIXES:
        if size < size_of_name and lower[-size:] in forms:
            head = name[:-size]
            if head.endswith((" ", ",", ".")) or not head[-1:].isalpha():
                return head.rstrip(" ,"), name[-size:]
    return name, None


class BranchSplit(NamedTuple):
    """A name cut at its branch part: 北京华信科技有限公司海口分公司 → parent 北京华信科技有限公司,
    part 海口分公司, region 海口. `head` is what the trade name is read from (the parent's name, or the
    name without its branch part when no parent can be delimited)."""

    head: str
    parent: str | None = None
    part: str | None = None
    region: str | None = None


def _branch_word(name: str) -> str | None:
    for size, words in _BRANCH_SUFFIXES:
        if size < len(name) and name[-size:] in words:
            return name[-size:]
    return None


def split_branch(name: str) -> BranchSplit:
    """The branch part of a name ending in a branch word (分公司 分行 办事处 营业部 …), with or without
    an organisation form before it.

    The parent ends at the last organisation form (or 银行 / 集团 …) before the branch word, unless
    what follows that form is not a place but more name (华信企业管理咨询海口分公司: 企业 is part of the
    trade name); else at a place name right before the branch word (华信科技海口分公司,
    华信科技（海口）分公司, …驻广州办事处). With neither, the branch word alone is the branch part.
    """
    word = _branch_word(name)
    if word is None:
        return BranchSplit(name)
    head = name[: -len(word)]
    ending = _parent_end(head)
    place = _place_suffix_start(head)
    if ending > 0 and (place is None or ending >= place or _is_place(head[ending:place])):
        cut = ending
    elif place is not None:
        cut = place
    else:  # 华信科技销售分公司: a branch, but where its parent's name ends is anyone's guess
        return BranchSplit(head, None, word, None)
    part = name[cut:]
    return BranchSplit(name[:cut], name[:cut] or None, part, _branch_region(part[: -len(word)]))


def _parent_end(head: str) -> int:
    """Where the last organisation form (or 银行, 保险 …) in `head` ends; -1 when there is none.
    One search of the reversed text: its first match is the ending that ends last."""
    m = _PARENT_ENDINGS_REVERSED.search(head[::-1])
    return len(head) - m.start() if m else -1


def _place_suffix_start(head: str) -> int | None:
    """Where a place name at the end of `head` starts (with its brackets and a 驻 before it)."""
    start = None
    if head.endswith("）"):
        opening = head.rfind("（")
        if opening >= 0 and _is_place(head[opening + 1:-1]):
            start = opening
    else:
        start = divisions.place_suffix_start(head)
    if start is not None and start > 0 and head[start - 1] == _BRANCH_STATION:
        start -= 1
    return start


def _is_place(text: str) -> bool:
    """`text` is nothing but division names (海口, 广东深圳, 北京朝阳), read as loosely as a branch's or a
    bracket's position allows: county short forms too."""
    text = text.removeprefix(_BRANCH_STATION).removeprefix("（").removesuffix("）")
    return (divisions.match_prefix(text, any_short=True) is not None  # cheap: most tails start no place name
            and divisions.parse_region_prefix(text, min_rest=0, any_short=True).text == text)


def _branch_region(text: str) -> str | None:
    """The place a branch part names (驻广州 → 广州, （海口） → 海口, 上海市浦东 → 上海市), as written."""
    text = text.removeprefix(_BRANCH_STATION).removeprefix("（").removesuffix("）")
    if not text:
        return None
    if _is_place(text):
        return text
    found = divisions.parse_region_prefix(text, min_rest=0)
    if not found.text or found.rest.startswith(_STREETISH):
        return None
    return found.text


def find_region(name: str) -> tuple[str, str | None, str | None, str | None]:
    """(name without region, region text, province, city): a bracketed infix or a prefix.

    A bracketed infix may be any division name, short forms of counties included (the brackets say it
    is a place); a name several places share means the highest level (（西安） is 西安市, （吉林） 吉林省).
    """
    if "（" in name:
        for m in _BRACKETED.finditer(name):
            if m.start() > 0:
                found = divisions.parse_region_prefix(m.group(1), min_rest=0, any_short=True)
                if found.text == m.group(1):
                    return name[: m.start()] + name[m.end():], found.text, found.province, found.city
    found = divisions.parse_region_prefix(name)
    if not found.text:
        return name, None, None, None
    return found.rest, found.text, found.province, found.city


def _whole_division(text: str) -> tuple[str | None, str | None] | None:
    """(province, city) when `text` is the full name of a division (北京市, 朝阳区), else None."""
    if not any(p.name == text for p in divisions.name_index().get(text, ())):
        return None
    found = divisions.parse_region_prefix(text, min_rest=0)
    return found.province, found.city


def name_key(trade_name: str) -> str:
    """A matching key: the trade name lower-cased, without spaces and punctuation."""
    return _NOT_WORD.sub("", trade_name.lower())


def is_company_like(value: str) -> bool:
    """Reads as an organisation's name (used by column detection)."""
    return bool(_LIKE.search(value)) and len(value.strip()) >= 4


_NOT_A_NAME = Finding("company_name.format", Severity.ERROR, "not a company name")
_NO_ORG_FORM = Finding("company_name.no_org_form", Severity.INFO, "no organisation form (有限公司, Ltd …)")
_NO_TRADE_NAME = Finding("company_name.no_trade_name", Severity.WARNING, "no trade name left")


_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{15,18}")
_NUMBER_SHAPE = re.compile(r"[\d\s+\-()（）.:/年月日]+")
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_HOUSE_NUMBER = re.compile(r"\d+\s*[号號]")
_DIGIT = re.compile(r"\d")


def misplaced(name: str) -> str | None:
    """What another column's value in a name column reads as (a credit code, a phone number or date, an
    e-mail address, a street address), or None: exports with swapped or shifted columns."""
    if "@" in name and _EMAIL_SHAPE.search(name):
        return "an e-mail address"
    if _DIGIT.search(name) is None:  # most names: none of the shapes below
        return None
    if _NUMBER_SHAPE.fullmatch(name):
        return "a number or a date"
    if _CODE_SHAPE.fullmatch(name) and sum(c.isdigit() for c in name) >= 8:
        return "a credit code or registration number"
    if _HOUSE_NUMBER.search(name) and split_org_form(name)[1] is None:
        return "a street address"
    return None


def check_company_name(value: str) -> Outcome:
    name, simplified = _normalise(value)
    if len(_NOT_LETTER.sub("", name)) < 2:
        return Outcome(None, False, {}, [_NOT_A_NAME])
    if what := misplaced(name):
        return Outcome(None, False, {}, [Finding("company_name.misplaced", Severity.ERROR,
                                                 f"not a company name but {what}: are the columns swapped?")])
    findings: list[Finding] = []
    if simplified:
        findings.append(Finding("company_name.traditional", Severity.INFO, "traditional characters simplified", name))
    branch = split_branch(name)
    core, form = split_org_form(branch.head)
    core, region, province, city = find_region(core)
    if region is None and (whole := _whole_division(core)):  # 北京市有限公司: a region and a form, no trade name
        region, (province, city), core = core, whole, ""
    key = name_key(core) if core else ""
    attrs = {
        "org_form": form, "region": region, "province": province, "city": city,
        "is_branch": "true" if branch.part else "false", "branch": branch.part, "branch_region": branch.region,
        "parent": branch.parent, "trade_name": core or None, "name_key": key or None,
    }
    if form is None:
        findings.append(_NO_ORG_FORM)
    if not core:
        findings.append(_NO_TRADE_NAME)
    return Outcome(name, True, attrs, findings, CONTENT if simplified else None)


def cleanse_company_name(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_company_name, ATTRIBUTES)
