"""The KPI engine adapter: one small class per SQL engine that the KPI queries run on.

The KPIs are SQL strings (crmtool.validate.kpi_sql); an adapter opens the store, says which tables and
columns exist, runs a query and hands back rows. `DuckDBStore` runs on a DuckDB file or on pandas
frames registered in memory (frame_kpis), `PostgresStore` on a PostgreSQL schema. Another engine
(Spark, …) would be one more adapter with the same methods.

Store URLs follow the targets' conventions: `duckdb:///relative.db`, `duckdb:////abs/path.db`,
`postgresql://user@host:5432/db?schema=NAME` (schema defaults to public). A store that cannot be
reached is a TargetError (exit 4), one line, the URL's password redacted.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crmtool.errors import ConfigError, TargetError

if TYPE_CHECKING:
    import pandas as pd


def quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class Store:
    dialect: str = ""
    url: str = ""  # redacted
    typed: bool = True  # columns carry SQL types (a store); False for frames of canonical text

    def relation(self, table: str) -> str:
        """The SQL name of a table (schema-qualified and quoted)."""
        raise NotImplementedError

    def regions(self) -> str | None:
        """The relation of the region lookup (kpi_regions), made once per connection, never in the store."""
        raise NotImplementedError

    def tables(self) -> set[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        return list(self.column_types(table))

    def column_types(self, table: str) -> dict[str, str]:
        """{column: SQL type name, upper case} of a table, in order."""
        raise NotImplementedError

    def unique_columns(self, table: str) -> set[str]:
        """Columns with a one-column PRIMARY KEY or UNIQUE constraint: their values are distinct already."""
        return set()

    def low_cardinality(self, table: str, columns: list[str]) -> set[str]:
        """Text columns with few distinct values (by the store's statistics, no scan)."""
        return set()

    def uscc_function(self) -> str | None:
        """The name of a vectorised credit-code check the store's SQL can call, or None (SQL arithmetic)."""
        return None

    def query(self, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
        """(column names, rows) of one query."""
        raise NotImplementedError

    def frame(self, sql: str) -> "pd.DataFrame":
        import pandas as pd

        names, rows = self.query(sql)
        return pd.DataFrame.from_records(rows, columns=names)

    def execute(self, sql: str, params: list | None = None) -> None:
        raise NotImplementedError

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DuckDBStore(Store):
    dialect = "duckdb"

    def __init__(self, con, url: str = "duckdb:///:memory:", *, typed: bool = True):
        self.con = con
        self.url = url
        self.typed = typed
        self._views: set[str] = set()
        self._uscc: str | None = None

    @classmethod
    def open(cls, url: str, *, read_only: bool = False) -> "DuckDBStore":
        import duckdb

        from crmtool.config.migration import redact

        path = duckdb_path(url)
        if not path.is_file():
            raise TargetError(f"{redact(url)}: no such DuckDB store ({path})")
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise TargetError(f"{redact(url)}: cannot open the DuckDB store: {_first_line(exc)}") from None
        _tune(con)
        return cls(con, redact(url))

    @classmethod
    def of_frames(cls, frames: dict[str, "pd.DataFrame"]) -> "DuckDBStore":
        """An in-memory engine over pandas frames (no copy: DuckDB scans the Arrow-backed columns)."""
        from crmtool.engine import DuckDBEngine

        con = DuckDBEngine().con
        store = cls(con, typed=False)
        for name, frame in frames.items():
            con.register(name, frame)
            store._views.add(name)
        return store

    def relation(self, table: str) -> str:
        return quote_ident(table)

    def regions(self) -> str:
        if "_crm_regions" not in self._views:
            import pyarrow as pa

            from crmtool.validate.kpi_regions import region_rows

            cls, name, code = zip(*region_rows())
            self.con.register("_crm_regions", pa.table({"cls": cls, "name": name, "code": code}))
            self._views.add("_crm_regions")
        return "_crm_regions"

    def tables(self) -> set[str]:
        names = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
        return names | self._views

    def column_types(self, table: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {self.relation(table)}").fetchall()
        return {r[0]: str(r[1]).upper() for r in rows}

    def unique_columns(self, table: str) -> set[str]:
        if table in self._views:
            return set()
        rows = self.con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
                                "AND schema_name = current_schema() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
                                [table]).fetchall()
        return {r[0][0] for r in rows if len(r[0]) == 1}

    def low_cardinality(self, table: str, columns: list[str], most: int = 1000, share: float = 0.02) -> set[str]:
        """Columns whose approximate distinct count (DuckDB's column statistics) is at most `most` and at
        most `share` of the rows: DuckDB reads them as small dictionary vectors, and a plain expression
        over one runs once per dictionary entry, so the exact tests cost next to nothing there. (A column
        with many distinct values gets dictionaries as large as its vectors, evaluated in full.)"""
        if table in self._views or not columns:
            return set()
        try:
            rows = int(self.con.execute(f"SELECT count(*) FROM {self.relation(table)}").fetchall()[0][0])
            stats = next(iter(self.con.execute(f"SELECT {', '.join(f'stats({quote_ident(c)})' for c in columns)} "
                                               f"FROM {self.relation(table)} LIMIT 1").fetchall()), None)
        except Exception:  # noqa: BLE001 - statistics are an optimisation; without them nothing is lost
            return set()
        if not stats:
            return set()
        out = set()
        for column, stat in zip(columns, stats):
            unique = stat.get("approx_unique") if isinstance(stat, dict) else None
            if unique is not None and rows and int(unique) <= min(most, share * rows):
                out.add(column)
        return out

    def uscc_function(self) -> str:
        if not self._uscc:
            from crmtool.validate.kpi_uscc import register

            self._uscc = register(self.con)
        return self._uscc

    def query(self, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
        cursor = self.con.execute(sql, params or [])
        return [d[0] for d in cursor.description], cursor.fetchall()

    def frame(self, sql: str) -> "pd.DataFrame":
        return self.con.execute(sql).df()

    def execute(self, sql: str, params: list | None = None) -> None:
        self.con.execute(sql, params or [])

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.con.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, con, url: str, schema: str, conninfo: str = ""):
        self.con = con
        self.url = url
        self.schema = schema
        self.conninfo = conninfo  # the libpq URL, password included (Spark reads the tables over JDBC with it)
        self._regions: bool | None = None

    @classmethod
    def open(cls, url: str) -> "PostgresStore":
        import psycopg

        from crmtool.config.migration import redact

        conninfo, schema = postgres_conninfo(url)
        try:
            con = psycopg.connect(conninfo, autocommit=True, **({} if "connect_timeout" in conninfo
                                                                 else {"connect_timeout": 10}))
        except psycopg.Error as exc:
            raise TargetError(f"{redact(url)}: cannot connect: {_first_line(exc)}") from None
        return cls(con, redact(url), schema, conninfo)

    def relation(self, table: str) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(table)}"

    def regions(self) -> str | None:
        """A temporary table; None (the query then inlines the rows) when the role may not create one."""
        import psycopg

        if self._regions is None:
            from crmtool.validate.kpi_regions import region_rows

            try:
                with self.con.transaction(), self.con.cursor() as cur:
                    cur.execute("CREATE TEMP TABLE IF NOT EXISTS _crm_regions (cls text, name text, code text)")
                    cur.execute("TRUNCATE _crm_regions")
                    with cur.copy("COPY _crm_regions (cls, name, code) FROM STDIN") as copy:
                        for row in region_rows():
                            copy.write_row(row)
                self._regions = True
            except psycopg.errors.InsufficientPrivilege:
                self._regions = False
        return "pg_temp._crm_regions" if self._regions else None

    def tables(self) -> set[str]:
        _, rows = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [self.schema])
        return {r[0] for r in rows}

    def column_types(self, table: str) -> dict[str, str]:
        _, rows = self.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                             "AND table_name = %s ORDER BY ordinal_position", [self.schema, table])
        return {r[0]: str(r[1]).upper() for r in rows}

    def unique_columns(self, table: str) -> set[str]:
        _, rows = self.query(
            "SELECT max(k.column_name) FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
            "AND k.constraint_schema = c.constraint_schema AND k.table_name = c.table_name "
            "WHERE c.table_schema = %s AND c.table_name = %s AND c.constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
            "GROUP BY c.constraint_name HAVING count(*) = 1", [self.schema, table])
        return {r[0] for r in rows}

    def query(self, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cur:
            cur.execute(sql, params)  # generated SQL holds '%' (modulo): no params, no placeholder parsing
            names = [d.name for d in cur.description] if cur.description else []
            return names, cur.fetchall() if cur.description else []

    def execute(self, sql: str, params: list | None = None) -> None:
        with self.con.cursor() as cur:
            cur.execute(sql, params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            with self.con.cursor() as cur:
                cur.executemany(sql.replace("?", "%s"), rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def close(self) -> None:
        self.con.close()


def _tune(con) -> None:
    con.execute("SET enable_progress_bar = false")


def open_store(url: str) -> Store:
    """Connect to the store a URL names (TargetError when it cannot be reached; ConfigError for a bad URL)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "duckdb":
        return DuckDBStore.open(url)
    if scheme in ("postgresql", "postgres"):
        try:
            return PostgresStore.open(url)
        except TargetError:
            raise
        except Exception as exc:  # noqa: BLE001 - any driver failure at connect time is the store's
            from crmtool.config.migration import redact

            raise TargetError(f"{redact(url)}: cannot connect: {_first_line(exc)}") from None
    raise ConfigError(f"--store {url.split('://')[0] if '://' in url else url!r}: a store URL is duckdb:///FILE "
                      "or postgresql://USER@HOST/DB[?schema=NAME]")


def duckdb_path(url: str) -> Path:
    """duckdb:///relative.db → relative.db; duckdb:////abs.db → /abs.db (a query string is ignored)."""
    rest = url.split("://", 1)[1].split("?", 1)[0]
    if not rest.startswith("/") or rest == "/":
        raise ConfigError(f"{url}: a DuckDB store URL is duckdb:///relative.db or duckdb:////absolute.db")
    return Path(rest[1:])


def postgres_conninfo(url: str) -> tuple[str, str]:
    """(libpq URL without our own `schema` parameter, schema)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "") or "public"
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    scheme = "postgresql"
    return urlunsplit((scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
