"""Administrative divisions of China (GB/T 2260 codes with their history), from the shipped table.

`data/divisions.csv` is built by `data/build_divisions.py` from python-stdnum's copy of the
Wikipedia division-code lists (1980-2022): code, current name, whether still in use, province, city,
level and every name the code has had. Old codes are kept because credit codes and ID numbers issued
before a reorganisation still carry them (崇文区 110103 is in many Beijing IDs).

Name lookups (for company names and addresses) use current names and their short forms
(广东省 → 广东, 深圳市 → 深圳, 延边朝鲜族自治州 → 延边).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政单位",
                      "自治区直辖县级行政区划"}
_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_ETHNIC_SUFFIX = re.compile(r"((?:[\u4e00-\u9fff]{1,4}?族)+)?(自治州|自治县|自治旗|地区|盟|市|州|县|区|旗)$")


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    current: bool
    province: str
    city: str | None
    county: str | None
    level: str  # province | prefecture | county


@cache
def _table() -> dict[str, Division]:
    text = resources.files("crmtool.cleanse.data").joinpath("divisions.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        level = row["level"]
        county = row["name"] if level == "county" and row["name"] not in _PLACEHOLDER_NAMES else None
        city = row["city"] or (row["name"] if level == "province" and row["name"] in MUNICIPALITIES else None)
        out[row["code"]] = Division(row["code"], row["name"], row["current"] == "1", row["province"],
                                    city, county, level)
    return out


@lru_cache(maxsize=16384)
def division_of(code: str) -> Division | None:
    """The division for a 6-digit code, falling back to its prefecture, then its province."""
    if len(code) != 6 or not code.isdigit():
        return None
    table = _table()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        hit = table.get(candidate)
        if hit is not None and hit.name not in _PLACEHOLDER_NAMES:
            if candidate != code:  # a county code we do not know: keep only the levels we do know
                return Division(code, hit.name, hit.current, hit.province, hit.city if candidate != code[:2] + "0000"
                                else (hit.province if hit.province in MUNICIPALITIES else None), None, hit.level)
            return hit
    return None


def is_known_code(code: str) -> bool:
    return code in _table()


def short_name(name: str, level: str) -> str:
    """The short form people write: 广东省 → 广东, 广西壮族自治区 → 广西, 恩施土家族苗族自治州 → 恩施."""
    if level == "province":
        short = _PROVINCE_SUFFIX.sub("", name)
    else:
        short = _ETHNIC_SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


@dataclass(frozen=True, slots=True)
class Place:
    """A current division found by name: which one, and the full names of its province and city."""

    name: str
    level: str
    province: str
    city: str | None
    county: str | None
    code: str


@cache
def name_index() -> dict[str, list[Place]]:
    """Every current full name and short form → the places it can mean (several for 朝阳区, 鼓楼区 …)."""
    index: dict[str, list[Place]] = {}
    for d in _table().values():
        if not d.current or d.name in _PLACEHOLDER_NAMES:
            continue
        if d.level == "prefecture" and d.province in MUNICIPALITIES:
            continue
        city = d.city if d.level != "province" else None
        if d.level == "prefecture":
            city = d.name
        place = Place(d.name, d.level, d.province, city, d.name if d.level == "county" else None, d.code)
        for key in {d.name, short_name(d.name, d.level)}:
            index.setdefault(key, []).append(place)
    return index


@cache
def _lengths_by_head() -> dict[str, tuple[int, ...]]:
    """First character → the lengths of the names starting with it, longest first."""
    heads: dict[str, set[int]] = {}
    for key in name_index():
        heads.setdefault(key[0], set()).add(len(key))
    return {h: tuple(sorted(lengths, reverse=True)) for h, lengths in heads.items()}


def match_prefix(text: str, levels: tuple[str, ...] = ("province", "prefecture", "county"),
                 short_levels: tuple[str, ...] = ("province", "prefecture")) -> tuple[str, list[Place]] | None:
    """The longest division name `text` starts with: (the matched text, the places it can mean).

    Short forms (深圳, 广东) are accepted only for `short_levels`; county short forms are too
    ambiguous with trade names (浦东发展银行) to strip.
    """
    if not text:
        return None
    index = name_index()
    for n in _lengths_by_head().get(text[0], ()):
        key = text[:n]
        places = index.get(key) if n <= len(text) else None
        if not places:
            continue
        keep = [p for p in places if p.level in levels and (p.name == key or _short_ok(p, short_levels))]
        if keep:
            return key, keep
    return None


def _short_ok(place: Place, short_levels: tuple[str, ...]) -> bool:
    """Short forms only of provinces and of prefectures that are cities (深圳 for 深圳市): 阿里 (阿里地区)
    or 海西 (海西蒙古族藏族自治州) are written in full when they mean the place."""
    if place.level not in short_levels:
        return False
    return place.level == "province" or place.name.endswith("市")


def provinces() -> list[str]:
    return sorted({d.province for d in _table().values() if d.current})


@dataclass(frozen=True, slots=True)
class RegionPrefix:
    """What the start of an address or a company name says about where it is."""

    text: str  # the prefix as written (广东深圳市南山区)
    rest: str  # what follows it
    province: str | None
    city: str | None
    county: str | None
    code: str | None  # the most precise division code found
    conflict: str | None  # a name that exists, but not inside the region named before it


_RANKS = {"province": 0, "prefecture": 1, "county": 2}


def parse_region_prefix(text: str, min_rest: int = 2) -> RegionPrefix:
    """Province, city and county names at the start of `text`, each at most once and in that order.

    Short forms are accepted for provinces and cities (广东, 深圳); counties only in full (南山区).
    A county alone (海淀区…) gives its city and province when the name is unique in China (朝阳区 is
    not: Beijing and Changchun). A level missing in between is inferred from the lower one.
    """
    rest, parts, rank = text, [], -1
    province = city = county = code = conflict = None
    for _ in range(3):
        hit = match_prefix(rest, short_levels=("province", "prefecture"))
        if not hit or len(rest) - len(hit[0]) < min_rest:
            break
        places = [p for p in hit[1] if _RANKS[p.level] > rank]
        if not places:
            break
        if province:
            inside = [p for p in places if p.province == province and (city is None or p.city in (None, city))]
            if not inside:
                conflict = hit[0]
                break
            places = inside
        parts.append(hit[0])
        rest = rest[len(hit[0]):]
        rank = min(_RANKS[p.level] for p in places)
        if len({p.province for p in places}) == 1:
            province = places[0].province
            cities = {p.city or (p.province if p.province in MUNICIPALITIES else None) for p in places}
            if len(cities) == 1:
                city = city or cities.pop()
            if len(places) == 1:
                code = places[0].code
                county = places[0].county or county
        if rank == 2:
            break
    return RegionPrefix("".join(parts), rest, province, city, county, code, conflict)
