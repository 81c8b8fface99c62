"""What every engine offers the stages: the `Engine` interface.

An engine runs set work written as SQL over named tables (DuckDB's dialect; crmtool.engine.dialect
translates it for the others) and hands results back as Arrow. The project's own scalar functions
(the credit-code check, …) are written once as Arrow → Arrow functions and registered per backend
with `register_function` (docs/engines.md lists them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

ENGINE_KINDS = ("duckdb", "spark")
ArrowFunction = Callable[["pa.Array"], "pa.Array"]


@runtime_checkable
class Engine(Protocol):
    kind: str

    def register(self, name: str, table: pd.DataFrame | pa.Table) -> None:
        """Make a pandas frame or Arrow table visible to SQL under `name`."""

    def unregister(self, name: str) -> None: ...

    def sql(self, query: str, params: list | None = None) -> pa.Table:
        """Run one query (DuckDB dialect) and return its result as Arrow."""

    def execute(self, query: str, params: list | None = None) -> None:
        """Run a statement for its effect."""

    def batches(self, query: str, rows: int) -> Iterator[pa.RecordBatch]:
        """Run one query and stream its result as Arrow record batches of about `rows` rows."""

    def register_function(self, name: str, function: ArrowFunction, arguments: list[str], returns: str) -> str:
        """Make a vectorised Arrow → Arrow function callable from SQL as `name` (types in DuckDB's
        names: VARCHAR, BOOLEAN, BIGINT, DOUBLE); a null argument reaches the function as a null."""

    def close(self) -> None: ...
