"""SQL both SQL targets share: quoting, the table's DDL, and typed column <-> canonical text.

Canonical text (what frames carry): integers `123`, decimals with two places `128000.00`, booleans
`true`/`false`, dates `2024-03-15`, datetimes `2024-03-15 14:30:00`. DuckDB and PostgreSQL print
BIGINT, DECIMAL(18,2) and BOOLEAN that way already; dates and timestamps are formatted explicitly so
that no DateStyle or locale setting can change them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crmtool.model import ObjectDef

Dialect = Literal["duckdb", "postgresql"]
META_TYPES = {"_crm_hash": "VARCHAR", "_crm_run_id": "VARCHAR", "_crm_loaded_at": "TIMESTAMP"}

_FORMAT = {
    ("duckdb", "DATE"): "strftime({}, '%Y-%m-%d')",
    ("duckdb", "TIMESTAMP"): "strftime({}, '%Y-%m-%d %H:%M:%S')",
    ("postgresql", "DATE"): "to_char({}, 'YYYY-MM-DD')",
    ("postgresql", "TIMESTAMP"): "to_char({}, 'YYYY-MM-DD HH24:MI:SS')",
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_types(obj: "ObjectDef") -> dict[str, str]:
    """{column: SQL type} for the object's table, fields first, then the bookkeeping columns."""
    return {**{name: f.sql_type for name, f in obj.fields.items()}, **META_TYPES}


def to_text(expr: str, sql_type: str, dialect: Dialect) -> str:
    """SQL turning a typed value into canonical text."""
    if sql_type == "VARCHAR":
        return expr
    template = _FORMAT.get((dialect, sql_type))
    return template.format(expr) if template else f"CAST({expr} AS VARCHAR)"


def select_text(obj: "ObjectDef", dialect: Dialect, alias: str = "") -> str:
    """The select list reading an object's table back as canonical text, one column per store column."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{to_text(prefix + quote(c), t, dialect)} AS {quote(c)}" for c, t in column_types(obj).items())


def typed_select(types: dict[str, str], text_columns: set[str]) -> str:
    """The select list over staged rows: columns still text (`text_columns`) cast to their SQL type."""
    return ", ".join(f"CAST({quote(c)} AS {t})" if c in text_columns and t != "VARCHAR" else quote(c)
                     for c, t in types.items())


def create_table(obj: "ObjectDef", table: str, primary_key: bool = True) -> str:
    """The object's table. Without `primary_key` the table is created keyless, for its first write to
    add the key over the loaded rows at once (SQL targets do: building the index once is several times
    faster than maintaining it row by row)."""
    columns = ", ".join(f"{quote(c)} {t}" for c, t in column_types(obj).items())
    key = f", PRIMARY KEY ({quote(obj.external_id)})" if primary_key else ""
    return f"CREATE TABLE IF NOT EXISTS {table} ({columns}{key})"


# ------------------------------------------------------------------------------- the audit table (docs/audit.md)

AUDIT_TABLE = "_crm_audit"
AUDIT_COLUMNS = {"id": "VARCHAR NOT NULL", "started_at": "TIMESTAMP NOT NULL", "command": "VARCHAR NOT NULL",
                 "user_name": "VARCHAR", "host": "VARCHAR", "run_id": "VARCHAR", "exit_code": "INTEGER NOT NULL",
                 "record": "VARCHAR NOT NULL"}
"""One row per audited command: the record's key fields for SQL, and the whole record as its JSON line.
crmtool only ever INSERTs into it (never UPDATE or DELETE), and no object can be called `_crm_…`."""


def create_audit_table(table: str) -> str:
    columns = ", ".join(f"{quote(c)} {t}" for c, t in AUDIT_COLUMNS.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({columns})"


def audit_row(record: dict, line: str) -> tuple:
    """The table's values for a record (`line` is its JSON text); its `at` as `started_at`, naive UTC like
    `_crm_loaded_at`."""
    import datetime as dt

    at = dt.datetime.fromisoformat(record["at"])
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (record["id"], at, record["command"], record.get("user"), record.get("host"), record.get("run_id"),
            int(record["exit_code"]), line)


def insert_audit(table: str, placeholder: str) -> str:
    values = ", ".join([placeholder] * len(AUDIT_COLUMNS))
    return f"INSERT INTO {table} ({', '.join(map(quote, AUDIT_COLUMNS))}) VALUES ({values})"


def select_audit(table: str, placeholder: str, *, since: bool, command: bool, limit: int | None) -> str:
    """The records (JSON text), oldest first; with `limit`, the newest `limit` of them. `since` and
    `command` add a parameter each (in that order)."""
    where = [f"started_at >= {placeholder}"] * since + [f"command = {placeholder}"] * command
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    inner = (f"SELECT record, started_at, id FROM {table}{clause} ORDER BY started_at DESC, id DESC"
             + (f" LIMIT {int(limit)}" if limit is not None else ""))
    return f"SELECT record FROM ({inner}) AS newest ORDER BY started_at, id"
