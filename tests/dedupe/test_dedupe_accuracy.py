"""Pairwise precision and recall on a labelled set from the project's generator (all hard cases on)."""

from __future__ import annotations

import pytest

from tests.dedupe.conftest import pairwise


def _run(n: int, seed: int, hard: bool = False):
    from crmtool.dedupe.pipeline import dedupe
    from crmtool.synth.generate import generate_accounts

    records, truth = generate_accounts(n, seed=seed, hard=hard)
    result = dedupe(records, "record_id")
    entity = truth.set_index("record_id")["entity_id"]
    clusters = result.clusters.set_index("record_id")["cluster_id"]
    return truth, result, pairwise(entity.reindex(clusters.index), clusters)


def test_precision_and_recall_on_generated_accounts():
    truth, result, (precision, recall) = _run(4000, seed=11)
    # the set really holds the hard cases the targets are about
    mess = truth["mess"].str.cat(sep=";")
    for tag in ("name:region_moved", "name:traditional", "name:short", "name:typo", "name:form_dropped",
                "credit_code:typo", "credit_code:missing", "phone:landline_local_only"):
        assert tag in mess
    assert set(truth["relation"].dropna()) >= {"same_trade_other_city", "same_trade_other_industry", "branch"}
    assert precision >= 0.995, f"precision {precision:.4f}"
    assert recall >= 0.97, f"recall {recall:.4f}"


def test_hard_negatives_stay_apart():
    """No generated look-alike (other city, other industry, branch) ends in its model's cluster."""
    truth, result, _ = _run(4000, seed=12)
    clusters = result.clusters.set_index("record_id")["cluster_id"]
    t = truth.assign(cluster=truth["record_id"].map(clusters))
    entity_clusters = t.groupby("entity_id")["cluster"].agg(set)
    looks = t[t["relation"].notna()]
    merged = [
        row.record_id for row in looks.itertuples()
        if row.cluster in entity_clusters.get(row.related_entity_id, set())
    ]
    assert len(merged) <= 0.005 * len(looks), merged[:10]


@pytest.mark.slow
def test_precision_and_recall_at_20k():
    _, _, (precision, recall) = _run(20000, seed=2)
    assert precision >= 0.995 and recall >= 0.97


def test_precision_and_recall_on_the_hard_set():
    """The hard setting: dense one-character neighbours in one city and on one street, and same-name
    companies of other cities written without their region (issue 15's targets)."""
    truth, result, (precision, recall) = _run(20000, seed=21, hard=True)
    relations = truth["relation"].value_counts()
    for relation in ("neighbour_same_street", "neighbour_other_district", "short_other_city"):
        assert relations.get(relation, 0) > 500, relations
    short_elsewhere = truth[(truth["relation"] == "short_other_city") & truth["mess"].str.contains("name:short")]
    assert len(short_elsewhere) > 200
    assert precision >= 0.999, f"precision {precision:.4f}"
    assert recall >= 0.99, f"recall {recall:.4f}"
    neighbours = result.blocks[-1]
    assert neighbours["rule"] == "trade_del1" and neighbours["pairs"] <= 10 * 2 * len(truth)
