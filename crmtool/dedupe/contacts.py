"""The contact comparison set: keys, pair keys, comparison levels and entity constraints for people.

Records are contacts (people at accounts) with any of the columns `name`, `mobile`, `phone`, `email`,
`account_id`, `title`, `department`. Keys come from the cleanse rules, once per distinct value:

- name (`crmtool.cleanse.person_name`): 繁→简, full-width, spaces inside (张 伟), titles split off
  (张经理 → surname 张 and the title; 张伟经理 → 张伟); the *name key* is the simplified name, the
  *pinyin key* the name's syllables in code-point order (pypinyin for Han names, the written syllables
  for romanised ones: 张伟, Zhang Wei, ZHANG Wei, Wei Zhang and zhangwei all give "wei zhang"), so that
  the surname-given order does not matter;
- mobile and landline (`crmtool.cleanse.phone`: E.164, with or without +86, spaces, dashes, 转 and
  extensions), from both the mobile and the phone column;
- e-mail (`crmtool.cleanse.email`): lower case, +tags off, dots off in gmail local parts, known
  domain typos fixed; webmail (qq.com, 163.com …) or a company domain;
- account, title, department as entered (trimmed, simplified, case-folded).

Levels (crmtool.config.dedupe.CONTACT_LEVELS; weights in rules/contacts.yaml, meanings in
docs/dedupe.md "Contacts"), first that holds per field:

- name: name_exact (both full names, same name key), name_pinyin (same pinyin key, one of them
  romanised or the order swapped), name_homophone (Han names, same pinyin, other characters),
  name_typo (Han names of 3+ characters one edit apart), name_surname (one has only a surname, and it
  agrees), name_differ (two full names, none of the above);
- mobile: mobile_match (any mobile shared), mobile_differ (both carry mobiles, none shared);
- email: email_match, email_work_differ (two company-domain addresses), email_differ;
- account: account_same, account_differ; title and department: same, differ;
- phone (landline): phone_extension (same line and extension), phone_match (same line: a switchboard
  is shared), phone_extension_differ (same line, two extensions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

CONTACT_COLUMNS = ("name", "mobile", "phone", "email", "account_id", "title", "department")
WEBMAIL = frozenset({"qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "188.com",
                     "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "139.com", "189.cn", "wo.cn", "aliyun.com",
                     "21cn.com", "tom.com", "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
                     "live.cn", "msn.com", "yahoo.com", "yahoo.com.cn", "icloud.com", "me.com"})
"""Mailboxes anyone can open: an address there is a person's own, and says nothing about an employer."""
_DOTLESS = frozenset({"gmail.com", "googlemail.com"})  # providers that ignore dots in the local part
# Surnames whose reading differs from the character's everyday one (pypinyin reads 曾 as ceng).
SURNAME_PINYIN = {"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
                  "盖": "ge", "乐": "yue", "覃": "qin", "种": "chong", "召": "shao", "缪": "miao", "翟": "zhai",
                  "任": "ren", "沈": "shen", "宁": "ning", "华": "hua", "员": "yun", "秘": "bi", "卜": "bu",
                  "薄": "bo", "柏": "bai", "莘": "shen", "燕": "yan", "祭": "zhai", "曲": "qu", "句": "gou",
                  "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun", "重": "chong", "便": "pian", "朝": "chao"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_SPLIT = re.compile(r"[\s\-'’.·,_]+")
_FAMILIAR = ("老", "小", "阿")

KEY_COLUMNS = ("name_key", "pinyin_key", "surname", "latin", "full", "mobile1", "mobile2", "email", "work_email",
               "account", "title", "department", "landline", "extension")


def contact_keys(table: pd.DataFrame) -> pd.DataFrame:
    """The matching keys of every record (KEY_COLUMNS, plus `mobiles`: every mobile, for blocking)."""
    n = len(table)

    def column(name: str) -> pd.Series:
        if name in table.columns:
            return table[name].astype("string").reset_index(drop=True)
        return pd.Series(pd.NA, index=range(n), dtype="string")

    out = {}
    names = _per_distinct(column("name"), name_parts)
    for i, key in enumerate(("name_key", "pinyin_key", "surname", "latin", "full")):
        out[key] = [v[i] if v is not None else None for v in names]
    mobiles, landlines = [[] for _ in range(n)], [None] * n
    extensions = [None] * n
    for source in ("mobile", "phone"):
        for i, found in enumerate(_per_distinct(column(source), phone_parts)):
            if found is None:
                continue
            for m in found[0]:
                if m not in mobiles[i]:
                    mobiles[i].append(m)
            if landlines[i] is None and found[1]:
                landlines[i], extensions[i] = found[1][0]
    out["mobile1"] = [m[0] if m else None for m in mobiles]
    out["mobile2"] = [m[1] if len(m) > 1 else None for m in mobiles]
    emails = _per_distinct(column("email"), email_key)
    out["email"] = [e[0] if e else None for e in emails]
    out["work_email"] = [e[0] if e and e[1] else None for e in emails]
    for name, key in (("account_id", "account"), ("title", "title"), ("department", "department")):
        out[key] = _per_distinct(column(name), plain_key)
    out["landline"], out["extension"] = landlines, extensions
    frame = pd.DataFrame({k: pd.array(v, dtype="string") if k not in ("latin", "full") else
                          np.asarray([bool(x) for x in v], dtype=bool) for k, v in out.items()})
    frame["mobiles"] = pd.Series(mobiles, dtype=object)
    return frame


def _per_distinct(values: pd.Series, fn) -> list:
    """fn(value) once per distinct non-empty value, aligned with `values` (None where empty)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = [fn(v) if str(v).strip() else None for v in uniques.tolist()] + [None]
    return [results[c] for c in codes.tolist()]


def plain_key(value: str) -> str | None:
    """An account id, title or department as a comparison key: trimmed, NFKC, simplified, case-folded."""
    from crmtool.cleanse.text import basic, to_simplified

    text = to_simplified(basic(value)).casefold().replace(" ", "")
    return text or None


def name_parts(value: str) -> tuple | None:
    """(name key, pinyin key, surname, romanised, full name) of one name cell; None for no name."""
    from crmtool.cleanse.person_name import COMPOUND_SURNAMES, SURNAMES, check_person_name
    from crmtool.cleanse.text import basic, to_simplified

    text = basic(value)
    if _HAN.search(text):
        out = check_person_name(text)
        if out.valid and out.attrs.get("script") == "han":
            clean = out.clean
            surname = out.attrs.get("surname") or clean[0]
            return clean, _han_pinyin(clean.replace("·", ""), surname), surname, False, True
        written = to_simplified(text.replace(" ", ""))
        han = "".join(_HAN.findall(written))
        if not han:
            return None
        if han[:1] in _FAMILIAR and len(han) == 2:
            han = han[1:]
        surname = next((c for c in COMPOUND_SURNAMES if han.startswith(c)), han[0])
        rule = {f.rule for f in out.findings}
        if "person_name.surname_only" in rule or (len(han) == 1 and han in SURNAMES):
            return surname, None, surname, False, False  # 张经理, 王总, 老李: a surname, not a name
        return han, _han_pinyin(han, surname), surname, False, True
    tokens = [t for t in _LATIN_SPLIT.split(text.casefold()) if t]
    tokens = [t for t in tokens if t.isalpha() and t.isascii()]
    if not tokens:
        return None
    syllables = sorted(s for t in tokens for s in _segment(_latin_u(t)))
    return " ".join(tokens), " ".join(syllables), None, True, True


def _latin_u(token: str) -> str:
    """ü as romanisations write it (lyu, lv, nyu, nv) → u, as the Han side is read."""
    return re.sub(r"([ln])(?:yu|v)", r"\1u", token)


def _han_pinyin(name: str, surname: str) -> str:
    from pypinyin import lazy_pinyin

    head = SURNAME_PINYIN.get(surname)
    if head is None:
        head_syllables = lazy_pinyin(surname)
    else:
        head_syllables = _segment(head)
    syllables = head_syllables + lazy_pinyin(name[len(surname):])
    return " ".join(sorted(s.replace("v", "u") for s in syllables))


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin gives a common Han character (ü written as v → u)."""
    from pypinyin import lazy_pinyin

    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    return frozenset(s.replace("v", "u") for s in lazy_pinyin(chars) if s.isascii() and s.isalpha())


def _segment(token: str) -> list[str]:
    """A romanised token as pinyin syllables (xiaoming → xiao, ming: fewest syllables); the token itself
    when it is not pinyin (john)."""
    syllables = _syllables()
    n = len(token)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 6), i, -1):
            piece = token[i:j]
            if piece in syllables and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = best[i] + [piece]
    return best[n] if best[n] else [token]


_PLAIN_MOBILE = re.compile(r"(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})")


def phone_parts(value: str) -> tuple[list[str], list[tuple[str, str | None]]] | None:
    """(mobiles as E.164, [(landline E.164, extension)]) of one phone cell.

    A cell that is one mobile in a plain form (13812345678, 138 1234 5678, +86 138-1234-5678) is read
    directly (canon.phone's form; the same as cleanse.phone.parse_one gives, tested); every other cell
    goes through cleanse.phone, ~25 µs a cell."""
    from crmtool.canon.phone import is_canonical_mobile
    from crmtool.cleanse.phone import parse_one, split_numbers

    plain = _PLAIN_MOBILE.fullmatch(value.strip())
    if plain and is_canonical_mobile(e164 := "+86" + "".join(plain.groups())):
        return [e164], []
    mobiles, landlines = [], []
    for part in split_numbers(value):
        found = parse_one(part)
        if found is None:
            continue
        if found["phone_type"] == "mobile":
            mobiles.append(found["e164"])
        else:
            landlines.append((found["e164"], found["extension"]))
    return (mobiles, landlines) if mobiles or landlines else None


def email_key(value: str) -> tuple[str, bool] | None:
    """(canonical address, at a company domain) of one e-mail cell; None when it is not an address."""
    from crmtool.cleanse.email import is_valid_email, normalise_email, suggest_domain

    address = normalise_email(value).replace(" ", "")
    if not is_valid_email(address):
        return None
    local, _, domain = address.lower().rpartition("@")
    domain = suggest_domain(domain) or domain
    local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}", domain not in WEBMAIL


@dataclass
class ContactKeys:
    """The contact keys as integer codes (-1: missing) and flags, built once per run."""

    name: np.ndarray
    pinyin: np.ndarray
    surname: np.ndarray
    latin: np.ndarray
    full: np.ndarray
    mobile1: np.ndarray
    mobile2: np.ndarray
    email: np.ndarray
    work_email: np.ndarray  # the e-mail's code when it is at a company domain, else -1
    account: np.ndarray
    title: np.ndarray
    department: np.ndarray
    landline: np.ndarray
    extension: np.ndarray
    name_len: np.ndarray
    name_text: object  # pyarrow array

    @classmethod
    def from_keys(cls, keys: pd.DataFrame) -> "ContactKeys":
        import pyarrow as pa
        import pyarrow.compute as pc

        from crmtool.dedupe.scoring import int_codes

        mobiles = int_codes(pd.concat([keys["mobile1"], keys["mobile2"]], ignore_index=True))
        emails = int_codes(keys["email"])
        n = len(keys)
        name_text = pa.array(keys["name_key"], type=pa.string())
        return cls(
            name=int_codes(keys["name_key"]), pinyin=int_codes(keys["pinyin_key"]), surname=int_codes(keys["surname"]),
            latin=keys["latin"].to_numpy(dtype=bool), full=keys["full"].to_numpy(dtype=bool),
            mobile1=mobiles[:n], mobile2=mobiles[n:], email=emails,
            work_email=np.where(keys["work_email"].notna().to_numpy(), emails, -1),
            account=int_codes(keys["account"]), title=int_codes(keys["title"]),
            department=int_codes(keys["department"]), landline=int_codes(keys["landline"]),
            extension=int_codes(keys["extension"]),
            name_len=pc.utf8_length(name_text).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int16),
            name_text=name_text,
        )

    @property
    def mobile(self) -> np.ndarray:
        """One mobile per record (the first), for the entity constraint."""
        return self.mobile1


def _same(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x >= 0) & (x == y)


def _both(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x >= 0) & (y >= 0)


def contact_patterns(k: ContactKeys, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The pattern (all contact fields' levels) of each pair (a[i], b[i])."""
    from rapidfuzz.distance import Levenshtein

    from crmtool.dedupe.scoring import LEVEL_SETS

    levels = LEVEL_SETS["contact"]
    d: dict[str, np.ndarray] = {}
    n = len(a)

    named = _both(k.name[a], k.name[b])
    full = k.full[a] & k.full[b]
    han = ~k.latin[a] & ~k.latin[b]
    exact = named & full & _same(k.name[a], k.name[b])
    pinyin = named & full & _same(k.pinyin[a], k.pinyin[b])
    typo = np.zeros(n, dtype=bool)
    ask = np.flatnonzero(named & full & han & ~exact & ~pinyin
                         & (np.minimum(k.name_len[a], k.name_len[b]) >= 3))
    if len(ask):
        from rapidfuzz import process

        left, right = k.name_text.take(a[ask]).to_pylist(), k.name_text.take(b[ask]).to_pylist()
        typo[ask] = process.cpdist(left, right, scorer=Levenshtein.distance, workers=-1, score_cutoff=2) == 1
    surname_only = named & ~full & han & _same(k.surname[a], k.surname[b])
    d["name"] = np.select([exact, pinyin & ~han, pinyin & han, typo, surname_only, named & full],
                          [levels.level("name", lv) for lv in ("name_exact", "name_pinyin", "name_homophone",
                                                               "name_typo", "name_surname", "name_differ")], 0)

    m1a, m2a, m1b, m2b = k.mobile1[a], k.mobile2[a], k.mobile1[b], k.mobile2[b]
    mobile_match = _same(m1a, m1b) | _same(m1a, m2b) | _same(m2a, m1b) | _same(m2a, m2b)
    d["mobile"] = np.select([mobile_match, _both(m1a, m1b)], [1, 2], 0)

    ea, eb = k.email[a], k.email[b]
    d["email"] = np.select([_same(ea, eb), _both(k.work_email[a], k.work_email[b]), _both(ea, eb)], [1, 2, 3], 0)

    d["account"] = np.select([_same(k.account[a], k.account[b]), _both(k.account[a], k.account[b])], [1, 2], 0)
    d["title"] = np.select([_same(k.title[a], k.title[b]), _both(k.title[a], k.title[b])], [1, 2], 0)
    d["department"] = np.select([_same(k.department[a], k.department[b]), _both(k.department[a], k.department[b])],
                                [1, 2], 0)

    line = _same(k.landline[a], k.landline[b])
    extensions = _both(k.extension[a], k.extension[b])
    same_ext = _same(k.extension[a], k.extension[b])
    d["phone"] = np.select([line & same_ext, line & extensions, line], [1, 3, 2], 0)
    return levels.encode(d)


def contact_constraints(k: ContactKeys, hard) -> dict:
    """What one entity may hold only one of (crmtool.dedupe.cluster): an account (while different_account is
    in force); without a mobile or e-mail agreement, one mobile and one work e-mail address."""
    single = {"account": k.account} if "different_account" in hard.cannot_link else {}
    return {"single": single, "soft": {"mobile": k.mobile1, "work_email": k.work_email}}


def contact_flags(keys: pd.DataFrame) -> dict[str, np.ndarray]:
    """What makes a contact field's value valid (golden records): a full name, a mobile, an e-mail address
    that parses, a landline; `record`: a full name with a mobile or an e-mail (the survivor's base)."""
    name = keys["full"].to_numpy(dtype=bool) & keys["name_key"].notna().to_numpy()
    mobile = keys["mobile1"].notna().to_numpy()
    email = keys["email"].notna().to_numpy()
    return {"name": name, "mobile": mobile, "email": email, "phone": keys["landline"].notna().to_numpy() | mobile,
            "record": name & (mobile | email)}


def contact_block_table(keys: pd.DataFrame, store) -> object:
    """The contact blocking input: rid, store, mobiles (list), email, name_key, pinyin_key, account, landline, title."""
    import pyarrow as pa

    n = len(keys)
    return pa.table({
        "rid": pa.array(np.arange(n, dtype=np.int32)),
        "store": pa.array(np.broadcast_to(np.asarray(store, dtype=bool), n)),
        "mobiles": pa.array(keys["mobiles"].tolist(), type=pa.list_(pa.string())),
        "email": pa.array(keys["email"], type=pa.string()),
        "name_key": pa.array(keys["name_key"].where(keys["full"], None), type=pa.string()),
        "pinyin_key": pa.array(keys["pinyin_key"], type=pa.string()),
        "account": pa.array(keys["account"], type=pa.string()),
        "landline": pa.array(keys["landline"], type=pa.string()),
        "title": pa.array(keys["title"], type=pa.string()),
    })
