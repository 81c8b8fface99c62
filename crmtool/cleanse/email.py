"""E-mail addresses: trimmed, domain lower-cased, syntax checked, common domain typos suggested.

Syntax is the practical subset CRMs accept (RFC 5321 dot-atom local part, an IDNA-able domain with a
dot and a letter TLD); no DNS look-ups: cleansing runs offline. A misspelt domain of a big free-mail
provider (qq.con, gmial.com, 163.co) is corrected, as a content change with a warning that names the
domain written: an address there is a typo far more often than a real mailbox, and the consultant
reviews content changes. Other domains are never corrected. The local part is lower-cased only at
those providers, whose mailboxes ignore case.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import CONTENT, NOTATION, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("domain", "provider")

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)

# Free-mail domains common in Chinese CRM data, and their provider.
PROVIDERS = {
    "qq.com": "腾讯QQ", "foxmail.com": "腾讯Foxmail", "vip.qq.com": "腾讯QQ", "163.com": "网易", "126.com": "网易",
    "yeah.net": "网易", "vip.163.com": "网易", "sina.com": "新浪", "sina.cn": "新浪", "vip.sina.com": "新浪",
    "sohu.com": "搜狐", "aliyun.com": "阿里云", "139.com": "中国移动", "189.cn": "中国电信", "wo.cn": "中国联通",
    "gmail.com": "Google", "outlook.com": "Microsoft", "hotmail.com": "Microsoft", "live.com": "Microsoft",
    "yahoo.com": "Yahoo", "icloud.com": "Apple", "tom.com": "TOM",
}
# Known misspellings → the domain meant. Checked before the fuzzy match below.
TYPOS = {
    "qq.con": "qq.com", "qq.cm": "qq.com", "qq.co": "qq.com", "qq.comm": "qq.com", "qq.cn": "qq.com",
    "qq.om": "qq.com", "gq.com": "qq.com", "163.con": "163.com", "163.cm": "163.com", "163.co": "163.com",
    "163.cn": "163.com", "163.om": "163.com", "126.con": "126.com", "126.cm": "126.com", "126.co": "126.com",
    "gmial.com": "gmail.com", "gmai.com": "gmail.com", "gmal.com": "gmail.com", "gamil.com": "gmail.com",
    "gmail.con": "gmail.com", "gmail.co": "gmail.com", "hotmai.com": "hotmail.com", "hotmial.com": "hotmail.com",
    "hotmail.con": "hotmail.com", "outlook.con": "outlook.com", "sina.con": "sina.com", "sian.com": "sina.com",
    "foxmail.con": "foxmail.com", "foxmial.com": "foxmail.com", "yeah.com": "yeah.net",
}


_DISPLAY_NAME = re.compile(r"^[^<>@]*<([^<>]+)>$")
_DOMAIN_COMMA = re.compile(r"[,，](?=[A-Za-z]{2,6}$)")


def normalise_email(value: str) -> str:
    text = basic(value).replace("＠", "@").replace("。", ".")
    if m := _DISPLAY_NAME.match(text):  # 张伟 <zhangwei@qq.com>, as mail clients export it
        text = m.group(1)
    text = _MAILTO.sub("", text.strip()).strip("<>\"' ;,")
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    domain = _DOMAIN_COMMA.sub(".", domain.strip(".").lower())
    if domain in PROVIDERS or domain in TYPOS:
        local = local.lower()
    return f"{local}@{domain}"


def _syntax_ok(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    if not at or not local or len(local) > 64 or len(address) > 254:
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return False
    return bool(_LOCAL.fullmatch(local)) and bool(_DOMAIN.fullmatch(ascii_domain))


def is_valid_email(value: str) -> bool:
    return _syntax_ok(normalise_email(value))


@lru_cache(maxsize=16384)
def suggest_domain(domain: str) -> str | None:
    """The domain meant, for a misspelled free-mail domain (qq.con → qq.com); None if none close."""
    if domain in PROVIDERS:
        return None
    if domain in TYPOS:
        return TYPOS[domain]
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    hit = process.extractOne(domain, PROVIDERS.keys(), scorer=DamerauLevenshtein.distance, score_cutoff=1)
    return hit[0] if hit and len(domain) >= 6 else None


def check_email(value: str) -> Outcome:
    address = normalise_email(value)
    if not _syntax_ok(address):
        return Outcome(None, False, {}, [Finding("email.syntax", Severity.ERROR, "not an e-mail address")])
    local, _, domain = address.rpartition("@")
    findings = []
    change = NOTATION
    if suggestion := suggest_domain(domain):
        findings.append(Finding("email.domain_typo", Severity.WARNING,
                                f"domain {domain} corrected to {suggestion}: check with the contact if unsure",
                                f"{local.lower()}@{suggestion}"))
        address, domain, change = f"{local.lower()}@{suggestion}", suggestion, CONTENT
    return Outcome(address, True, {"domain": domain, "provider": PROVIDERS.get(domain)}, findings, change)


def cleanse_email(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_email, ATTRIBUTES)
