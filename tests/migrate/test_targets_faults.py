"""Stores that fail: down, refusing, answering 500 or 429, a transaction that cannot commit. Errors are one
line, exit 4, and never carry a password or token."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from crm_http_server import CrmServer

from crmtool.errors import ConfigError, TargetError
from crmtool.load.stage import load_object
from crmtool.load.targets import open_target

PASSWORD = "pw-s3cret-42"
TOKEN = "tok-Zq81-very-secret"


def assert_clean(message: str, *secrets: str) -> None:
    assert "\n" not in message and message.strip() == message
    for secret in secrets:
        assert secret not in message


@pytest.mark.postgres
def test_postgres_down_is_one_line_without_password(model):
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test?schema=x"
    with pytest.raises(TargetError) as info:
        open_target(url, model).open()
    message = str(info.value)
    assert_clean(message, PASSWORD)
    assert message.startswith("postgresql://postgres:***@127.0.0.1:1/test") and "cannot connect" in message


def test_http_down_is_target_error_after_retries(model, monkeypatch):
    monkeypatch.setenv("CRMTOOL_HTTP_TOKEN", TOKEN)
    with CrmServer() as server:
        url = server.url
    started = time.monotonic()
    with pytest.raises(TargetError) as info:
        open_target(url + "?retries=2&backoff=0.05", model).open()
    assert time.monotonic() - started >= 0.05, "it retried with backoff before giving up"
    assert_clean(str(info.value), TOKEN)
    assert "ConnectError" in str(info.value) and "3 attempts" in str(info.value)


def test_duckdb_that_cannot_open_is_target_error(model, tmp_path):
    (tmp_path / "crm.duckdb").mkdir()
    with pytest.raises(TargetError, match="cannot open the database"):
        open_target(f"duckdb:///{tmp_path}/crm.duckdb", model).open()


def test_unknown_scheme_lists_the_installed_ones(model):
    with pytest.raises(ConfigError) as info:
        open_target("mysql://root:pw@db/crm", model)
    message = str(info.value)
    assert "'mysql'" in message and "duckdb" in message and "postgresql" in message and "https" in message
    assert "pw@" not in message


def test_http_500_after_applying_is_retried_and_not_applied_twice(model, accounts, run_dirs):
    with CrmServer() as server:
        server.state.fail_with([500])  # the first batch is applied, but the answer is lost
        with open_target(server.url + "?batch=2&backoff=0.01&rate=0", model) as target:
            counts = load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
            assert counts["inserted"] == 3
            assert len(target.fetch("accounts")) == 3
        writes = [r for r in server.state.requests if r[1].endswith("/upsert")]
        assert len(writes) == 3, "two batches, the first sent twice"
        assert writes[0][2] == writes[1][2] != writes[2][2], "the retry carries the same Idempotency-Key"
        assert server.state.applied == 2, "the server applied each batch once"


def test_http_429_honours_retry_after(model, accounts, run_dirs):
    with CrmServer() as server:
        server.state.fail_with([429], retry_after="1")
        with open_target(server.url + "?backoff=0.01&rate=0", model) as target:
            started = time.monotonic()
            load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
            assert time.monotonic() - started >= 0.95
        assert server.state.applied == 1 and len(server.state.rows("accounts")) == 3


def test_http_rate_limit(model, accounts, run_dirs):
    with CrmServer() as server, open_target(server.url + "?batch=1&rate=20", model) as target:
        started = time.monotonic()
        target.upsert("accounts", accounts.drop(columns="_row_id"), "r1")
        target.delete("accounts", ["A001", "A002", "A003"])
        assert time.monotonic() - started >= 5 / 20, "six requests at 20 per second take at least 0.25 s"


def test_http_token_is_sent_and_never_shown(model, accounts, run_dirs, monkeypatch, tmp_path):
    with CrmServer(token=TOKEN) as server:
        monkeypatch.delenv("CRMTOOL_HTTP_TOKEN", raising=False)
        with pytest.raises(TargetError) as info:
            open_target(server.url, model).open()
        assert "401" in str(info.value) and "CRMTOOL_HTTP_TOKEN" in str(info.value)
        monkeypatch.setenv("CRMTOOL_HTTP_TOKEN", TOKEN)
        run = run_dirs("r1")
        with open_target(server.url + "?rate=0", model) as target:
            load_object(target, "accounts", accounts, "r1", run)
        assert len(server.state.rows("accounts")) == 3
        monkeypatch.setenv("CRMTOOL_HTTP_TOKEN", "wrong-" + TOKEN)
        with pytest.raises(TargetError) as info:
            open_target(server.url, model).open()
        assert_clean(str(info.value), TOKEN)
    for path in run.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.postgres
def test_postgres_failed_transaction_leaves_the_table_unchanged(model, accounts, run_dirs, pg_url):
    import psycopg

    from crmtool.load.targets.postgresql import split_url

    with open_target(pg_url, model) as target:
        load_object(target, "accounts", accounts.iloc[:2], "r1", run_dirs("r1"))
        before = target.fetch("accounts").sort_values("account_id").reset_index(drop=True)
        conninfo, schema = split_url(pg_url)
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute(f'ALTER TABLE "{schema}".accounts ADD CONSTRAINT few CHECK (employees < 1000)')
        batch = accounts.copy()
        batch["name"] = "改过的名字"  # two updates that would succeed…
        batch.loc[2, "employees"] = "5000"  # …and an insert the database refuses
        with pytest.raises(TargetError) as info:
            load_object(target, "accounts", batch, "r2", run_dirs("r2"))
        assert_clean(str(info.value))
        assert "nothing was written" in str(info.value)
        after = target.fetch("accounts").sort_values("account_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(after, before)


@pytest.mark.postgres
def test_no_credential_in_run_dir_or_cli_errors(model, accounts, run_dirs, pg_url, cli):
    url = pg_url.replace("postgres@", f"postgres:{PASSWORD}@")  # trust auth: the password is accepted and unused
    run = run_dirs("r1", target=pg_url.replace("postgres@", "postgres:***@"))
    with open_target(url, model) as target:
        load_object(target, "accounts", accounts, "r1", run)
    done = cli("rollback", "r1", "--runs-dir", run.parent, "--target", url, "--yes", "--json")
    assert done.code == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    for path in run.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    down = url.replace("127.0.0.1:5432", "127.0.0.1:1")
    failed = cli("rollback", "r1", "--runs-dir", run.parent, "--target", down, "--yes")
    assert failed.code == 4
    assert PASSWORD not in failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "postgres:***@127.0.0.1:1" in errors[0] and "cannot connect" in errors[0]
