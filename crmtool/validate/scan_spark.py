"""The health scan's set work on Spark: the KPI statement and the duplicate sample over the store's
tables as Spark reads them.

`SparkStore` is one more KPI adapter (crmtool.validate.scan_store): it describes the tables as the
real store does (columns and types, key constraints: the statement is written from them), but runs
the statement (kpi_sql's "spark" forms, in DuckDB's dialect, translated by crmtool.engine.to_spark) on
a SparkEngine. The scan's history stays in the real store, written through its own connection.

How Spark reads a table:
- a DuckDB store: DuckDB copies the table to Parquet in a private temporary directory (`COPY … TO`),
  Spark reads the file (the store file itself is DuckDB's format, not readable by Spark);
- a PostgreSQL store: over JDBC when the PostgreSQL JDBC driver is on Spark's class path (crmtool
  adds /usr/share/java/postgresql.jar to a session it starts); else the rows are fetched through the
  store's connection and handed to Spark as Parquet.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from crmtool.validate.scan_store import PostgresStore, Store, quote_ident, quote_literal

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.engine import SparkEngine

REGIONS_VIEW = "_crm_regions"


class SparkStore(Store):
    dialect = "spark"

    def __init__(self, store: Store, engine: "SparkEngine", tables: list[str], *, jdbc: bool | None = None):
        """jdbc: read a PostgreSQL store over JDBC (None: when the driver is on Spark's class path)."""
        self.store = store
        self.engine = engine
        self.url = store.url
        self.typed = store.typed
        self._uscc: str | None = None
        self._regions = False
        self._dir = Path(tempfile.mkdtemp(prefix="crmtool-spark-"))
        self._views = {table: f"_crm_{table}" for table in tables}
        self.read: dict[str, str] = {}  # table → how Spark reads it: parquet (a DuckDB copy), jdbc, rows
        over_jdbc = isinstance(store, PostgresStore) and (_has_jdbc(engine) if jdbc is None else jdbc)
        for table, view in self._views.items():
            self.read[table] = self._share(table, view, over_jdbc)

    def _share(self, table: str, view: str, over_jdbc: bool) -> str:
        """Make the store's table readable by Spark as the temporary view `view`; returns how."""
        relation = self.store.relation(table)
        path = self._dir / f"t{len(self.read)}.parquet"  # Spark skips files whose names start with _ or .
        if self.store.dialect == "duckdb":
            self.store.execute(f"COPY (SELECT * FROM {relation}) TO {quote_literal(path)} (FORMAT parquet)")
            self.engine.read_parquet(view, path)
            return "parquet"
        if over_jdbc:
            self.engine.register_frame(view, _jdbc_reader(self.engine, self.store, relation).load())
            return "jdbc"
        import pyarrow.parquet as pq

        rows = self.store.frame(f"SELECT * FROM {relation}")  # fetched through the store's connection
        pq.write_table(_typed_arrow(rows, self.store.column_types(table)), path)
        self.engine.read_parquet(view, path)
        return "rows"

    def relation(self, table: str) -> str:
        return quote_ident(self._views[table])

    def regions(self) -> str:
        if not self._regions:
            import pyarrow as pa

            from crmtool.validate.kpi_regions import region_rows

            cls, name, code = zip(*region_rows())
            self.engine.register(REGIONS_VIEW, pa.table({"cls": cls, "name": name, "code": code}))
            self._regions = True
        return REGIONS_VIEW

    def tables(self) -> set[str]:
        return set(self._views)

    def column_types(self, table: str) -> dict[str, str]:
        return self.store.column_types(table)

    def unique_columns(self, table: str) -> set[str]:
        return self.store.unique_columns(table)

    def uscc_function(self) -> str:
        if not self._uscc:
            from crmtool.validate.kpi_uscc import USCC_FUNCTION, valid_codes

            self._uscc = self.engine.register_function(USCC_FUNCTION, valid_codes, ["VARCHAR"], "BOOLEAN")
        return self._uscc

    def query(self, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
        table = self.engine.sql(sql, params)
        return table.column_names, list(zip(*(column.to_pylist() for column in table.columns)))

    def frame(self, sql: str) -> "pd.DataFrame":
        return self.engine.sql(sql).to_pandas()

    def close(self) -> None:
        for view in self._views.values():
            self.engine.unregister(view)
        if self._regions:
            self.engine.unregister(REGIONS_VIEW)
        shutil.rmtree(self._dir, ignore_errors=True)


def spark_tables(store: Store, model, names: list[str]) -> list[str]:
    """The tables a scan of `names` reads: the objects and the objects they reference, if stored."""
    present = store.tables()
    wanted = [n for n in names if n in present]
    for name in list(wanted):
        wanted += [t for t in model[name].references.values() if t in present and t not in wanted]
    return wanted


def _has_jdbc(engine: "SparkEngine") -> bool:
    """The PostgreSQL JDBC driver is on the session's class path (spark.jars or spark.jars.packages)."""
    conf = engine.session.conf
    return any("postgresql" in (conf.get(key, "") or "") for key in ("spark.jars", "spark.jars.packages"))


def _jdbc_reader(engine: "SparkEngine", store: PostgresStore, relation: str):
    """A JDBC reader of one PostgreSQL relation, from the store's libpq URL (user and password as options)."""
    parts = urlsplit(store.conninfo)
    options = {"url": f"jdbc:postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}",
               "dbtable": relation, "driver": "org.postgresql.Driver", "fetchsize": "10000"}
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    for key, value in parse_qsl(parts.query):
        if key in ("sslmode", "options", "connect_timeout"):
            options[{"connect_timeout": "connectTimeout"}.get(key, key)] = value
    reader = engine.session.read.format("jdbc")
    for key, value in options.items():
        reader = reader.option(key, value)
    return reader


def _typed_arrow(rows: "pd.DataFrame", types: dict[str, str]):
    """The fetched rows as Arrow, a column with no value in any row typed by its SQL type (pandas
    alone would give it Arrow's null type, which Spark reads as an integer)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(rows, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if pa.types.is_null(table.schema.field(i).type):
            table = table.set_column(i, name, table.column(i).cast(_arrow_type(types.get(name, "TEXT"))))
    return table


def _arrow_type(sql_type: str):
    import pyarrow as pa

    base = sql_type.upper()
    if base.startswith("TIMESTAMP"):
        return pa.timestamp("us", tz="UTC" if "WITH TIME ZONE" in base else None)
    known = {"DATE": pa.date32(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "SMALLINT": pa.int16(),
             "BOOLEAN": pa.bool_(), "DOUBLE PRECISION": pa.float64(), "REAL": pa.float32(),
             "NUMERIC": pa.decimal128(38, 18)}
    return known.get(base.split("(")[0].strip(), pa.string())
