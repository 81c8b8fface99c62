"""Matching keys per record, derived with the cleanse rules.

Name keys come from `crmtool.cleanse.company_name` (normalisation, branch part, organisation form,
region, trade-name key); credit codes from `crmtool.cleanse.credit_code`. Two keys are derived here
because the cleanse functions do not give them yet:

- a branch whose parent cannot be delimited by an organisation form (创祥国汽车销售海口分公司):
  the place name before the branch word is found in the division table, so the parent's trade name
  and the branch tag (海口分公司) still come out;
- phone keys, vectorised: every number in the cell reduced to its subscriber digits (a mobile's 11
  digits, a landline's local number after the area code) plus the area code when present. Parsing
  each cell with libphonenumber (cleanse.phone.parse_one) costs ~250 µs a cell, minutes on a million
  rows; the key needs only the digits that identify a line.

Everything is computed once per distinct value and mapped back, so repeated names cost nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

NAME_FIELDS = ("name_norm", "trade", "region", "province", "org_form", "branch")
_BRANCH_WORDS = ("分公司", "分行", "支行", "办事处", "营业部", "分店", "代表处", "分所", "分厂", "分部", "分中心",
                 "分社", "营业所", "分理处")
_NON_DIGIT = re.compile(r"\D+")
# What is left of an organisation form the cleanse list does not know (…独资企业 → 独资 after 企业).
_FORM_RESIDUE = re.compile(r"(个人独资|独资|股份|有限|集团)$")


def name_keys(name: str) -> tuple:
    """(normalised name, trade-name key, city, province, organisation form, branch tag) for one name."""
    from crmtool.cleanse.company_name import check_company_name

    out = check_company_name(name)
    if out.clean is None:
        return (None,) * len(NAME_FIELDS)
    a = out.attrs
    branch = a.get("branch") if a.get("is_branch") == "true" else None
    trade, city, province, form = a.get("name_key"), a.get("city"), a.get("province"), a.get("org_form")
    if branch is not None and a.get("parent") is None:
        parent, branch = _split_undelimited_branch(out.clean)
        if parent:
            inner = check_company_name(parent).attrs
            trade = inner.get("name_key")
            city, province, form = inner.get("city"), inner.get("province"), inner.get("org_form")
    if a.get("region") and f"（{a['region']}）" in out.clean:
        city, province = _infix_region(a["region"], city, province)
    norm = re.sub(r"\s+", "", out.clean)
    if trade:
        trade = _FORM_RESIDUE.sub("", trade) or trade
    return norm, trade or None, city, province, form, (branch or None)


def _infix_region(region: str, city: str | None, province: str | None) -> tuple[str | None, str | None]:
    """Region of a bracketed infix (华信（北京）科技) read the way a prefix is read.

    cleanse's infix lookup takes the first division of that name, and 西安 is also a county (西安区)
    in Jilin and Heilongjiang; read as a prefix, a short name means the province or prefecture.
    """
    from crmtool.cleanse.company_name import find_region

    _, text, prefix_province, prefix_city = find_region(region + "华信")
    if text == region and (prefix_city or prefix_province):
        return prefix_city, prefix_province
    return city, province


def _split_undelimited_branch(name: str) -> tuple[str | None, str]:
    """创祥国汽车销售海口分公司 → (创祥国汽车销售, 海口分公司): a place name right before the branch word."""
    from crmtool.cleanse.divisions import name_index

    word = next((w for w in _BRANCH_WORDS if name.endswith(w)), None)
    if word is None:
        return None, name
    head = name[: -len(word)]
    index = name_index()
    for size in (4, 3, 2):
        place = head[-size:]
        if len(head) > size + 1 and (place in index or place.rstrip("市区县") in index):
            return head[:-size], place + word
    return None, name


PARALLEL_FROM = 20000  # distinct names below this are parsed in-process: a pool costs more than it saves


def _map_unique(values: pd.Series, fn, width: int, processes: int = 1) -> list[np.ndarray]:
    """Apply `fn` once per distinct non-null value; return `width` object arrays aligned with `values`."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    items = list(uniques)
    if processes > 1 and len(items) >= PARALLEL_FROM:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(processes) as pool:
            results = pool.map(fn, items, chunksize=2000)
    else:
        results = [fn(v) for v in items]
    table = np.empty((len(items) + 1, width), dtype=object)
    table[:-1] = results if results else np.empty((0, width), dtype=object)
    table[-1] = None
    picked = table[np.where(codes < 0, len(items), codes)]
    return [picked[:, i] for i in range(width)]


@lru_cache(maxsize=1 << 16)
def code_keys(value: str) -> tuple[str | None, bool, str | None, str | None]:
    """(normalised code, valid USCC, organisation-code part, division code) for one credit-code cell."""
    from crmtool.cleanse.credit_code import (
        is_valid_org_code,
        is_valid_uscc,
        normalise_credit_code,
    )

    code, _ = normalise_credit_code(value)
    if len(code) < 8:
        return None, False, None, None
    valid = is_valid_uscc(code)
    if len(code) == 18:
        return code, valid, code[8:17], code[2:8]
    if len(code) == 9 and is_valid_org_code(code):
        return code, False, code, None
    return code, False, None, None


_PHONE_SPLIT = re.compile(r"[;；,，/、|\n]+|\s{2,}|(?<=\d)\s*(?:或|和|及)\s*(?=[\d+(（])")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*\d{1,6}\s*$|(?<=\d{7})-\d{1,5}$", re.IGNORECASE)


@lru_cache(maxsize=1 << 18)
def phone_keys(value: str) -> tuple[str, ...]:
    """Line keys for every number in a cell (see `_line_key`).

    Full-width digits, +86 / 0086 / 86 prefixes, brackets, dashes, spaces, an extension, a trailing
    '.0' (a number that went through Excel as a float) and "微信同号" notes are all ignored.
    """
    from crmtool.cleanse.text import nfkc

    text = nfkc(value)
    keys: list[str] = []
    for part in _PHONE_SPLIT.split(text):
        part = _EXTENSION.sub("", part.strip())
        part = part.removesuffix(".0")
        digits = _NON_DIGIT.sub("", part)
        tokens = [_NON_DIGIT.sub("", t) for t in part.split()]
        if len(tokens) > 1 and all(len(t) >= 11 for t in tokens):  # two numbers separated by one space
            keys.extend(k for t in tokens if (k := _line_key(t)))
            continue
        if (key := _line_key(digits)) is not None:
            keys.append(key)
    return tuple(dict.fromkeys(keys))


def _line_key(digits: str) -> str | None:
    """The subscriber part of one number: 11 digits for a mobile, the local 7-8 digits for a landline.

    The area code is dropped on purpose: 'local only' entries (65937957) must meet 025-65937957.
    """
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    if not digits.startswith("0") and 9 <= len(digits) <= 11:
        digits = "0" + digits  # +86 25 6593 7957: the international form drops the trunk 0
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area_len = 3 if digits[1] in "12" else 4
        return digits[area_len:]
    if 7 <= len(digits) <= 8:
        return digits
    return None


_ADDRESS_REGION = re.compile(r"^(?:中国)?(?:[^省市]{2,7}(?:省|自治区))?(?:[^省市区县]{2,7}?(?:市|自治州|地区|盟))?"
                             r"(?:[^省市区县]{1,7}?(?:区|县|旗))?")


def address_detail(values: pd.Series) -> pd.Series:
    """The street part of an address (province, city and district prefix removed), for comparison."""
    from crmtool.cleanse.text import nfkc

    text = values.astype("string").map(lambda v: nfkc(v) if isinstance(v, str) else v, na_action="ignore").astype("string")
    text = text.str.replace(r"\s+", "", regex=True).str.replace(_ADDRESS_REGION.pattern, "", regex=True)
    return text.mask(text.str.len().fillna(0) < 3)


def record_keys(table: pd.DataFrame, key: str, *, processes: int = 1) -> pd.DataFrame:
    """One row per input row: the key plus every matching key (columns that are absent count as empty)."""
    n = len(table)
    empty = pd.Series([pd.NA] * n, dtype="string", index=table.index)
    col = lambda name: table[name].astype("string") if name in table.columns else empty
    out = pd.DataFrame({"_key": table[key].astype("string").to_numpy()})
    names = col("name").str.strip().replace("", pd.NA)
    for field, arr in zip(NAME_FIELDS, _map_unique(names, name_keys, len(NAME_FIELDS), processes), strict=True):
        out[field] = pd.array(arr, dtype="string")
    codes = col("credit_code").str.strip().replace("", pd.NA)
    code, valid, org, division = _map_unique(codes, code_keys, 4)
    out["code"] = pd.array(code, dtype="string")
    out["code_valid"] = pd.array(valid, dtype="boolean").fillna(False).astype(bool)
    out["org_code"] = pd.array(org, dtype="string")
    out["division"] = pd.array(division, dtype="string")
    phones = col("phone").str.strip().replace("", pd.NA)
    (line_keys,) = _map_unique(phones, lambda v: (phone_keys(v),), 1)
    out["phones"] = [list(k) if isinstance(k, tuple) else [] for k in line_keys]
    out["address"] = address_detail(col("address")).to_numpy()
    return out
