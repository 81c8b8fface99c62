"""The one place that runs set work (blocking joins, counts) as SQL.

Splink-style: the dedupe stage writes its set logic as SQL strings over named tables and hands them to
an engine. `DuckDBEngine` runs them in-process over Arrow/pandas data without copies; another adapter
with the same three methods (`register`, `sql`, `close`) could run the same SQL on Spark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class DuckDBEngine:
    """A private in-memory DuckDB connection (or a file, for the incremental store)."""

    def __init__(self, database: str = ":memory:", *, threads: int | None = None, read_only: bool = False):
        import duckdb

        self.con = duckdb.connect(database, read_only=read_only)
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def register(self, name: str, table: pd.DataFrame | pa.Table) -> None:
        """Make a DataFrame / Arrow table visible to SQL under `name` (no copy)."""
        self.con.register(name, table)

    def sql(self, query: str, params: list | None = None) -> pa.Table:
        """Run one query and return its result as Arrow."""
        return self.con.sql(query, params=params or None).to_arrow_table()

    def execute(self, query: str, params: list | None = None) -> None:
        """Run a statement for its effect (CREATE, INSERT …)."""
        self.con.execute(query, params or [])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
