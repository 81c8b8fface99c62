"""Target URLs: the forms each target accepts, relative paths, crmtool's own parameters, and the HTTP
protocol's details (paging, idempotency keys, Retry-After)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmtool.errors import ConfigError
from crmtool.load.stage import load_object
from crmtool.load.targets import open_target
from crmtool.load.targets.duckdb import DuckDBTarget, store_path
from crmtool.load.targets.file import FileTarget, parse_file_url
from crmtool.load.targets.http import idempotency_key
from crmtool.load.targets.httpretry import Policy, parse_retry_after
from crmtool.load.targets.postgresql import split_url


def test_duckdb_urls_follow_sqlalchemy():
    assert store_path("duckdb:///crm.duckdb") == "crm.duckdb"
    assert store_path("duckdb:///data/crm.duckdb") == "data/crm.duckdb"
    assert store_path("duckdb:////srv/crm.duckdb") == "/srv/crm.duckdb"
    assert store_path("duckdb:///:memory:") == ":memory:"
    with pytest.raises(ConfigError):
        store_path("duckdb://crm.duckdb")
    assert DuckDBTarget.absolute_url("duckdb:///store/crm.duckdb", Path("/proj")) == "duckdb:////proj/store/crm.duckdb"
    assert DuckDBTarget.absolute_url("duckdb:////srv/crm.duckdb", Path("/proj")) == "duckdb:////srv/crm.duckdb"


def test_relative_store_resolves_against_base(tmp_path, model, accounts, run_dirs, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    with open_target("duckdb:///store/crm.duckdb", model, base=tmp_path / "project") as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
    assert (tmp_path / "project" / "store" / "crm.duckdb").exists() and not (tmp_path / "store").exists()


def test_file_urls(tmp_path):
    assert parse_file_url("file:///srv/import?format=csv") == ("/srv/import", {"format": "csv"})
    assert parse_file_url("file://./import") == ("./import", {})
    assert parse_file_url("file:import") == ("import", {})
    with pytest.raises(ConfigError, match="local folder"):
        parse_file_url("file://server/share")
    assert FileTarget.absolute_url("file://./out?format=csv", tmp_path) == f"file://{tmp_path}/out?format=csv"
    with pytest.raises(ConfigError, match="format"):
        FileTarget("file:///x?format=json", None)


def test_postgres_url_keeps_libpq_params_and_takes_schema():
    conninfo, schema = split_url("postgres://u:p@db:5432/crm?schema=crm_2024&sslmode=require")
    assert schema == "crm_2024"
    assert conninfo.startswith("postgresql://u:p@db:5432/crm?") and "sslmode=require" in conninfo
    assert "schema" not in conninfo and "connect_timeout=10" in conninfo
    assert split_url("postgresql://db/crm")[1] == "public"


@pytest.mark.postgres
def test_postgres_alias_scheme_and_schema_created(pg_url, model, accounts, run_dirs):
    import psycopg

    with open_target(pg_url.replace("postgresql://", "postgres://"), model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
    conninfo, schema = split_url(pg_url)
    with psycopg.connect(conninfo) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                                 "AND table_name = 'accounts'", (schema,)).fetchall())
    assert types["annual_revenue"] == "numeric" and types["employees"] == "bigint"
    assert types["created_at"] == "date" and types["updated_at"].startswith("timestamp")


def test_duckdb_columns_are_typed(tmp_path, model, accounts, run_dirs):
    import duckdb

    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
    con = duckdb.connect(str(tmp_path / "crm.duckdb"))
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'accounts'").fetchall())
    total = con.execute("SELECT sum(annual_revenue), max(created_at) FROM accounts").fetchall()[0]
    con.close()
    assert types["annual_revenue"] == "DECIMAL(18,2)" and types["_crm_loaded_at"] == "TIMESTAMP"
    assert str(total[0]) == "128000.50" and str(total[1]) == "2024-03-15"


def test_model_fields_added_later_become_columns(tmp_path, model, accounts, run_dirs):
    from crmtool.model import FieldDef, ObjectModel

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    with open_target(url, model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
    grown = ObjectModel({name: obj.model_copy(deep=True) for name, obj in model.objects.items()})
    grown["accounts"].fields["vip__c"] = FieldDef(type="boolean")
    with open_target(url, grown) as target:
        assert target.fetch("accounts")["vip__c"].isna().all(), "a column the table lacks reads as empty"
        again = load_object(target, "accounts", accounts.assign(vip__c=["true", None, "false"]), "r2", run_dirs("r2"))
        assert again == {"inserted": 0, "updated": 2, "unchanged": 1}
        assert target.fetch("accounts", ["A001"])["vip__c"].item() == "true"


def test_http_fetch_all_pages(crm_server, model, accounts, run_dirs, monkeypatch):
    import crmtool.load.targets.http as http

    monkeypatch.setattr(http, "PAGE", 2)
    with open_target(crm_server.url + "?rate=0", model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
        assert sorted(target.fetch("accounts")["account_id"]) == ["A001", "A002", "A003"]
    assert sum(1 for r in crm_server.state.requests if r[0] == "GET" and "/accounts?" in r[1]) == 2


def test_http_parameters_are_checked(model):
    with pytest.raises(ConfigError, match="batch"):
        open_target("https://crm.example.com/api?batch=many", model)


def test_idempotency_key_depends_on_everything_it_names():
    body = {"external_id": "account_id", "records": [{"account_id": "A1", "name": "甲"}]}
    key = idempotency_key("r1", "accounts", "upsert", 1, body)
    assert key == idempotency_key("r1", "accounts", "upsert", 1, {"records": body["records"], "external_id": "account_id"})
    others = [idempotency_key("r2", "accounts", "upsert", 1, body), idempotency_key("r1", "contacts", "upsert", 1, body),
              idempotency_key("r1", "accounts", "delete", 1, body), idempotency_key("r1", "accounts", "upsert", 2, body),
              idempotency_key("r1", "accounts", "upsert", 1, {**body, "records": [{"account_id": "A1", "name": "乙"}]})]
    assert len({key, *others}) == 6 and len(key) == 64


def test_retry_after_and_backoff():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    policy = Policy(backoff=1.0)
    assert policy.delay(1, "7") == 7.0
    delays = [policy.delay(3, None) for _ in range(50)]
    assert all(2.0 <= d <= 4.0 for d in delays) and len(set(delays)) > 1, "4 s step, half of it jittered"
