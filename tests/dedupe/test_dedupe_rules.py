"""The hard rules and the clustering constraints, on hand-made records."""

from __future__ import annotations

import pandas as pd

from crmtool.canon.uscc import complete_uscc
from crmtool.dedupe.pipeline import dedupe
from tests.dedupe.conftest import accounts

CODE_A = complete_uscc("91110108MA01AAAA")
CODE_B = complete_uscc("91310115MA01BBBB")


def _clusters(rows):
    result = dedupe(accounts(rows), "id")
    return result, dict(zip(result.clusters["id"], result.clusters["cluster_id"], strict=True))


def test_the_four_spellings_of_one_company_are_one_entity():
    _, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "2", "name": "华信（北京）科技有限公司"},
        {"id": "3", "name": "華信科技有限公司"},
        {"id": "4", "name": "华信科技"},
        {"id": "5", "name": "ＨＸ华信(北京)科技有限公司".replace("ＨＸ", "")},
    ])
    assert len(set(c.values())) == 1


def test_same_trade_name_in_another_city_is_another_company():
    _, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司"},
        {"id": "2", "name": "上海华信科技有限公司"},
    ])
    assert c["1"] != c["2"]


def test_another_city_matches_when_the_phone_says_so():
    _, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "phone": "13800138000"},
        {"id": "2", "name": "上海华信科技有限公司", "phone": "+86 138 0013 8000"},
    ])
    assert c["1"] == c["2"]


def test_equal_valid_codes_match_whatever_the_names():
    result, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "2", "name": "北京宏达贸易有限公司", "credit_code": CODE_A.lower()},
    ])
    assert c["1"] == c["2"]
    assert "rule:same_valid_code" in result.pairs["reasons"].iloc[0]


def test_two_different_valid_codes_never_match():
    result, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A, "phone": "13800138000"},
        {"id": "2", "name": "北京华信科技有限公司", "credit_code": CODE_B, "phone": "13800138000"},
    ])
    assert c["1"] != c["2"]
    assert result.pairs["decision"].iloc[0] == "non-match"
    assert "rule:different_valid_codes" in result.pairs["reasons"].iloc[0]


def test_a_branch_never_merges_with_its_head_office():
    result, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "phone": "13800138000"},
        {"id": "2", "name": "北京华信科技有限公司上海分公司", "phone": "13800138000"},
        {"id": "3", "name": "华信科技上海分公司"},
        {"id": "4", "name": "北京华信科技有限公司广州分公司"},
    ])
    assert c["1"] != c["2"] and c["2"] != c["4"] and c["1"] != c["4"]
    assert c["2"] == c["3"]
    assert "rule:branch_vs_head" in result.pairs.set_index(["key_a", "key_b"]).loc[("1", "2"), "reasons"]


def test_a_cluster_never_holds_two_valid_codes_even_through_a_bridge():
    """2 (no code) looks like both 1 and 3, which carry different valid codes: 1 and 3 stay apart."""
    _, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "2", "name": "北京华信科技有限公司"},
        {"id": "3", "name": "北京华信科技有限公司", "credit_code": CODE_B},
    ])
    assert c["1"] != c["3"]
    assert c["2"] in (c["1"], c["3"])


def test_typo_in_code_with_same_name_matches():
    typo = CODE_A[:10] + ("X" if CODE_A[10] != "X" else "Y") + CODE_A[11:]
    _, c = _clusters([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "2", "name": "北京华信科技有限公司", "credit_code": typo},
    ])
    assert c["1"] == c["2"]


def test_cluster_ids_are_stable_across_row_order_and_reruns():
    from crmtool.synth.generate import generate_accounts

    records, _ = generate_accounts(600, seed=3)
    first = dedupe(records, "record_id").clusters.set_index("record_id")["cluster_id"]
    shuffled = records.sample(frac=1.0, random_state=7).reset_index(drop=True)
    second = dedupe(shuffled, "record_id").clusters.set_index("record_id")["cluster_id"]
    pd.testing.assert_series_equal(first.sort_index(), second.sort_index())
    # the id is the smallest key of the cluster
    smallest = first.groupby(first).apply(lambda s: min(s.index))
    assert (smallest.index == smallest.to_numpy()).all()


def test_every_row_gets_exactly_one_cluster_and_one_survivor_per_cluster():
    from crmtool.synth.generate import generate_accounts

    records, _ = generate_accounts(600, seed=4)
    clusters = dedupe(records, "record_id").clusters
    assert len(clusters) == len(records) and clusters["record_id"].is_unique
    assert (clusters.groupby("cluster_id")["is_survivor"].sum() == 1).all()
    merged = clusters[clusters.duplicated("cluster_id", keep=False) & ~clusters["is_survivor"]]
    assert merged["reasons"].str.startswith("matched ").all()


def test_an_address_with_more_detail_agrees_with_the_shorter_one():
    # the samples' 智远网络 rows: same trade name and city, one without its form, different phones
    rows = [
        {"id": "1", "name": "北京智远网络科技有限公司", "phone": "010-85881234", "address": "北京市朝阳区建国路88号SOHO现代城A座1205"},
        {"id": "2", "name": "北京智远网络科技", "phone": "13911112222", "address": "北京市朝阳区建国路88号"},
    ]
    result, c = _clusters(rows)
    assert c["1"] == c["2"]
    assert "address_contains+2.0" in result.pairs["reasons"].iloc[0]
    # a street alone (no house number) is not a place: many companies share 建国路
    rows[1]["address"] = "北京市朝阳区建国路"
    result, c = _clusters(rows)
    assert c["1"] != c["2"] and "address_contains" not in result.pairs["reasons"].iloc[0]
