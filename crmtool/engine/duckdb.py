"""The default engine: DuckDB in-process, over Arrow/pandas data without copies.

DuckDB's defaults suit an analytics session, not a step inside a larger process: it may take 80% of
RAM and keeps insertion order. The engine caps the memory (spilling joins, aggregates and sorts to a
private temporary directory beyond it), and drops insertion order (no query here relies on it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from crmtool.engine.base import ArrowFunction

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class DuckDBEngine:
    """A private in-memory DuckDB connection (or a file, for the incremental store)."""

    kind = "duckdb"

    def __init__(self, database: str = ":memory:", *, threads: int | None = None, read_only: bool = False,
                 memory_limit: str | None = None):
        import duckdb

        self.con = duckdb.connect(database, read_only=read_only)
        self.con.execute("SET enable_progress_bar = false")
        self._spill: str | None = None
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._spill = tempfile.mkdtemp(prefix="crmtool-duckdb-")
            self.con.execute("SET memory_limit = ?", [memory_limit])
            self.con.execute("SET temp_directory = ?", [self._spill])
            self.con.execute("SET preserve_insertion_order = false")

    def cursor(self) -> DuckDBEngine:
        """An engine over a new cursor of the same database: one per thread (DuckDB connections are
        not shared between threads); closing it leaves this one open."""
        child = object.__new__(DuckDBEngine)
        child.con, child._spill = self.con.cursor(), None
        return child

    def register(self, name: str, table: pd.DataFrame | pa.Table) -> None:
        """Make a DataFrame / Arrow table visible to SQL under `name` (no copy)."""
        self.con.register(name, table)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def sql(self, query: str, params: list | None = None) -> pa.Table:
        """Run one query and return its result as Arrow."""
        return self.con.sql(query, params=params or None).to_arrow_table()

    def execute(self, query: str, params: list | None = None) -> None:
        """Run a statement for its effect (CREATE, INSERT …)."""
        self.con.execute(query, params or [])

    def batches(self, query: str, rows: int) -> Iterator[pa.RecordBatch]:
        """Run one query and stream its result as Arrow record batches of about `rows` rows."""
        reader = self.con.sql(query).to_arrow_reader(rows)
        yield from reader

    def register_function(self, name: str, function: ArrowFunction, arguments: list[str], returns: str) -> str:
        """A DuckDB Arrow UDF: called once per vector of values, nulls passed through to it."""
        register_arrow_function(self.con, name, function, arguments, returns)
        return name

    def close(self) -> None:
        self.con.close()
        if self._spill:
            shutil.rmtree(self._spill, ignore_errors=True)

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def register_arrow_function(con, name: str, function: ArrowFunction, arguments: list[str], returns: str) -> None:
    """Register an Arrow → Arrow function on a DuckDB connection (once: registering it again is a no-op)."""
    import duckdb

    try:
        con.create_function(name, function, [duckdb.sqltype(a) for a in arguments], duckdb.sqltype(returns),
                            type="arrow", null_handling="special", side_effects=False)
    except duckdb.NotImplementedException:  # already registered on this connection
        pass
