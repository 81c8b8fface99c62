"""The dedupe stage on the engine a configuration chooses: in-process (DuckDB, `pipeline.dedupe`) or
on Spark (`crmtool.dedupe.spark.dedupe_on_spark`, imported only when Spark is chosen)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.engine import EngineConfig
    from crmtool.dedupe.pipeline import DedupeResult, DedupeSettings


def dedupe_on(engine: "EngineConfig", table: "pd.DataFrame", key: str, settings: "DedupeSettings", *,
              store: "pd.DataFrame | None" = None) -> "DedupeResult":
    """`pipeline.dedupe` on `engine`, matching against the stored records `store` when given."""
    from crmtool.dedupe.pipeline import dedupe

    if engine.kind == "duckdb":
        return dedupe(table, key, settings, store=store)
    from crmtool.dedupe.spark import dedupe_on_spark
    from crmtool.engine import SparkEngine

    with SparkEngine(master=engine.master, conf=engine.conf) as spark:
        return dedupe_on_spark(table, key, settings, spark=spark.session, store=store)
