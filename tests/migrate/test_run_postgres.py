"""The samples' migration into the real PostgreSQL server through `crmtool run`, then `crmtool rollback`:
load, re-load (nothing changes), one changed source row (exactly one update), rollback of each run."""

from __future__ import annotations

import json

import pytest
from test_run import SQL_ONLY, project  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres


def rows(pg_url: str, sql: str) -> list[tuple]:
    import psycopg

    base, _, query = pg_url.partition("?schema=")
    with psycopg.connect(base) as con:
        con.execute(f'SET search_path TO "{query}"')
        return con.execute(sql).fetchall()


def test_migrate_reload_change_and_roll_back_in_postgres(cli, project, pg_url):  # noqa: F811
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("duckdb:///crm.duckdb", pg_url),
                         encoding="utf-8")
    assert SQL_ONLY in migration.read_text(encoding="utf-8")

    def run(*args):
        result = cli("run", migration, "--json", *args)
        assert result.code == 0, result.stderr
        return json.loads(result.stdout)

    first = run()
    loaded = {name: rec["loaded"] for name, rec in first["reconciliation"].items()}
    for name, count in loaded.items():
        assert rows(pg_url, f"select count(*) from {name}")[0][0] == count
    assert rows(pg_url, "select count(*) from contacts c left join accounts a using (account_id) "
                        "where a.account_id is null")[0][0] == 0

    again = run()
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in again["load"].values())

    erp = project / "samples" / "legacy_erp_export.csv"
    erp.write_bytes(erp.read_bytes().decode("gb18030").replace("张江路665号", "张江路666号").encode("gb18030"))
    changed = run()
    assert changed["load"]["accounts"] == {"inserted": 0, "updated": 1, "unchanged": loaded["accounts"] - 1}
    assert rows(pg_url, "select count(*) from accounts where address like '%张江路666号%'")[0][0] == 1

    runs = project / "runs"
    undo = cli("rollback", changed["run_id"], "--runs-dir", runs, "--yes", "--json")
    assert undo.code == 0, undo.stderr
    assert rows(pg_url, "select count(*) from accounts where address like '%张江路665号%'")[0][0] == 1
    assert rows(pg_url, "select count(*) from accounts where address like '%张江路666号%'")[0][0] == 0

    undo_first = cli("rollback", first["run_id"], "--runs-dir", runs, "--yes", "--json")
    assert undo_first.code == 0, undo_first.stderr
    for name in loaded:
        assert rows(pg_url, f"select count(*) from {name}")[0][0] == 0
    assert "postgres@" in json.loads(undo_first.stdout)["target"]
