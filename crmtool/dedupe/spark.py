"""The dedupe stage on Apache Spark, with the results of `pipeline.dedupe` (DuckDB) by construction.

Each step runs the DuckDB path's own code, on Spark where the data is per pair:

- keys: `Comparison.prepare` on the driver (the key functions build integer codes over the whole table);
  the compact pair keys (and reviewer fingerprints) are broadcast to the executors;
- blocking: `blocking.block` itself, over `spark_sql.SparkSQL` (the same rule SQL, translated by sqlglot);
- scoring: `pipeline.score_batch` per Arrow batch of candidate pairs (`mapInArrow`): the same patterns,
  weights, decisions and kept pairs;
- entities: connected components of the matched pairs on Spark (`spark_components`), then
  `cluster.cluster` (the merge loop that refuses contradicting links) per group of whole components
  (`applyInPandas`): components never touch each other, so per group is the same as all at once;
- outputs: `pipeline.finish` on the driver from the kept pairs and the entities (cluster ids, survivors,
  CLUSTERS, PAIRS, review and golden frames).

What comes back to the driver: the kept pairs (13 bytes each, as in the DuckDB path) and one root per
linked record. See docs/dedupe.md, "On Spark".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.dedupe.pipeline import DedupeResult, DedupeSettings

_PAIR_SCHEMA = "a int, b int, pattern smallint, weight float, decision tinyint, rule tinyint, strong boolean"
_ENTITY_SCHEMA = "a long, b long, refusal int"  # refusal -1: (record a, its root b); else a refused pair


def dedupe_on_spark(table: pd.DataFrame, key: str, settings: DedupeSettings | None = None, *, spark,
                    store: pd.DataFrame | None = None) -> DedupeResult:
    """`pipeline.dedupe(table, key, settings, store=store)` with blocking, scoring and entities on the
    SparkSession `spark`: the same DedupeResult (clusters, pairs, golden, review, stats but timings)."""
    from crmtool.dedupe.blocking import block, block_rules
    from crmtool.dedupe.decisions import fingerprint_values
    from crmtool.dedupe.pipeline import COMPARISONS, DedupeSettings, finish, with_store
    from crmtool.dedupe.spark_sql import SparkSQL

    settings = settings or DedupeSettings()
    comparison = COMPARISONS[settings.compare]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    everything, n_new = with_store(table, store)
    n = len(everything)
    pair_keys, flags, block_keys = comparison.prepare(everything, key, settings.processes, np.arange(n) >= n_new)
    fp = fingerprint_values(everything, comparison.fingerprint_fields) if settings.decisions else None
    timings["keys"] = time.perf_counter() - started

    t = time.perf_counter()
    engine = SparkSQL(spark)
    try:
        blocked = block(engine, block_keys, rules=block_rules(settings.blocks, settings.compare),
                        max_block=settings.max_block)
        del block_keys
        timings["blocking"] = time.perf_counter() - t
        t = time.perf_counter()
        shared = spark.sparkContext.broadcast((pair_keys, fp))
        scored = _score(engine.frame("candidate_pairs").select("a", "b", "phone"), shared, settings).localCheckpoint()
        engine.close()
        pairs = _collect_pairs(scored)
        timings["scoring"] = time.perf_counter() - t

        t = time.perf_counter()
        constraints = comparison.constraints(pair_keys, settings.hard_rules)
        del pair_keys
        roots, refusal = _entities(spark, scored, pairs, n, constraints)
        timings["clustering"] = time.perf_counter() - t
        scored.unpersist()
        shared.unpersist()
    finally:
        engine.close()
    return finish(everything, key, n_new, flags, pairs, roots, refusal, settings, blocked.counts, blocked.total,
                  timings, started, incremental=store is not None)


def _score(candidates, shared, settings):
    """The kept pairs of every candidate pair, scored per Arrow batch by pipeline.score_batch."""
    from crmtool.dedupe.pipeline import COMPARISONS, links, score_batch

    def score(batches):
        import pyarrow as pa

        comparison = COMPARISONS[settings.compare]
        pair_keys, fp = shared.value
        for batch in batches:
            if not batch.num_rows:
                continue
            p = score_batch(batch, pair_keys, fp, settings, comparison)
            is_match, strong_match = links(p, settings)
            strong = np.zeros(len(p.a), dtype=bool)
            strong[is_match] = strong_match
            yield pa.RecordBatch.from_pydict({
                "a": p.a, "b": p.b, "pattern": p.pattern, "weight": p.weight, "decision": p.decision, "rule": p.rule,
                "strong": strong})

    return candidates.mapInArrow(score, _PAIR_SCHEMA)


def _collect_pairs(scored):
    """The kept pairs on the driver in (a, b) order, as the DuckDB path holds them (`strong` stays in Spark)."""
    from crmtool.dedupe.pipeline import _Pairs

    t = scored.toArrow()
    a, b = t.column("a").to_numpy().astype(np.int32), t.column("b").to_numpy().astype(np.int32)
    order = np.lexsort((b, a))
    column = lambda name, dtype: t.column(name).to_numpy().astype(dtype)[order]
    pairs = _Pairs(a[order], b[order], column("pattern", np.int16), column("weight", np.float32),
                   column("decision", np.int8), column("rule", np.int8))
    return pairs


def _entities(spark, scored, pairs, n: int, constraints: dict) -> tuple[np.ndarray, np.ndarray]:
    """(root per record, refusal code per matched pair, in the order of `pairs`' matches): components on
    Spark, then cluster.cluster per group of whole components."""
    from pyspark.sql import functions as F

    from crmtool.dedupe.spark_components import spark_components

    roots = np.arange(n, dtype=np.int64)
    is_match = pairs.decision == 0
    refusal = np.zeros(int(is_match.sum()), dtype=np.int8)
    matched = scored.where(F.col("decision") == 0).select("a", "b", "weight", "strong")
    if not len(refusal):
        return roots, refusal
    label = spark_components(matched.select("a", "b"))
    groups = max(1, int(spark.conf.get("spark.sql.shuffle.partitions")))
    attrs = spark.sparkContext.broadcast(constraints)
    grouped = (matched.join(label.withColumnRenamed("node", "a"), "a")
               .withColumn("group", F.pmod(F.col("label"), F.lit(groups))).drop("label"))
    out = grouped.groupBy("group").applyInPandas(_cluster_group(attrs), _ENTITY_SCHEMA).toArrow()
    attrs.unpersist()
    a, b, code = (out.column(c).to_numpy() for c in ("a", "b", "refusal"))
    rows = code < 0
    roots[a[rows]] = b[rows]
    # refused pairs back to their place among the matches (which are in (a, b) order)
    ma, mb = pairs.a[is_match].astype(np.int64), pairs.b[is_match].astype(np.int64)
    where = np.searchsorted(ma * n + mb, a[~rows] * n + b[~rows])
    refusal[where] = code[~rows]
    return roots, refusal


def _cluster_group(attrs):
    """The applyInPandas function: cluster.cluster over one group's matched pairs (whole components)."""

    def run(frame):
        import pandas as pd

        from crmtool.dedupe.cluster import cluster

        frame = frame.sort_values(["a", "b"], kind="stable")
        a, b = frame["a"].to_numpy(np.int64), frame["b"].to_numpy(np.int64)
        nodes, ends = np.unique(np.concatenate([a, b]), return_inverse=True)
        ends = ends.reshape(-1)
        roots, refused = cluster(len(nodes), ends[:len(a)], ends[len(a):], frame["weight"].to_numpy(np.float32),
                                 strong=frame["strong"].to_numpy(bool), **_take(attrs.value, nodes))
        bad = refused > 0
        return pd.DataFrame({"a": np.concatenate([nodes, a[bad]]), "b": np.concatenate([nodes[roots], b[bad]]),
                             "refusal": np.concatenate([np.full(len(nodes), -1), refused[bad].astype(np.int64)])})

    return run


def _take(value, rows: np.ndarray):
    """The per-record arrays of cluster.cluster's keyword arguments (nested in dicts), at `rows`."""
    if isinstance(value, dict):
        return {k: _take(v, rows) for k, v in value.items()}
    return value[rows] if isinstance(value, np.ndarray) else value
