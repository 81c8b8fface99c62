"""Stores for the KPI and scan tests: real DuckDB files and PostgreSQL schemas in the targets' layout
(one table per object, model fields in their SQL types, _crm_hash/_crm_run_id/_crm_loaded_at), filled
from frames of canonical text by plain SQL. Also the hand-computed fixtures the tests check against."""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest

from crmtool.canon.uscc import complete_uscc
from crmtool.model import load_object_model

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"
MODEL = load_object_model()
META = {"_crm_hash": "VARCHAR", "_crm_run_id": "VARCHAR", "_crm_loaded_at": "TIMESTAMP"}

BEIJING = complete_uscc("91110108MA01ABCD")  # division 110108: 北京市海淀区
GUANGDONG = complete_uscc("91440300MA5F1234")  # 440300: 深圳市
SHANGHAI = complete_uscc("91310115MA1K4A2B")  # 310115: 上海市浦东新区
BAD_CHECK = SHANGHAI[:-1] + ("0" if SHANGHAI[-1] != "0" else "1")


def columns(object_name: str) -> dict[str, str]:
    return {**{n: f.sql_type for n, f in MODEL[object_name].fields.items()}, **META}


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype("string")


# -- the hand-computed fixture ----------------------------------------------------------------------

def accounts_rows() -> pd.DataFrame:
    """Six accounts; the tests below spell out what each KPI must be."""
    return frame([
        {"account_id": "A1", "name": "北京华信科技有限公司", "credit_code": BEIJING, "phone": "+861062345678",
         "province": "北京", "city": "北京", "address": "北京市海淀区中关村大街1号", "level": "A",
         "created_at": "2024-01-01", "updated_at": "2026-11-01 09:00:00", "_crm_loaded_at": "2026-11-20 02:00:00"},
        {"account_id": "A2", "name": "华信（北京）科技有限公司", "credit_code": None, "phone": "无",
         "province": "北京市", "city": None, "address": "北京市海淀区", "level": "B",
         "created_at": "2026-10-15", "updated_at": "2026-10-01 09:00:00", "_crm_loaded_at": "2026-11-20 02:00:00"},
        {"account_id": "A3", "name": "\u3000", "credit_code": GUANGDONG, "phone": " N/A ",
         "province": "北京", "city": None, "address": "北京市东城区", "level": "C",
         "created_at": "2019-01-01", "updated_at": "2020-01-01 00:00:00", "_crm_loaded_at": "2026-11-20 02:00:00"},
        {"account_id": "A4", "name": "上海明达贸易有限公司", "credit_code": BAD_CHECK, "phone": "010-1234",
         "province": "上海", "city": "上海市", "address": "上海市浦东新区张江路1号", "level": "E",
         "created_at": "2025-01-01", "updated_at": None, "_crm_loaded_at": "2026-11-20 02:00:00"},
        {"account_id": "A5", "name": "广州天一餐饮有限公司", "credit_code": "-", "phone": "+8613800138000",
         "province": "广东", "city": "深圳", "address": "深圳市南山区科技园", "level": None,
         "created_at": None, "updated_at": None, "_crm_loaded_at": "2024-01-01 00:00:00"},
        {"account_id": "A6", "name": "深圳南山物流有限公司", "credit_code": GUANGDONG, "phone": None,
         "province": "广东省", "city": None, "address": "北京市朝阳区建国路1号", "level": "D",
         "created_at": "2023-05-01", "updated_at": "2026-11-20 10:00:00", "_crm_loaded_at": "2026-11-20 02:00:00"},
    ])


def contacts_rows() -> pd.DataFrame:
    return frame([
        {"contact_id": "C1", "account_id": "A1", "name": "张三", "mobile": "+8613800138000"},
        {"contact_id": "C2", "account_id": "A9", "name": "李四", "mobile": "+8613900139000"},
        {"contact_id": "C3", "account_id": "无", "name": "王五", "mobile": "1380013"},
        {"contact_id": "C4", "account_id": " A2 ", "name": "赵六", "mobile": None},
    ])


# -- stores -----------------------------------------------------------------------------------------

def duckdb_store(path, frames: dict[str, pd.DataFrame]) -> str:
    """A DuckDB store file with these objects' tables and rows; returns its URL."""
    import duckdb

    con = duckdb.connect(str(path))
    for name, rows in frames.items():
        types = columns(name)
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)} {t}" for c, t in types.items())}, '
                    f'PRIMARY KEY ("{MODEL[name].external_id}"))')
        con.register("_rows", rows)
        present = [c for c in types if c in rows.columns]
        casts = ", ".join(f'CAST("{c}" AS {types[c]})' for c in present)
        con.execute(f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in present)}) SELECT {casts} FROM _rows')
        con.unregister("_rows")
    con.close()
    return f"duckdb:///{path}"


def postgres_store(url: str, frames: dict[str, pd.DataFrame]) -> str:
    """The same in a PostgreSQL schema (the URL's ?schema=)."""
    import psycopg

    schema = url.split("schema=")[1]
    with psycopg.connect(PG_BASE, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for name, rows in frames.items():
            types = columns(name)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{schema}"."{name}" ('
                        + ", ".join(f'"{c}" {t}' for c, t in types.items())
                        + f', PRIMARY KEY ("{MODEL[name].external_id}"))')
            present = [c for c in types if c in rows.columns]
            sql = (f'INSERT INTO "{schema}"."{name}" ({", ".join(chr(34) + c + chr(34) for c in present)}) VALUES ('
                   + ", ".join(f"CAST(%s AS {types[c]})" for c in present) + ")")
            values = [tuple(None if pd.isna(v) else str(v) for v in row)
                      for row in rows[present].itertuples(index=False)]
            with con.cursor() as cur:
                cur.executemany(sql, values)
    return url


def postgres_problem() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_BASE + "?connect_timeout=3") as con:
            con.execute("SELECT 1")
    except psycopg.Error as exc:
        return " ".join(str(exc).split())
    return None


@pytest.fixture
def pg_url():
    """A store URL with a schema of its own, dropped afterwards; skipped when PostgreSQL is not there
    (failed instead with CRMTOOL_REQUIRE_POSTGRES=1)."""
    import psycopg

    problem = postgres_problem()
    if problem:
        message = f"PostgreSQL on 127.0.0.1:5432 (database test) is not reachable: {problem}"
        if os.environ.get("CRMTOOL_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (CRMTOOL_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    schema = f"crm_scan_{uuid.uuid4().hex[:12]}"
    yield f"{PG_BASE}?schema={schema}"
    with psycopg.connect(PG_BASE, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_fixture_codes_are_what_the_tests_say():
    from crmtool.canon.uscc import is_valid_uscc

    assert is_valid_uscc(BEIJING) and is_valid_uscc(GUANGDONG) and is_valid_uscc(SHANGHAI)
    assert not is_valid_uscc(BAD_CHECK)
    assert BEIJING[2:4] == "11" and GUANGDONG[2:4] == "44"


def test_duckdb_store_has_the_targets_layout(tmp_path):
    import duckdb

    url = duckdb_store(tmp_path / "s.duckdb", {"accounts": accounts_rows()})
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    described = {r[0]: r[1] for r in con.execute("DESCRIBE accounts").fetchall()}
    assert described["updated_at"] == "TIMESTAMP" and described["annual_revenue"] == "DECIMAL(18,2)"
    assert list(described)[-3:] == ["_crm_hash", "_crm_run_id", "_crm_loaded_at"]
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 6
