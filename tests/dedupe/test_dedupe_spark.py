"""Dedupe on Spark (crmtool.dedupe.spark) gives what the DuckDB path gives: the same clusters, pairs,
golden records and review pairs, on the generator's hard set; and its connected components are
cluster.components' on graphs of every shape."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.xdist_group("spark")


def test_spark_dedupe_equals_duckdb_on_the_hard_set(spark):
    from crmtool.dedupe.pipeline import dedupe
    from crmtool.dedupe.spark import dedupe_on_spark
    from crmtool.synth.generate import generate_accounts

    records, truth = generate_accounts(20000, seed=21, hard=True)
    assert truth["relation"].value_counts().get("neighbour_same_street", 0) > 500  # the hard cases are in it
    duck = dedupe(records, "record_id")
    on_spark = dedupe_on_spark(records, "record_id", spark=spark)

    assert on_spark.blocks == duck.blocks
    # every pair decision: keys, score, decision and reasons (refused matches included)
    assert (duck.pairs["reasons"].astype(str).str.contains("cluster_constraint")).any()
    assert on_spark.pairs.astype(str).equals(duck.pairs.astype(str))
    # the same cluster id per key and the same survivors
    assert on_spark.clusters.equals(duck.clusters)
    assert duck.stats["clusters"] < len(records) - 5000  # many real merges
    assert on_spark.golden.equals(duck.golden)
    assert on_spark.review.equals(duck.review)
    for name in ("records", "candidate_pairs", "matches", "reviews", "clusters"):
        assert on_spark.stats[name] == duck.stats[name]


def _graphs():
    rng = np.random.default_rng(7)
    chain = np.arange(199)
    yield "long path", 200, chain, chain + 1
    yield "reversed path", 200, chain[::-1] + 1, chain[::-1]
    yield "star", 120, np.zeros(119, dtype=np.int64) + 60, np.delete(np.arange(120), 60)
    shuffled = rng.permutation(300)
    yield "shuffled path", 300, shuffled[:-1], shuffled[1:]
    a, b = rng.integers(0, 400, 300), rng.integers(0, 400, 300)
    yield "random sparse", 400, a, b
    a, b = rng.integers(0, 100, 400), rng.integers(0, 100, 400)
    yield "random dense", 100, a, b


def test_spark_components_equal_cluster_components(spark):
    """All the graphs at once, as one disjoint union (one Spark run: rounds are the slowest graph's)."""
    from crmtool.dedupe.cluster import components
    from crmtool.dedupe.spark_components import spark_components

    a_all, b_all, offset = [], [], 0
    for _, n, a, b in _graphs():
        a_all.append(a.astype(np.int64) + offset)
        b_all.append(b.astype(np.int64) + offset)
        offset += n
    a, b = np.concatenate(a_all), np.concatenate(b_all)
    expected = components(offset, a, b)
    edges = spark.createDataFrame([(int(x), int(y)) for x, y in zip(a, b)], "a long, b long")
    got = np.arange(offset, dtype=np.int64)
    for row in spark_components(edges).collect():
        got[row["node"]] = row["label"]
    assert np.array_equal(got, expected)
    assert len(np.unique(expected)) < offset - 900  # long chains and big components, not only singletons


@pytest.mark.slow  # a second Spark dedupe: beyond the suite's time for Spark tests (run with -m slow)
def test_spark_dedupe_equals_duckdb_on_contacts(spark):
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe
    from crmtool.dedupe.rules import builtin_rules
    from crmtool.dedupe.spark import dedupe_on_spark
    from crmtool.synth import generate_contacts

    records, _ = generate_contacts(6000, seed=2026)
    settings = DedupeSettings.from_rules(builtin_rules("contacts"), processes=2)
    duck = dedupe(records, "record_id", settings)
    on_spark = dedupe_on_spark(records, "record_id", settings, spark=spark)
    assert on_spark.blocks == duck.blocks
    assert on_spark.pairs.astype(str).equals(duck.pairs.astype(str))
    assert on_spark.clusters.equals(duck.clusters)
    assert on_spark.golden.equals(duck.golden)
    assert on_spark.review.equals(duck.review)
