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
from typing import Iterator, NamedTuple

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政单位",
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
def division_table() -> dict[str, Division]:
    text = resources.files("crmtool.cleanse.data").joinpath("divisions.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        level = row["level"]
        county = row["name"] if level == "county" and row["name"] not in PLACEHOLDER_NAMES else None
        city = row["city"] or (row["name"] if level == "province" and row["name"] in MUNICIPALITIES else None)
        out[row["code"]] = Division(row["code"], row["name"], row["current"] == "1", row["province"],
                                    city, county, level)
    return out


@lru_cache(maxsize=16384)
def division_of(code: str) -> Division | None:
    """The division for a 6-digit code, falling back to its prefecture, then its province."""
    if len(code) != 6 or not code.isdigit():
        return None
    table = division_table()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        hit = table.get(candidate)
        if hit is not None and hit.name not in PLACEHOLDER_NAMES:
            if candidate != code:  # a county code we do not know: keep only the levels we do know
                return Division(code, hit.name, hit.current, hit.province, hit.city if candidate != code[:2] + "0000"
                                else (hit.province if hit.province in MUNICIPALITIES else None), None, hit.level)
            return hit
    return None


def divisions_of(codes) -> dict:
    """`division_of` for an Arrow string array of codes at once: {"province", "city", "district"}, each
    an Arrow array (null where `division_of` gives None or the field is None)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    keys, fields = _division_columns()
    codes = codes.cast(pa.large_string())

    def tail(zeros: str):
        return pa.scalar(zeros, pa.large_string())

    digits = np.asarray(pc.fill_null(pc.match_substring_regex(codes, "^[0-9]{6}$"), False), dtype=bool)
    found = np.full(len(codes), -1, np.int64)
    for k, candidate in enumerate((codes, pc.binary_join_element_wise(pc.utf8_slice_codeunits(codes, 0, 4), tail("00"), tail("")),
                                   pc.binary_join_element_wise(pc.utf8_slice_codeunits(codes, 0, 2), tail("0000"),
                                                               tail("")))):
        at = np.asarray(pc.fill_null(pc.index_in(candidate, value_set=keys[k]), -1), dtype=np.int64)
        found = np.where((found < 0) & digits & (at >= 0), at + k * len(fields["province"]) // 3, found)
    take = pa.array(np.where(found < 0, len(fields["province"]), found))
    return {name: pa.concat_arrays([column, pa.nulls(1, pa.string())]).take(take) for name, column in fields.items()}


@cache
def _division_columns():
    """For `divisions_of`: the codes `division_of` finds as themselves, as a prefecture and as a province
    (three key arrays), and what it answers for each, as three blocks of equal length per field."""
    import pyarrow as pa

    table = division_table()
    usable = sorted(code for code, hit in table.items() if hit.name not in PLACEHOLDER_NAMES)
    blocks = []
    for level in range(3):
        answers = []
        for code in usable:
            hit = table[code]
            if level == 0:
                answers.append((hit.province, hit.city, hit.county))
            elif level == 1:
                answers.append((hit.province, hit.city, None))
            else:
                answers.append((hit.province, hit.province if hit.province in MUNICIPALITIES else None, None))
        blocks.append(answers)
    keys = tuple(pa.array(usable, type=pa.large_string()) for _ in range(3))
    fields = {name: pa.array([a[i] for block in blocks for a in block], type=pa.string())
              for i, name in enumerate(("province", "city", "district"))}
    return keys, fields


def is_known_code(code: str) -> bool:
    return code in division_table()


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


def current_divisions() -> Iterator[Division]:
    """The divisions in use today, without the placeholder levels (市辖区, 省直辖县级行政区划 …)."""
    return (d for d in division_table().values() if d.current and d.name not in PLACEHOLDER_NAMES)


@cache
def name_index() -> dict[str, list[Place]]:
    """Every current full name and short form → the places it can mean (several for 朝阳区, 鼓楼区 …)."""
    index: dict[str, list[Place]] = {}
    for d in current_divisions():
        if d.level == "prefecture" and d.province in MUNICIPALITIES:
            continue
        city = d.city if d.level != "province" else None
        if d.level == "prefecture":
            city = d.name
        place = Place(d.name, d.level, d.province, city, d.name if d.level == "county" else None, d.code)
        for key in {d.name, short_name(d.name, d.level)}:
            index.setdefault(key, []).append(place)
    return index


LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
_ALL_LEVELS = ("province", "prefecture", "county")


@lru_cache(maxsize=32)
def _prefix_index(levels: tuple[str, ...], short_levels: tuple[str, ...], any_short: bool
                  ) -> tuple[dict[str, tuple[Place, ...]], dict[str, tuple[int, ...]]]:
    """`name_index` filtered once for one way of matching: key → the places it may mean (highest
    level first), and first two characters → the lengths of the keys starting with them, longest
    first (every key has at least two; most pairs start one key, so a miss costs one lookup)."""
    index: dict[str, tuple[Place, ...]] = {}
    for key, places in name_index().items():
        keep = [p for p in places if p.level in levels and (
            p.name == key or any_short or (p.level in short_levels and _short_ok(p)))]
        if keep:
            index[key] = tuple(sorted(keep, key=lambda p: LEVEL_RANK[p.level]))
    heads: dict[str, set[int]] = {}
    for key in index:
        heads.setdefault(key[:2], set()).add(len(key))
    return index, {h: tuple(sorted(lengths, reverse=True)) for h, lengths in heads.items()}


def match_prefix(text: str, levels: tuple[str, ...] = _ALL_LEVELS,
                 short_levels: tuple[str, ...] = ("province", "prefecture"),
                 any_short: bool = False) -> tuple[str, list[Place]] | None:
    """The longest division name `text` starts with: (the matched text, the places it can mean,
    highest level first).

    Short forms (深圳, 广东) are accepted only for `short_levels`, and of prefectures only for those
    that are cities (深圳 for 深圳市, not 阿里 for 阿里地区); county short forms are too ambiguous with
    trade names (浦东发展银行) to strip. `any_short` lifts the last two limits, for places where the
    position already says "a place name" (inside brackets, right before 分公司).
    """
    if not text:
        return None
    index, heads = _prefix_index(levels, short_levels, any_short)
    for n in heads.get(text[:2], ()):
        if n <= len(text) and (places := index.get(text[:n])):
            return text[:n], list(places)
    return None


def place_suffix_start(text: str, max_parts: int = 3) -> int | None:
    """Where the longest run of division names that ends `text` starts (华信科技海口 → 4, 华信北京朝阳 →
    2), short forms of every level accepted; None when `text` does not end in one.

    Division names are chained backwards from the end (one set lookup per key length), and each
    start found is then read forwards with `parse_region_prefix`, which decides what the run means.
    """
    index, _ = _prefix_index(_ALL_LEVELS, _SHORT_LEVELS, True)
    lengths = _key_lengths(True)
    starts: set[int] = set()
    frontier = {len(text)}
    for _ in range(max_parts):
        found = {end - n for end in frontier for n in lengths if n <= end and text[end - n:end] in index}
        if not found:
            break
        starts |= found
        frontier = found
    for start in sorted(starts):
        piece = text[start:]
        if parse_region_prefix(piece, min_rest=0, any_short=True).text == piece:
            return start
    return None


@lru_cache(maxsize=2)
def _key_lengths(any_short: bool) -> tuple[int, ...]:
    return tuple(sorted({len(k) for k in _prefix_index(_ALL_LEVELS, _SHORT_LEVELS, any_short)[0]}))


def _short_ok(place: Place) -> bool:
    """Short forms of provinces, and of prefectures that are cities (深圳 for 深圳市): 阿里 (阿里地区)
    or 海西 (海西蒙古族藏族自治州) are written in full when they mean the place."""
    return place.level == "province" or place.name.endswith("市")


def provinces() -> list[str]:
    return sorted({d.province for d in division_table().values() if d.current})


class RegionPrefix(NamedTuple):
    """What the start of an address or a company name says about where it is (a named tuple: one is
    made per name, and a frozen dataclass takes a few times as long to build)."""

    text: str  # the prefix as written (广东深圳市南山区)
    rest: str  # what follows it
    province: str | None
    city: str | None
    county: str | None
    code: str | None  # the most precise division code found
    conflict: str | None  # a name that exists, but not inside the region named before it


def parse_region_prefix(text: str, min_rest: int = 2, any_short: bool = False) -> RegionPrefix:
    """Province, city and county names at the start of `text`, each at most once and in that order.

    Short forms are accepted for provinces and cities (广东, 深圳); counties only in full (南山区),
    unless `any_short` (see `match_prefix`). A name that several places share means the one of the
    highest level (province > prefecture > county: 吉林 is 吉林省, 西安 is 西安市 and not 西安区, 朝阳 is
    辽宁's 朝阳市), unless what was named before it says otherwise (北京朝阳区, 吉林省吉林市). A county
    alone (海淀区…) gives its city and province when the name is unique in China (朝阳区 is not:
    Beijing and Changchun). A level missing in between is inferred from the lower one.
    """
    index, heads = _NAME_READINGS.get(any_short) or _name_reading(any_short)
    rest, start, rank = text, 0, -1
    province = city = county = code = conflict = None
    for _ in range(3):
        key = None
        for n in heads.get(rest[:2], ()):  # match_prefix, inlined: this runs once per name
            if n <= len(rest) and (candidate := rest[:n]) in index:
                key = candidate
                break
        if key is None or len(rest) - len(key) < min_rest:
            break
        step = _step(key, any_short, rank, province, city)
        if step is None:
            break
        if step is _CONFLICT:
            conflict = key
            break
        rank, province, city, county, found_code = step
        code = found_code or code
        start += len(key)
        rest = text[start:]
        if rank == 2:
            break
    return RegionPrefix(text[:start], rest, province, city, county, code, conflict)


_SHORT_LEVELS = ("province", "prefecture")
_CONFLICT = ("conflict",)
_NAME_READINGS: dict[bool, tuple[dict[str, tuple[Place, ...]], dict[str, tuple[int, ...]]]] = {}


def prefix_names(any_short: bool = False) -> tuple[str, ...]:
    """Every name `parse_region_prefix` can read as one division (its index keys), for column-wise
    readers that look the longest of them up themselves (`company_name_columns`)."""
    index, _ = _NAME_READINGS.get(any_short) or _name_reading(any_short)
    return tuple(index)


def _name_reading(any_short: bool):
    """The index `parse_region_prefix` reads with (kept in a plain dict: it is asked once per name)."""
    _NAME_READINGS[any_short] = _prefix_index(_ALL_LEVELS, _SHORT_LEVELS, any_short)
    return _NAME_READINGS[any_short]


@lru_cache(maxsize=65536)
def _step(key: str, any_short: bool, rank: int, province: str | None, city: str | None):
    """One division name in a prefix, read after what came before it (the level reached, the
    province and city known): None when it cannot follow (not a lower level), _CONFLICT when it is
    not inside the province or city named before, else (rank, province, city, county, code) after it.
    Cached: the same few thousand names and contexts recur in every name and address."""
    index, _ = _prefix_index(_ALL_LEVELS, _SHORT_LEVELS, any_short)
    places = [p for p in index[key] if LEVEL_RANK[p.level] > rank]
    if not places:
        return None
    if province:
        places = [p for p in places if p.province == province and (city is None or p.city in (None, city))]
        if not places:
            return _CONFLICT
    rank = LEVEL_RANK[places[0].level]  # places come highest level first
    places = [p for p in places if LEVEL_RANK[p.level] == rank]
    county = code = None
    if len({p.province for p in places}) == 1:
        province = places[0].province
        cities = {p.city or (p.province if p.province in MUNICIPALITIES else None) for p in places}
        if len(cities) == 1:
            city = city or cities.pop()
        if len(places) == 1:
            code, county = places[0].code, places[0].county
    return rank, province, city, county, code
