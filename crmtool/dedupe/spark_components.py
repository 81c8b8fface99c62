"""Connected components of a graph held as a Spark DataFrame: alternating large-star / small-star.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014). Edges are kept as
(hi, lo) with hi > lo. Per node u with neighbourhood Γ(u) and m(u) the smallest of Γ(u) ∪ {u}:
- large-star links every neighbour larger than u to m(u);
- small-star links u and every neighbour smaller than u to the smallest of those neighbours.
Both keep the components; together they reach, in O(log² n) rounds, a forest of stars in which every
node points at its component's smallest node, which is the label `cluster.components` gives
(the smallest record number). Done when no node has two smaller neighbours and no node with a smaller
neighbour has a larger one. Each round's edges are checkpointed (`localCheckpoint`) so the plan does
not grow with the rounds. No step collects the edges to the driver.
"""

from __future__ import annotations


def spark_components(edges, *, max_rounds: int = 100):
    """Per node of `edges` (a DataFrame of two integer columns a, b: undirected links), its component's
    smallest node: a DataFrame (node, label). Nodes without a link are not in it (their own label)."""
    from pyspark.sql import functions as F

    e = (edges.where(F.col("a") != F.col("b"))
         .select(F.greatest("a", "b").alias("hi"), F.least("a", "b").alias("lo")).distinct().localCheckpoint())
    for _ in range(max_rounds):
        e = _small_star(_large_star(e)).localCheckpoint(eager=False)  # computed by the check
        if _is_star_forest(e):
            return e.select(F.col("hi").alias("node"), F.col("lo").alias("label")).unionByName(
                e.select(F.col("lo").alias("node"), F.col("lo").alias("label")).distinct())
    raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")


def _large_star(e):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both = e.select(F.col("hi").alias("u"), F.col("lo").alias("v")).unionByName(
        e.select(F.col("lo").alias("u"), F.col("hi").alias("v")))
    low = F.least(F.min("v").over(Window.partitionBy("u")), F.col("u"))
    return both.withColumn("m", low).where(F.col("v") > F.col("u")).select(F.col("v").alias("hi"), F.col("m").alias("lo"))


def _small_star(e):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with_low = e.withColumn("m", F.min("lo").over(Window.partitionBy("hi")))
    members = with_low.where(F.col("lo") != F.col("m")).select(F.col("lo").alias("hi"), F.col("m").alias("lo"))
    return members.unionByName(with_low.select("hi", F.col("m").alias("lo"))).distinct()


def _is_star_forest(e) -> bool:
    """No node has two smaller neighbours, and no node with a smaller neighbour has a larger one (one job)."""
    from pyspark.sql import functions as F

    ends = e.select(F.col("hi").alias("node"), F.lit(1).alias("up"), F.lit(0).alias("down")).unionByName(
        e.select(F.col("lo").alias("node"), F.lit(0).alias("up"), F.lit(1).alias("down")))
    per_node = ends.groupBy("node").agg(F.sum("up").alias("up"), F.max("down").alias("down"))
    return not per_node.where((F.col("up") > 1) | ((F.col("up") == 1) & (F.col("down") == 1))).limit(1).count()
