"""Per-field comparison levels and Fellegi-Sunter match weights for candidate pairs.

Each field has comparison levels, checked in order; the first that holds is the pair's level for
that field. A level's weight is log2(m/u): m = P(level | same company), u = P(level | different
companies), set from what the levels mean on Chinese company data (the built-in rules file, docs/dedupe.md)
rather than estimated by EM, so that results do not drift with the data. The pair's match weight is
the sum; its reasons list every field that contributed, with its weight.

A pair's levels are stored as one small integer, its *pattern* (a mixed-radix number with one digit
per field): there are only 25,200 possible patterns, so weights, decisions and reasons text are
computed once per pattern and looked up, and a pair costs a few bytes whatever its reasons say.

String similarity is rapidfuzz over code points (`process.cpdist`: one call per field over a chunk
of pairs, in parallel), only for the pairs whose level depends on it; DuckDB's edit distances count
UTF-8 bytes and are wrong for Chinese. Equality tests run on integer codes of the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmtool.config.dedupe import COMPANY_LEVELS, COMPARE_SETS
from crmtool.dedupe.rules import builtin_rules

if TYPE_CHECKING:
    import pyarrow as pa


class LevelSet:
    """One comparison set's fields and levels (crmtool.config.dedupe.COMPARE_SETS) as pattern digits: a
    mixed-radix number with one digit per field, 0 = the field says nothing."""

    def __init__(self, name: str, fields: dict[str, tuple[str, ...]]):
        self.name = name
        self.fields = fields
        self.radix = {f: len(levels) + 1 for f, levels in fields.items()}
        self.stride = dict(zip(fields, np.cumprod([1] + [self.radix[f] for f in fields][:-1]).tolist(), strict=True))
        self.n_patterns = int(np.prod(list(self.radix.values())))
        assert self.n_patterns < np.iinfo(np.int16).max, "patterns are stored as int16"

    def level(self, field_name: str, name: str) -> int:
        """The digit of a level within its field (1-based; 0 is "says nothing")."""
        return self.fields[field_name].index(name) + 1

    def encode(self, digits: dict[str, np.ndarray]) -> np.ndarray:
        """One pattern per pair from its per-field level digits."""
        n = len(next(iter(digits.values())))
        pattern = np.zeros(n, dtype=np.int16)
        for name in self.fields:
            pattern += digits[name].astype(np.int16) * np.int16(self.stride[name])
        return pattern

    def digit(self, pattern: np.ndarray, field_name: str) -> np.ndarray:
        """The level digit of one field, for each pattern."""
        return (pattern.astype(np.int32) // self.stride[field_name]) % self.radix[field_name]


LEVEL_SETS = {name: LevelSet(name, fields) for name, fields in COMPARE_SETS.items()}
COMPANY_SET = LEVEL_SETS["company"]
FIELD_LEVELS = COMPANY_LEVELS  # per field, its levels in the order they are checked; digit 0 = the field says nothing
N_PATTERNS = COMPANY_SET.n_patterns


@dataclass(frozen=True)
class Weights:
    """Match weights (log2 m/u) per comparison level; by default the built-in rules' (rules/accounts.yaml,
    where each level's meaning is noted)."""

    levels: dict[str, float] = field(default_factory=lambda: builtin_rules().weights())

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.levels.items())))


DEFAULT_WEIGHTS = Weights()


def level(field_name: str, name: str) -> int:
    """The digit of a company level within its field (1-based; 0 is "says nothing")."""
    return COMPANY_SET.level(field_name, name)


def encode(digits: dict[str, np.ndarray]) -> np.ndarray:
    """One company pattern per pair from its per-field level digits."""
    return COMPANY_SET.encode(digits)


def digit(pattern: np.ndarray, field_name: str) -> np.ndarray:
    """The level digit of one company field, for each pattern."""
    return COMPANY_SET.digit(pattern, field_name)


class PatternTable:
    """Every pattern's level names, match weight and reasons text, for one set of weights over one
    comparison set (the company set by default)."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, level_set: LevelSet = COMPANY_SET):
        self.weights = weights
        self.level_set = level_set
        pattern = np.arange(level_set.n_patterns)
        names = {}
        total = np.zeros(level_set.n_patterns)
        for f, levels in level_set.fields.items():
            d = level_set.digit(pattern, f)
            names[f] = np.asarray(("",) + levels, dtype=object)[d]
            total += np.asarray([0.0] + [weights.levels.get(lv, 0.0) for lv in levels])[d]
        self.levels = pd.DataFrame(names)  # one row per pattern, the level name per field ("" = none)
        self.weight = total

    def reasons(self, pattern: int) -> str:
        """"level+w; level-w" for one pattern (built on demand: only the patterns of kept pairs are read)."""
        row = self.levels.iloc[pattern]
        return "; ".join(f"{lv}{self.weights.levels.get(lv, 0.0):+.1f}" for lv in row if lv)


@dataclass
class PairKeys:
    """The record keys in the form pair comparisons need: integer codes for equality (-1 = missing),
    Arrow strings for the edit distances, flags. Built once per run."""

    code: np.ndarray
    valid: np.ndarray
    org: np.ndarray
    name: np.ndarray
    trade: np.ndarray
    trade_len: np.ndarray
    city: np.ndarray
    province: np.ndarray
    form: np.ndarray
    branch: np.ndarray
    has_phone: np.ndarray
    address: np.ndarray  # integer code of the address street part (-1: none)
    address_len: np.ndarray  # its length in characters
    address_numbered: np.ndarray  # it has a house number (…88号, 88 in a street): a place, not only a street
    address_head: np.ndarray  # integer code of its first four characters (-1: none), for address_contains
    place: Places  # where the address and the phone's area code say the record is
    house: np.ndarray  # the address's house number (digits before 号), -1 for none
    mobile: np.ndarray  # integer code of the record's first mobile, -1 for none
    code_text: object  # pyarrow arrays
    trade_text: object
    address_text: object

    @classmethod
    def from_keys(cls, keys: pd.DataFrame | pa.Table) -> PairKeys:
        """From record keys: a keys.record_keys frame, or an Arrow table of its columns (the real-time
        check's candidates)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        def text(column: str):
            return key_array(keys, column).cast(pa.string())

        # the dictionary encodings two at a time (Arrow releases the GIL)
        from concurrent.futures import ThreadPoolExecutor

        names = ("code", "org_code", "name_norm", "trade", "org_form", "branch", "address", "mobile")
        with ThreadPoolExecutor(2, thread_name_prefix="crmtool-codes") as pool:
            codes = dict(zip(names, pool.map(lambda column: int_codes(key_array(keys, column)), names), strict=True))
        trade, address = text("trade"), text("address")
        place = Places.from_keys(keys)
        return cls(
            code=codes["code"], valid=key_array(keys, "code_valid").to_numpy(zero_copy_only=False).astype(bool),
            org=codes["org_code"], name=codes["name_norm"], trade=codes["trade"],
            trade_len=pc.utf8_length(trade).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int16),
            city=place.name_city, province=place.name_province, form=codes["org_form"], branch=codes["branch"],
            has_phone=phone_count(keys) > 0, address=codes["address"],
            address_len=pc.utf8_length(address).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32),
            address_numbered=pc.match_substring_regex(address, "[0-9]").fill_null(False).to_numpy(zero_copy_only=False),
            address_head=int_codes(pc.utf8_slice_codeunits(address, 0, 4)),
            place=place, house=key_array(keys, "house").to_numpy(zero_copy_only=False).astype(np.int32),
            mobile=codes["mobile"], code_text=text("code"), trade_text=trade, address_text=address,
        )


def key_array(keys: pd.DataFrame | pa.Table, column: str) -> pa.Array:
    """One column of record keys (a record_keys frame or an Arrow table of its columns) as one Arrow array."""
    import pyarrow as pa

    array = keys.column(column) if isinstance(keys, pa.Table) else pa.array(keys[column])
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


@dataclass
class Places:
    """Per record, the places its fields state, as integer codes in one code space per level (a name's
    city and an address's city compare as equal codes); -1 where a field states none.

    `loc_*` is where the record is: the address's region, else the landline area code's."""

    name_city: np.ndarray
    name_province: np.ndarray
    loc_city: np.ndarray
    loc_province: np.ndarray
    phone_city: np.ndarray
    phone_province: np.ndarray
    district: np.ndarray

    @classmethod
    def from_keys(cls, keys: pd.DataFrame | pa.Table) -> Places:
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(keys)
        col = lambda name: key_array(keys, name).cast(pa.string())
        loc_city = pc.coalesce(col("address_city"), col("phone_city"))
        loc_province = pc.coalesce(col("address_province"), col("phone_province"))
        cities = int_codes(pa.concat_arrays([col("region"), loc_city, col("phone_city")]))
        provinces = int_codes(pa.concat_arrays([col("province"), loc_province, col("phone_province")]))
        district = int_codes(pc.binary_join_element_wise(col("address_city"), col("address_district"), ""))
        return cls(cities[:n], provinces[:n], cities[n:2 * n], provinces[n:2 * n], cities[2 * n:], provinces[2 * n:],
                   district)

    def evidence(self, branch: np.ndarray) -> np.ndarray:
        """Per record, the one city to hold a cluster to: where the record is, else its name's city (not a
        branch's: 华信科技（北京）有限公司上海分公司 is in 上海)."""
        return np.where(self.loc_city >= 0, self.loc_city, np.where(branch < 0, self.name_city, -1))


def _differ(city_a, prov_a, city_b, prov_b) -> np.ndarray:
    """Two stated places that cannot be one: other provinces, or other cities."""
    return (((prov_a >= 0) & (prov_b >= 0) & (prov_a != prov_b))
            | ((city_a >= 0) & (city_b >= 0) & (city_a != city_b)))


def place_levels(k: PairKeys, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(place_conflict, district_differ) per pair.

    A conflict is any two of the stated places that cannot be one: both locations, or one record's
    name region against the other's location (a short name 航远餐饮管理有限公司 at 天津市南开区… is not
    重庆航远餐饮管理有限公司). A branch's name region is its head office's, so it is not compared."""
    p = k.place
    conflict = _differ(p.loc_city[a], p.loc_province[a], p.loc_city[b], p.loc_province[b])
    for x, y in ((a, b), (b, a)):
        named = k.branch[x] < 0
        conflict |= named & _differ(p.name_city[x], p.name_province[x], p.loc_city[y], p.loc_province[y])
    same_city = (p.loc_city[a] >= 0) & (p.loc_city[a] == p.loc_city[b])
    district = same_city & (p.district[a] >= 0) & (p.district[b] >= 0) & (p.district[a] != p.district[b])
    return conflict, district


def int_codes(values: pd.Series | pa.Array) -> np.ndarray:
    """One int32 code per distinct value, -1 for null (Arrow's dictionary encoding: faster than pandas')."""
    import pyarrow as pa

    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)  # pa.array(Arrow) goes through Python
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.dictionary_encode().indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)


def phone_count(keys: pd.DataFrame | pa.Table) -> np.ndarray:
    """Number of phone keys per record (the `phones` column is an Arrow list)."""
    import pyarrow.compute as pc

    phones = key_array(keys, "phones")
    return pc.list_value_length(phones).fill_null(0).to_numpy(zero_copy_only=False)


THREADS_FROM = 2000  # pairs per rapidfuzz call from which it runs on every core


def _distance(texts, a: np.ndarray, b: np.ndarray, scorer, **kwargs) -> np.ndarray:
    """scorer(texts[a[i]], texts[b[i]]) for every i (no missing values among them)."""
    from rapidfuzz import process

    if len(a) == 0:
        return np.zeros(0)
    left = texts.take(a).to_pylist()
    right = texts.take(b).to_pylist()
    # threads for big batches only: starting them costs ~0.4 ms a call, 100 times a short call's work
    return process.cpdist(left, right, scorer=scorer, workers=-1 if len(a) >= THREADS_FROM else 1, **kwargs)


def _contains(k: PairKeys, a: np.ndarray, b: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The shorter street part, with a house number and 4+ characters, is the start of the longer one
    (asked only of pairs whose first four characters agree: no other can be)."""
    from rapidfuzz.distance import Prefix

    shorter = np.minimum(k.address_len[a], k.address_len[b])
    numbered = np.where(k.address_len[a] <= k.address_len[b], k.address_numbered[a], k.address_numbered[b])
    out = np.zeros(len(a), dtype=bool)
    ask = np.flatnonzero(among & (shorter >= 4) & numbered & (k.address_head[a] == k.address_head[b]))
    out[ask] = _distance(k.address_text, a[ask], b[ask], Prefix.similarity) == shorter[ask]
    return out


def comparison_patterns(k: PairKeys, a: np.ndarray, b: np.ndarray, phone_match: np.ndarray) -> np.ndarray:
    """The pattern (all fields' levels) of each pair (a[i], b[i])."""
    from rapidfuzz.distance import Indel, Levenshtein

    n = len(a)
    d: dict[str, np.ndarray] = {}

    ca, cb = k.code[a], k.code[b]
    both = (ca >= 0) & (cb >= 0)
    eq = both & (ca == cb)
    valid = k.valid[a] & k.valid[b]
    org_eq = (k.org[a] >= 0) & (k.org[a] == k.org[b])
    close = np.zeros(n, dtype=bool)
    ask = np.flatnonzero(both & ~eq & ~valid & ~org_eq)
    close[ask] = _distance(k.code_text, a[ask], b[ask], Levenshtein.distance, score_cutoff=3) <= 2
    d["code"] = np.select([eq & valid, both & valid, eq, org_eq, close, both], [1, 2, 3, 4, 5, 6], 0)

    ta, tb = k.trade[a], k.trade[b]
    tboth = (ta >= 0) & (tb >= 0)
    name_eq = (k.name[a] >= 0) & (k.name[a] == k.name[b])
    trade_eq = tboth & (ta == tb)
    typo = np.zeros(n, dtype=bool)
    similar = np.zeros(n, dtype=bool)
    ask = np.flatnonzero(tboth & ~trade_eq & ~name_eq)
    if len(ask):
        dist = _distance(k.trade_text, a[ask], b[ask], Levenshtein.distance, score_cutoff=2)
        short = np.minimum(k.trade_len[a[ask]], k.trade_len[b[ask]])
        typo[ask] = (dist == 1) & (short >= 4)
        rest = ask[~typo[ask]]
        similar[rest] = _distance(k.trade_text, a[rest], b[rest], Indel.normalized_similarity) >= 0.75
    d["name"] = np.select([name_eq, trade_eq, typo, similar, tboth], [1, 2, 3, 4, 5], 0)

    city_a, city_b = k.city[a], k.city[b]
    prov_a, prov_b = k.province[a], k.province[b]
    cities = (city_a >= 0) & (city_b >= 0)
    provs = (prov_a >= 0) & (prov_b >= 0)
    place_conflict, district_differ = place_levels(k, a, b)
    d["region"] = np.select(
        [cities & (city_a != city_b), provs & (prov_a != prov_b), place_conflict, district_differ,
         cities | (provs & (city_a < 0) & (city_b < 0))],
        [2, 2, 3, 4, 1], 0)

    fa, fb = k.form[a], k.form[b]
    d["form"] = np.select([(fa >= 0) & (fb >= 0) & (fa == fb), (fa >= 0) & (fb >= 0)], [1, 2], 0)

    d["branch"] = (k.branch[a] != k.branch[b]).astype(np.int8)  # a branch and a head office, or two branches

    p = k.place  # one line key in two area codes is two numbers
    phone_match = phone_match & ~_differ(p.phone_city[a], p.phone_province[a], p.phone_city[b], p.phone_province[b])
    mobiles = (k.mobile[a] >= 0) & (k.mobile[b] >= 0)
    d["phone"] = np.select([phone_match, mobiles, k.has_phone[a] & k.has_phone[b]], [1, 3, 2], 0)

    ad_a, ad_b = k.address[a], k.address[b]
    both = (ad_a >= 0) & (ad_b >= 0)
    match = both & (ad_a == ad_b)
    numbers = (k.house[a] >= 0) & (k.house[b] >= 0) & (k.house[a] != k.house[b])
    ask = np.flatnonzero(both & ~match & ~numbers)  # two house numbers decide the level whatever the streets say
    match[ask] = _distance(k.address_text, a[ask], b[ask], Indel.normalized_similarity, score_cutoff=0.9) >= 0.9
    d["address"] = np.select([numbers, match, _contains(k, a, b, both & ~match & ~numbers), both], [4, 1, 2, 3], 0)
    return encode(d)
