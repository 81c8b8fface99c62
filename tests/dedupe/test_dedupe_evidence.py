"""Negative evidence and entity integrity on hand-written look-alikes (tests/dedupe/data/look_alikes.csv),
realistic records of the kinds a user's data merged wrongly, written for these tests and not used to
set any weight: one-character neighbours on one street (博启/博信: 人民路23号 vs 293号) and in one city
(瑞达/金达: other districts, other mobiles), a name without its region whose address and area code say
another city (航远), short names that could chain two same-name companies of two cities (华泰, 永盛), and
true duplicates that must still meet (智远, 顺丰达 by mobile, 博启 by address). The `entity` column is the
truth; an entity ending in ? (a short name with nothing else) may join either look-alike, never both."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmtool.dedupe.decide import Thresholds
from crmtool.dedupe.pipeline import DedupeSettings, dedupe
from tests.dedupe.conftest import accounts

FIXTURE = Path(__file__).parent / "data" / "look_alikes.csv"


@pytest.fixture(scope="module")
def run():
    rows = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False).replace("", None)
    table = accounts(rows.drop(columns="entity").to_dict("records"))
    result = dedupe(table, "id", DedupeSettings(thresholds=Thresholds(floor=-100)))  # every candidate pair in PAIRS
    clusters = result.clusters.set_index("id")["cluster_id"]
    return rows.set_index("id")["entity"], clusters, result


def _together(clusters, *ids) -> bool:
    return clusters[list(ids)].nunique() == 1


def test_no_cluster_holds_two_companies(run):
    truth, clusters, _ = run
    known = truth[~truth.str.endswith("?")]
    for cid, members in known.groupby(clusters[known.index]):
        assert members.nunique() == 1, f"{cid}: {members.to_dict()}"


def test_true_duplicates_still_meet(run):
    _, clusters, _ = run
    for ids in (("b1", "b2"), ("r1", "r2"), ("h2", "h3"), ("t3", "t4"), ("z1", "z2"), ("s1", "s2")):
        assert _together(clusters, *ids), ids


@pytest.mark.parametrize(("bridge", "one", "other", "why"), [
    ("t1", "t2", "t3", "(name_region)"),  # 深圳华泰 (t4) gave the 深圳 entity a name region
    ("y1", "y2", "y3", "(place)"),        # 永盛建材 at 佛山 has no name region: its address says where it is
])
def test_a_short_name_does_not_chain_two_cities(run, bridge, one, other, why):
    _, clusters, result = run
    assert not _together(clusters, one, other)
    pairs = result.pairs.astype({"reasons": "string"}).set_index(["key_a", "key_b"])["reasons"]
    refused = pairs[pairs.str.contains("rule:cluster_constraint", regex=False)]
    links = [reason for (a, b), reason in refused.items() if bridge in (a, b)]
    assert any(why in reason for reason in links), refused.to_dict()


@pytest.mark.parametrize(("a", "b", "level", "decision"), [
    ("b1", "b3", "number_differ", "non-match"),     # 人民路23号 / 人民路293号
    ("r1", "j1", "district_differ", "non-match"),   # 西湖区 / 滨江区
    ("r1", "j1", "mobile_differ", "non-match"),
    ("h1", "h2", "place_conflict", "non-match"),    # 天津 address and 022 against 重庆
    ("h1", "h3", "rule:different_place", "non-match"),
    ("s1", "s3", "mobile_differ", "review"),        # one door, one character, two mobiles: a person decides
])
def test_pairs_carry_the_negative_evidence(run, a, b, level, decision):
    _, _, result = run
    pairs = result.pairs.astype({"reasons": "string"}).set_index(["key_a", "key_b"])
    key = (a, b) if (a, b) in pairs.index else (b, a)
    assert level in pairs.loc[key, "reasons"]
    assert pairs.loc[key, "decision"] == decision
