"""The one seam for set work (blocking joins, counts, KPI statements, verify's rule SQL): an engine.

Splink-style: stages write their set logic once, as DuckDB-dialect SQL over named tables, and hand it
to an engine (`Engine`): `DuckDBEngine` in-process (the default), `SparkEngine` on a SparkSession, the
SQL translated by `to_spark`. `open_engine(kind, master)` opens the one a configuration names.
docs/engines.md says which functions each backend defines for itself.
"""

from __future__ import annotations

from crmtool.engine.base import ENGINE_KINDS, ArrowFunction, Engine
from crmtool.engine.dialect import to_spark, translate
from crmtool.engine.duckdb import DuckDBEngine, register_arrow_function
from crmtool.engine.spark import (
    POSTGRES_JDBC_JAR,
    SparkEngine,
    check_master,
    java_problem,
    master_problem,
    spark_session,
)

__all__ = ["ENGINE_KINDS", "POSTGRES_JDBC_JAR", "ArrowFunction", "DuckDBEngine", "Engine", "SparkEngine",
           "check_master", "java_problem", "master_problem", "open_engine", "register_arrow_function", "spark_session", "to_spark", "translate"]


def open_engine(kind: str = "duckdb", master: str = "local[*]", conf: dict[str, str] | None = None) -> Engine:
    """A new engine of `kind` (duckdb | spark); a Spark master is local[*], spark://…, sc://… (Connect)."""
    if kind == "duckdb":
        return DuckDBEngine()
    if kind == "spark":
        return SparkEngine(master=master, conf=conf)
    from crmtool.errors import ConfigError

    raise ConfigError(f"engine {kind!r}: should be one of {', '.join(ENGINE_KINDS)}")
