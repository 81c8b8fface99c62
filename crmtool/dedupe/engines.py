"""The dedupe stage on the engine a configuration chooses: in-process (DuckDB, `pipeline.dedupe`) or
on Spark (`crmtool.dedupe.spark.dedupe_on_spark`, imported only when Spark is chosen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from crmtool.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.engine import EngineConfig
    from crmtool.dedupe.pipeline import DedupeResult, DedupeSettings


def spark_dedupe() -> Callable | None:
    """crmtool.dedupe.spark.dedupe_on_spark, or None when this build does not have it."""
    try:
        from crmtool.dedupe.spark import dedupe_on_spark
    except ModuleNotFoundError as exc:
        if exc.name != "crmtool.dedupe.spark":
            raise
        return None
    return dedupe_on_spark


def dedupe_on(engine: "EngineConfig", table: "pd.DataFrame", key: str, settings: "DedupeSettings", *,
              store: "pd.DataFrame | None" = None) -> "DedupeResult":
    """`pipeline.dedupe` on `engine`. On Spark, matching against stored records is not there yet."""
    from crmtool.dedupe.pipeline import dedupe

    if engine.kind == "duckdb":
        return dedupe(table, key, settings, store=store)
    on_spark = spark_dedupe()
    if on_spark is None:
        raise ConfigError("engine spark: dedupe on Spark is not available in this build (crmtool.dedupe.spark); "
                          "use the default engine, duckdb")
    if store is not None:
        raise ConfigError("engine spark: matching against existing records (--against, dedupe.against_target) "
                          "is not available on Spark yet")
    from crmtool.engine import SparkEngine

    with SparkEngine(master=engine.master, conf=engine.conf) as spark:
        return on_spark(table, key, settings, spark=spark.session)
