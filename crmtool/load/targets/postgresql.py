"""PostgreSQL as the CRM store, through psycopg 3: `postgresql://user:${PGPASSWORD}@host:5432/db?schema=crm`.

`schema` (default `public`) is crmtool's own URL parameter, taken out before connecting and created
when absent; every other query parameter goes to libpq (sslmode, connect_timeout, …).

A write is one transaction. Into an empty table the rows are COPY'd (CSV written by Arrow) straight
into the table, PostgreSQL's own input functions parsing the canonical text. Into a table holding
rows they are COPY'd into a temporary staging table with the store's column types, the object's
table is locked against other writers (readers go on), the rows whose external id exists are
updated from the staging table and the others inserted. Under that lock this is the same as
`INSERT … ON CONFLICT DO UPDATE`, and twice as fast on a large load: ON CONFLICT takes the
speculative-insertion path for every row (docs/targets.md has the measurement).

A table is created without its primary key (ensure_schema); the first write adds it over the rows it
loaded, in the same transaction (under an ACCESS EXCLUSIVE lock): one sorted index build instead of
a million b-tree insertions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crmtool.load.targets.base import Target
from crmtool.load.targets.failures import target_error
from crmtool.load.targets.frames import arrow_to_frame, empty_frame, keys_frame, meta_arrow, store_columns
from crmtool.load.targets.sqltext import (AUDIT_TABLE, audit_row, column_types, create_audit_table, create_table,
                                          insert_audit, quote, select_audit, to_text)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

COPY_BATCH = 50_000  # rows per CSV chunk streamed into COPY
TEMP_BUFFERS = "256MB"  # staging tables live in session memory rather than spilling at the 8 MB default
INDEX_MEMORY = "256MB"  # maintenance_work_mem while the first write builds the primary key (this transaction only)
JOIN_MEMORY = "256MB"  # work_mem of the staged write (this transaction only): the key join's hash table in one batch


def split_url(url: str) -> tuple[str, str]:
    """(libpq URL without crmtool's parameters, schema)."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in params if k == "schema"), "") or "public"
    rest = [(k, v) for k, v in params if k != "schema"]
    if not any(k == "connect_timeout" for k, _ in rest):
        rest.append(("connect_timeout", "10"))
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(rest), parts.fragment)), schema


class PostgresTarget(Target):
    scheme: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")
    description: ClassVar[str] = "PostgreSQL database (one table per object, ?schema=NAME)"
    can_rollback: ClassVar[bool] = True
    rollback_note: ClassVar[str] = "rows the run inserted are deleted, rows it updated are put back from the snapshot"
    keeps_audit: ClassVar[bool] = True

    def __init__(self, url, model):
        super().__init__(url, model)
        self.conninfo, self.schema = split_url(url)
        self.con = None

    def open(self) -> None:
        import psycopg

        try:
            self.con = psycopg.connect(self.conninfo, autocommit=True)
            self.con.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
            if self.read_only:
                self.con.execute("SET default_transaction_read_only = on")
        except psycopg.Error as exc:
            raise target_error(self.url, "cannot connect", exc) from None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def table(self, object_name: str) -> str:
        return f"{quote(self.schema)}.{quote(object_name)}"

    def _columns(self, object_name: str) -> list[str]:
        rows = self.con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                                "AND table_name = %s ORDER BY ordinal_position", (self.schema, object_name)).fetchall()
        return [r[0] for r in rows]

    def _has_primary_key(self, con, object_name: str) -> bool:
        return bool(con.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid = %s::regclass",
                                (self.table(object_name),)).fetchone()[0])

    def _run(self, action: str, work) -> object:
        """`work(connection)` inside one transaction; any database error rolls it back and becomes a TargetError."""
        import psycopg

        try:
            with self.con.transaction():
                return work(self.con)
        except psycopg.Error as exc:
            raise target_error(self.url, action, exc) from None

    def ensure_schema(self, objects: list[str]) -> None:
        def work(con):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            for name in objects:
                obj = self.model[name]
                existing = self._columns(name)
                if not existing:
                    con.execute(create_table(obj, self.table(name), primary_key=False))
                    continue
                for column, sql_type in column_types(obj).items():
                    if column not in existing:
                        con.execute(f"ALTER TABLE {self.table(name)} ADD COLUMN {quote(column)} {sql_type}")

        self._run(f"cannot create the tables of {', '.join(objects)}", work)

    def change_marker(self, object_name: str) -> tuple:
        """(rows, latest _crm_loaded_at, the newest row version's transaction id): one scan. Every insert or
        update writes a row version with a new xmin, whoever writes it, so the third part moves on any
        change (until the 32-bit transaction counter wraps around); a delete changes the count."""
        def work(con):
            existing = self._columns(object_name)
            if not existing:
                return (0, None, None)
            latest = ("to_char(max(_crm_loaded_at), 'YYYY-MM-DD HH24:MI:SS')" if "_crm_loaded_at" in existing
                      else "NULL")
            count, stamp, xmin = con.execute(f"SELECT count(*), {latest}, max(xmin::text::bigint) "
                                             f"FROM {self.table(object_name)}").fetchone()
            return (int(count), stamp, None if xmin is None else int(xmin))

        return self._run(f"cannot read {object_name}", work)

    def fetch_loaded_since(self, object_name: str, since: str) -> "pd.DataFrame":
        return self.fetch(object_name, since=since)

    def fetch(self, object_name: str, keys: list[str] | None = None, since: str | None = None) -> "pd.DataFrame":
        obj = self.model[object_name]
        columns = store_columns(obj)

        def work(con):
            existing = set(self._columns(object_name))
            if not existing:
                return None
            if keys and con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {self.table(object_name)})").fetchone()[0]:
                return None  # nothing to look the keys up in: a first load does not stage its million keys
            types = column_types(obj)
            present = [c for c in columns if c in existing]
            select = ", ".join(f"{to_text(quote(c), types[c], 'postgresql')} AS {quote(c)}" for c in present)
            query = f"SELECT {select} FROM {self.table(object_name)}"
            if keys is not None:
                _stage_keys(con, keys)
                query += f" WHERE {quote(obj.external_id)} IN (SELECT key FROM _crm_keys)"
            if since is not None:
                query += f" WHERE _crm_loaded_at >= {_literal(since)}::timestamp"
            return present, _copy_out(con, query, present)

        result = self._run(f"cannot read {object_name}", work)
        if result is None:
            return empty_frame(columns)
        return arrow_to_frame(result[1], columns)

    def upsert(self, object_name: str, rows: "pd.DataFrame", run_id: str) -> None:
        if rows.empty:
            return
        obj = self.model[object_name]
        types = column_types(obj)
        columns, key, table = list(types), quote(obj.external_id), self.table(object_name)
        names = ", ".join(map(quote, columns))
        updates = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns if quote(c) != key)
        data = meta_arrow(rows, obj, run_id, typed=False)

        def work(con):
            keyed = self._has_primary_key(con, object_name)
            con.execute(f"LOCK TABLE {table} IN {'SHARE ROW' if keyed else 'ACCESS'} EXCLUSIVE MODE")
            if con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
                _copy_in(con, f"COPY {table} ({names}) FROM STDIN (FORMAT csv)", data)
            else:
                staging = ", ".join(f"{quote(c)} {t}" for c, t in types.items())
                con.execute(f"CREATE TEMP TABLE _crm_rows ({staging}) ON COMMIT DROP")
                _copy_in(con, f"COPY _crm_rows ({names}) FROM STDIN (FORMAT csv)", data)
                con.execute(f"SET LOCAL work_mem = '{JOIN_MEMORY}'")
                updated = con.execute(f"UPDATE {table} t SET {updates} FROM _crm_rows s WHERE t.{key} = s.{key}").rowcount
                if updated < data.num_rows:
                    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _crm_rows s "
                                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = s.{key})")
            if not keyed:
                con.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
                con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})")

        self._run(f"cannot write {object_name} (nothing was written)", work)

    def delete(self, object_name: str, keys: list[str]) -> None:
        if not keys:
            return
        key, table = quote(self.model[object_name].external_id), self.table(object_name)

        def work(con):
            if not self._columns(object_name):
                return
            _stage_keys(con, keys)
            con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT key FROM _crm_keys)")

        self._run(f"cannot delete from {object_name} (nothing was deleted)", work)

    def append_audit(self, record: dict, line: str) -> None:
        table = self.table(AUDIT_TABLE)

        def work(con):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            con.execute(create_audit_table(table))
            con.execute(insert_audit(table, "%s"), audit_row(record, line))

        self._run(f"cannot append to {AUDIT_TABLE}", work)

    def read_audit(self, *, since=None, command=None, limit=None) -> list[str]:
        sql = select_audit(self.table(AUDIT_TABLE), "%s", since=since is not None, command=command is not None,
                           limit=limit)
        params = [p for p in (since, command) if p is not None]

        def work(con):
            if not self._columns(AUDIT_TABLE):
                return []
            return [r[0] for r in con.execute(sql, params).fetchall()]

        return self._run(f"cannot read {AUDIT_TABLE}", work)


def _literal(text: str) -> str:
    """A canonical datetime as an SQL string literal (COPY (query) takes no parameters)."""
    import re

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text):
        raise ValueError(f"not a canonical datetime: {text!r}")
    return f"'{text}'"


def _stage_keys(con, keys: list[str]) -> None:
    con.execute("CREATE TEMP TABLE _crm_keys (key VARCHAR) ON COMMIT DROP")
    _copy_in(con, "COPY _crm_keys (key) FROM STDIN (FORMAT csv)", keys_frame(keys))
    con.execute("ANALYZE _crm_keys")


def _copy_in(con, sql: str, table: "pa.Table") -> None:
    """Stream an Arrow table into COPY … (FORMAT csv): null is an unquoted empty field."""
    import io

    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False)
    with con.cursor().copy(sql) as copy:
        for batch in table.to_batches(max_chunksize=COPY_BATCH):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getvalue())


def _copy_out(con, query: str, columns: list[str]) -> "pa.Table":
    """The rows of `query` via COPY … TO STDOUT (FORMAT csv), parsed by Arrow, every column text."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    with con.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return pa.table({c: pa.array([], type=pa.string()) for c in columns})
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=columns),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns}, null_values=[""],
                                             strings_can_be_null=True, quoted_strings_can_be_null=False),
    )
