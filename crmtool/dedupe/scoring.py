"""Per-field comparison levels and Fellegi-Sunter match weights for candidate pairs.

Each field has comparison levels, checked in order; the first that holds is the pair's level for
that field. A level's weight is log2(m/u): m = P(level | same company), u = P(level | different
companies), set from what the levels mean on Chinese company data (documented in docs/dedupe.md)
rather than estimated by EM, so that results do not drift with the data. The pair's match weight is
the sum; its reasons list every field that contributed, with its weight.

String similarity is rapidfuzz over code points (`process.cpdist`: one call per field over the whole
pair arrays, in parallel); DuckDB's edit distances count UTF-8 bytes and are wrong for Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Weights:
    """Match weights (log2 m/u) per comparison level."""

    levels: dict[str, float] = field(default_factory=lambda: {
        "code_equal_valid": 14.0,   # both valid and equal: also a hard rule
        "code_conflict": -20.0,      # both valid and different: also a hard rule
        "code_equal": 12.0,          # equal but not a valid USCC (an old code, or a typo entered twice)
        "org_code_equal": 10.0,      # the organisation-code part agrees (a typo in the region part)
        "code_close": 7.0,           # within two edits of each other, one of them invalid: a typo / OCR slip
        "code_differ": -5.0,
        "name_exact": 8.0,
        "trade_exact": 6.0,          # same trade-name key: region moved, form dropped, short form, 繁体 …
        "trade_typo": 2.5,           # one character apart
        "trade_similar": -2.0,
        "name_differ": -8.0,
        "region_same": 1.0,
        "region_conflict": -8.0,     # also a hard rule unless code or phone agree
        "form_same": 0.5,
        "form_differ": -0.5,
        "branch_conflict": -20.0,    # also a hard rule
        "phone_match": 8.0,
        "phone_differ": -1.0,
        "address_match": 3.0,
        "address_differ": -1.0,
    })


DEFAULT_WEIGHTS = Weights()


def _text(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), None).to_numpy()


def _pair_distance(a: np.ndarray, b: np.ndarray, scorer, *, processor=None) -> np.ndarray:
    from rapidfuzz import process

    if len(a) == 0:
        return np.zeros(0)
    left = np.where(pd.isna(a), "", a).astype(object).tolist()
    right = np.where(pd.isna(b), "", b).astype(object).tolist()
    return process.cpdist(left, right, scorer=scorer, workers=-1)


def comparison_levels(keys: pd.DataFrame, a: np.ndarray, b: np.ndarray, *, phone_match: np.ndarray) -> pd.DataFrame:
    """One row per pair, one column per field: the name of the level (or "" when a field says nothing)."""
    from rapidfuzz.distance import Indel, Levenshtein

    n = len(a)
    out = {}

    code_a, code_b = _text(keys["code"])[a], _text(keys["code"])[b]
    valid_a, valid_b = keys["code_valid"].to_numpy()[a], keys["code_valid"].to_numpy()[b]
    org_a, org_b = _text(keys["org_code"])[a], _text(keys["org_code"])[b]
    both = pd.notna(code_a) & pd.notna(code_b)
    eq = both & (code_a == code_b)
    code_dist = _pair_distance(code_a, code_b, Levenshtein.distance)
    out["code"] = np.select(
        [eq & valid_a & valid_b, both & valid_a & valid_b, eq,
         pd.notna(org_a) & pd.notna(org_b) & (org_a == org_b), both & (code_dist <= 2), both],
        ["code_equal_valid", "code_conflict", "code_equal", "org_code_equal", "code_close", "code_differ"], "")

    name_a, name_b = _text(keys["name_norm"])[a], _text(keys["name_norm"])[b]
    trade_a, trade_b = _text(keys["trade"])[a], _text(keys["trade"])[b]
    tboth = pd.notna(trade_a) & pd.notna(trade_b)
    trade_dist = _pair_distance(trade_a, trade_b, Levenshtein.distance)
    trade_sim = _pair_distance(trade_a, trade_b, Indel.normalized_similarity)
    min_len = np.minimum(pd.Series(trade_a).str.len().fillna(0).to_numpy(), pd.Series(trade_b).str.len().fillna(0).to_numpy())
    out["name"] = np.select(
        [pd.notna(name_a) & (name_a == name_b), tboth & (trade_a == trade_b),
         tboth & (trade_dist == 1) & (min_len >= 4), tboth & (trade_sim >= 0.75), tboth],
        ["name_exact", "trade_exact", "trade_typo", "trade_similar", "name_differ"], "")

    city_a, city_b = _text(keys["region"])[a], _text(keys["region"])[b]
    prov_a, prov_b = _text(keys["province"])[a], _text(keys["province"])[b]
    cities = pd.notna(city_a) & pd.notna(city_b)
    provs = pd.notna(prov_a) & pd.notna(prov_b)
    out["region"] = np.select(
        [cities & (city_a == city_b), cities, provs & (prov_a != prov_b), provs & ~pd.notna(city_a) & ~pd.notna(city_b)],
        ["region_same", "region_conflict", "region_conflict", "region_same"], "")

    form_a, form_b = _text(keys["org_form"])[a], _text(keys["org_form"])[b]
    forms = pd.notna(form_a) & pd.notna(form_b)
    out["form"] = np.select([forms & (form_a == form_b), forms], ["form_same", "form_differ"], "")

    br_a, br_b = _text(keys["branch"])[a], _text(keys["branch"])[b]
    branch_a, branch_b = pd.notna(br_a), pd.notna(br_b)
    conflict = (branch_a != branch_b) | (branch_a & branch_b & (br_a != br_b))
    out["branch"] = np.where(conflict, "branch_conflict", "")

    has_phone = keys["phones"].map(len).to_numpy() > 0
    out["phone"] = np.select([phone_match, has_phone[a] & has_phone[b]], ["phone_match", "phone_differ"], "")

    addr_a, addr_b = _text(keys["address"])[a], _text(keys["address"])[b]
    aboth = pd.notna(addr_a) & pd.notna(addr_b)
    addr_sim = _pair_distance(addr_a, addr_b, Indel.normalized_similarity)
    out["address"] = np.select([aboth & (addr_sim >= 0.9), aboth], ["address_match", "address_differ"], "")
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def match_weights(levels: pd.DataFrame, weights: Weights = DEFAULT_WEIGHTS) -> tuple[np.ndarray, np.ndarray]:
    """(match weight per pair, reasons per pair as "level+w; level-w" text).

    Pairs share few level combinations (hundreds), so the reasons text is built once per combination
    and mapped back, not once per pair.
    """
    combo = np.zeros(len(levels), dtype=np.int64)
    uniques = []
    for column in levels.columns:
        codes, labels = pd.factorize(levels[column].to_numpy())
        combo = combo * (len(labels) + 1) + codes
        uniques.append(labels)
    pattern, first = np.unique(combo, return_index=True)
    position = np.searchsorted(pattern, combo)
    total_of, text_of = np.zeros(len(pattern)), np.empty(len(pattern), dtype=object)
    rows = levels.to_numpy()[first] if len(first) else np.empty((0, levels.shape[1]), dtype=object)
    for i, row in enumerate(rows):
        parts = [(lv, weights.levels.get(lv, 0.0)) for lv in row if lv]
        total_of[i] = sum(w for _, w in parts)
        text_of[i] = "; ".join(f"{lv}{w:+.1f}" for lv, w in parts)
    return total_of[position], text_of[position]
