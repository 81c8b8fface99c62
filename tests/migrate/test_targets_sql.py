"""The SQL stores' write path (DuckDB, PostgreSQL): the primary key is added by the first write and enforced
from then on, inserts and updates by external id, all or nothing, typed columns parsed by Arrow where it can
and by the store's own cast where it cannot; and the load stage's shortcut for already-canonical text."""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.errors import TargetError
from crmtool.load.stage import canonical_rows
from crmtool.load.targets import open_target
from crmtool.load.targets.sqltext import create_table, quote


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path}/crm.duckdb"
    return request.getfixturevalue("pg_url")


def primary_key(target, name: str) -> list[str]:
    """The columns of the table's primary key, [] without one."""
    if target.url.startswith("duckdb"):
        rows = target.con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
                                  "AND constraint_type = 'PRIMARY KEY'", [name]).fetchall()
        return list(rows[0][0]) if rows else []
    rows = target.con.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                              "AND a.attnum = ANY(c.conkey) WHERE c.contype = 'p' AND c.conrelid = %s::regclass",
                              (target.table(name),)).fetchall()
    return [r[0] for r in rows]


def raw_insert(target, key: str) -> None:
    """Insert a row behind crmtool's back, as another writer would."""
    table = quote("accounts") if target.url.startswith("duckdb") else target.table("accounts")
    target.con.execute(f"INSERT INTO {table} (account_id, name) VALUES ('{key}', '另一个写入者')")


def fields(accounts: pd.DataFrame) -> pd.DataFrame:
    return accounts.drop(columns="_row_id").assign(_crm_hash="h")


def stored(target) -> pd.DataFrame:
    return target.fetch("accounts").sort_values("account_id").set_index("account_id")


def test_first_write_adds_the_primary_key_and_the_store_enforces_it(sql_url, model, accounts):
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        assert primary_key(target, "accounts") == []
        target.upsert("accounts", fields(accounts), "r1")
        assert primary_key(target, "accounts") == ["account_id"]
        with pytest.raises(Exception, match="(?i)duplicate|unique|constraint"):
            raw_insert(target, "A001")


def test_upsert_updates_existing_keys_and_inserts_new_ones(sql_url, model, accounts):
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        target.upsert("accounts", fields(accounts.iloc[:2]), "r1")
        second = fields(accounts.iloc[1:]).assign(name=["改名贸易有限公司", "新客户物流有限公司"])
        target.upsert("accounts", second, "r2")
        rows = stored(target)
        assert rows.index.tolist() == ["A001", "A002", "A003"]
        assert rows["name"].tolist() == ["北京华信科技有限公司", "改名贸易有限公司", "新客户物流有限公司"]
        assert rows["_crm_run_id"].tolist() == ["r1", "r2", "r2"]
        assert rows.loc["A003", "employees"] == "8" and rows.loc["A002", "annual_revenue"] == "0.50"
        assert primary_key(target, "accounts") == ["account_id"]


def test_upsert_of_existing_keys_only_updates_them_all(sql_url, model, accounts):
    """Every staged key exists: the write updates each row (the insert of new ones has nothing to do)."""
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        target.upsert("accounts", fields(accounts), "r1")
        target.upsert("accounts", fields(accounts.iloc[1:]).assign(name="改名贸易有限公司"), "r2")
        rows = stored(target)
        assert rows.index.tolist() == ["A001", "A002", "A003"]
        assert rows["name"].tolist() == [accounts["name"].iloc[0], "改名贸易有限公司", "改名贸易有限公司"]
        assert rows["_crm_run_id"].tolist() == ["r1", "r2", "r2"]


@pytest.mark.parametrize("seeded", [False, True], ids=["empty table", "table with rows"])
def test_a_repeated_key_writes_nothing(sql_url, model, accounts, seeded):
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        if seeded:
            target.upsert("accounts", fields(accounts.iloc[:1]), "r1")
        before = stored(target)
        batch = fields(accounts).assign(account_id=["A001", "A009", "A009"], name="重复")
        with pytest.raises(TargetError):
            target.upsert("accounts", batch, "r2")
        pd.testing.assert_frame_equal(stored(target), before)
        assert primary_key(target, "accounts") == (["account_id"] if seeded else [])


def test_a_table_created_with_its_key_is_written_the_same(sql_url, model, accounts):
    """Tables made by earlier versions have the primary key from the start."""
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        table = quote("accounts") if sql_url.startswith("duckdb") else target.table("accounts")
        target.con.execute(f"DROP TABLE {table}")
        target.con.execute(create_table(model["accounts"], table))
        target.upsert("accounts", fields(accounts), "r1")
        target.upsert("accounts", fields(accounts.iloc[[0]]).assign(name="改名"), "r2")
        assert stored(target)["name"].tolist() == ["改名", "上海东方贸易有限公司", "深圳南山物流有限公司"]
        assert primary_key(target, "accounts") == ["account_id"]


def test_values_arrow_refuses_are_cast_by_the_store(sql_url, model, accounts):
    """'1.005' (three places), '+5' and a zone-less ISO 'T' are not what Arrow casts or not what it prints;
    the store's own cast decides, exactly as before."""
    with open_target(sql_url, model) as target:
        target.ensure_schema(["accounts"])
        batch = fields(accounts).assign(annual_revenue=["1.005", "12", None], employees=["+5", "7", None],
                                        updated_at=["2024-03-15T14:30:00", "2024-03-15 14:30", None])
        target.upsert("accounts", batch, "r1")
        rows = stored(target)
        assert rows["annual_revenue"].tolist()[:2] == ["1.01", "12.00"]
        assert rows["employees"].tolist()[:2] == ["5", "7"]
        assert rows["updated_at"].tolist()[:2] == ["2024-03-15 14:30:00", "2024-03-15 14:30:00"]
        with pytest.raises(TargetError):
            target.upsert("accounts", batch.assign(employees=["many", "7", None]), "r2")
        assert stored(target)["employees"].tolist()[:2] == ["5", "7"]


VALUES = {
    "annual_revenue": ["128000.00", "128000", "0.5", "-0.50", "-0.00", "1e3", "007.10", "99999999999999.99"],
    "employees": ["120", "0012", "-0", "+5", "0", "-17", "9223372036854775807"],
    "created_at": ["2024-03-15", "2024-3-5", "0999-01-01", "2024-02-29", "10000-01-01"],
    "updated_at": ["2024-03-15 14:30:00", "2024-03-15 14:30", "2024-03-15T14:30:00", "2024-03-15 14:30:00.9",
                   "2024-03-15", "0999-01-01 00:00:00"],
}


@pytest.mark.parametrize("field", list(VALUES))
def test_canonical_text_is_what_the_store_cast_prints(model, field):
    """canonical_rows keeps a column as it is only when every value is already what DuckDB prints back."""
    import duckdb

    from crmtool.load.targets.sqltext import to_text

    sql_type = model["accounts"].fields[field].sql_type
    con = duckdb.connect()

    def printed(value: str) -> str:
        return con.execute(f"SELECT {to_text(f'CAST(? AS {sql_type})', sql_type, 'duckdb')}", [value]).fetchone()[0]

    for values in [VALUES[field][:1], VALUES[field]] + [[v] for v in VALUES[field]]:
        frame = pd.DataFrame({"account_id": [f"A{i}" for i in range(len(values))], field: values}, dtype="string[pyarrow]")
        got = canonical_rows(frame, model["accounts"], "accounts")[field].tolist()
        assert got == [printed(v) for v in values], values
