"""The audit trail through the real CLI (docs/audit.md): `crmtool run`, `verify`, `rollback`, `scan` and `backup`
append a record to the run directory's audit.jsonl and to the store's _crm_audit (DuckDB files and the real
PostgreSQL server), `crmtool audit` lists them, and no secret reaches either."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from test_run import project  # noqa: F401 - the fixture

SECRET = "Pw-s3cret-42x"


def run(cli, migration: Path, *args) -> dict:
    done = cli("run", migration, "--json", *args)
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def lines(run_dir: Path) -> list[dict]:
    text = (run_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def store_rows(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute('SELECT id, started_at, command, user_name, host, run_id, exit_code, record '
                           "FROM _crm_audit ORDER BY started_at, id").fetchall()


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_run_is_audited_in_its_run_directory_and_the_store(cli, project):  # noqa: F811
    summary = run(cli, project / "migration.yaml")
    run_dir = Path(summary["run_dir"])
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))

    (record,) = lines(run_dir)
    assert record["command"] == "run" and record["exit_code"] == 0 and record["error"] is None
    assert record["run_id"] == summary["run_id"] and record["run_dir"] == str(run_dir.resolve())
    assert record["user"] and record["host"]
    at = datetime.fromisoformat(record["at"])
    assert at.utcoffset() == timedelta(0) and abs(datetime.now(at.tzinfo) - at) < timedelta(minutes=10)
    assert record["command_line"] == ["crmtool", "run", str(project / "migration.yaml"), "--json"]
    assert record["target"] == manifest["target"] and record["writes_store"] is True and record["dry_run"] is False
    # every input with the sha256 of its bytes: the migration file, the mappings, the sources
    kinds = {}
    for entry in record["inputs"]:
        assert entry["sha256"] == sha256(entry["path"]), entry
        kinds.setdefault(entry["kind"], set()).add(Path(entry["path"]).name)
    assert kinds["migration"] == {"migration.yaml"}
    assert kinds["mapping"] == {Path(m["path"]).name for m in manifest["mappings"]}
    assert kinds["source"] == {Path(e["source"]).name for e in manifest["inputs"]}
    assert len(kinds["source"]) == len(manifest["inputs"]) >= 3
    assert all(Path(e["path"]).parent == project / "samples" for e in record["inputs"] if e["kind"] == "source")
    assert record["counts"] == manifest["load"]
    assert sum(c["inserted"] for c in record["counts"].values()) > 0

    # the same record, as one row of the store's _crm_audit
    (row,) = store_rows(project / "crm.duckdb")
    assert row[0] == record["id"] and row[2] == "run" and row[5] == summary["run_id"] and row[6] == 0
    assert row[3] == record["user"] and row[4] == record["host"]
    assert json.loads(row[7]) == record

    # crmtool audit: plain text off a terminal, no cell cut short; JSON lines as stored
    listed = cli("audit", "--store", f"duckdb:///{project / 'crm.duckdb'}")
    assert listed.code == 0, listed.stderr
    assert summary["run_id"] in listed.stdout and f"crmtool run {project / 'migration.yaml'} --json" in listed.stdout
    assert "…" not in listed.stdout
    as_json = cli("audit", "--store", f"duckdb:///{project / 'crm.duckdb'}", "--json")
    assert as_json.code == 0 and [json.loads(line) for line in as_json.stdout.splitlines()] == [record]
    from_dir = cli("audit", "--run-dir", run_dir, "--json")
    assert [json.loads(line) for line in from_dir.stdout.splitlines()] == [record]


def test_verify_and_rollback_append_and_earlier_records_stay_byte_identical(cli, project):  # noqa: F811
    first = run(cli, project / "migration.yaml")
    run_dir = Path(first["run_dir"])
    log = run_dir / "audit.jsonl"
    before = log.read_bytes()
    assert before.count(b"\n") == 1

    verified = cli("verify", run_dir, "--object", "accounts", "--no-gx", "--json")
    assert verified.code == 0, verified.stderr
    after_verify = log.read_bytes()
    assert after_verify.startswith(before) and after_verify.count(b"\n") == 2
    check = lines(run_dir)[1]
    assert check["command"] == "verify" and check["exit_code"] == 0 and check["counts"]["rules"] > 0
    assert [(e["kind"], Path(e["path"]).name) for e in check["inputs"]] == [("map", "accounts.parquet")]
    assert all(e["sha256"] == sha256(e["path"]) for e in check["inputs"])

    undo = cli("rollback", first["run_id"], "--runs-dir", project / "runs", "--yes", "--json")
    assert undo.code == 0, undo.stderr
    result = json.loads(undo.stdout)
    assert log.read_bytes().startswith(after_verify)
    records = lines(run_dir)
    assert [r["command"] for r in records] == ["run", "verify", "rollback"]
    rollback = records[2]
    assert rollback["exit_code"] == 0 and rollback["counts"] == result["objects"]
    assert sum(c["deleted"] for c in rollback["counts"].values()) > 0
    assert {e["kind"] for e in rollback["inputs"]} == {"snapshot"}
    assert all(e["sha256"] == sha256(e["path"]) for e in rollback["inputs"])

    # the rollback emptied the objects' tables but left the audit rows, and added its own
    with duckdb.connect(str(project / "crm.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    rows = store_rows(project / "crm.duckdb")
    assert [r[2] for r in rows] == ["run", "rollback"]  # verify wrote only the run directory
    assert json.loads(rows[0][7]) == records[0] and json.loads(rows[1][7]) == rollback

    url = f"duckdb:///{project / 'crm.duckdb'}"
    newest = cli("audit", "--store", url, "--limit", "1", "--json")
    assert [json.loads(line)["command"] for line in newest.stdout.splitlines()] == ["rollback"]
    runs_only = cli("audit", "--store", url, "--command", "run", "--json")
    assert [json.loads(line)["id"] for line in runs_only.stdout.splitlines()] == [records[0]["id"]]
    future = cli("audit", "--store", url, "--since", "2999-01-01", "--json")
    assert future.code == 0 and future.stdout == ""
    recent = cli("audit", "--runs-dir", project / "runs", "--since", "1h", "--json")
    assert len(recent.stdout.splitlines()) == 3


def test_a_failing_run_records_its_exit_code_in_the_run_directory(cli, project):  # noqa: F811
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace(
        "target: duckdb:///crm.duckdb", "target: postgresql://crm:${CRM_PW}@127.0.0.1:1/crm"), encoding="utf-8")
    (project / ".env").write_text(f"CRM_PW={SECRET}\n", encoding="utf-8")
    done = cli("run", migration)
    assert done.code == 4
    assert len(done.stderr.strip().splitlines()) == 1  # the store's error alone: the audit adds no warning to it
    (log,) = (project / "runs").glob("*/audit.jsonl")
    assert SECRET not in log.read_text(encoding="utf-8")
    (record,) = lines(log.parent)
    assert record["exit_code"] == 4 and "cannot connect" in record["error"]
    assert record["target"] == "postgresql://crm:***@127.0.0.1:1/crm" and record["counts"] == {}
    assert {e["kind"] for e in record["inputs"]} == {"migration", "mapping"}  # it stopped before the backup


def test_a_dry_run_is_audited_in_the_run_directory_only(cli, project):  # noqa: F811
    summary = run(cli, project / "migration.yaml", "--dry-run")
    (record,) = lines(Path(summary["run_dir"]))
    assert record["dry_run"] is True and record["writes_store"] is False and record["exit_code"] == 0
    assert not (project / "crm.duckdb").exists()  # the audit creates no store either


def test_scan_with_history_is_audited_in_the_store_and_ignores_the_audit_table(cli, project):  # noqa: F811
    run(cli, project / "migration.yaml")
    url = f"duckdb:///{project / 'crm.duckdb'}"
    scanned = cli("scan", "--store", url, "--json")
    assert scanned.code in (0, 1), scanned.stderr
    result = json.loads(scanned.stdout)
    assert "_crm_audit" not in result["objects"] and not any("_crm_audit" in n for n in result["notes"])
    assert cli("scan", "--store", url, "--no-history", "--json").code in (0, 1)
    rows = store_rows(project / "crm.duckdb")
    assert [r[2] for r in rows] == ["run", "scan"]  # a look without history writes nothing, and is not audited
    scan = json.loads(rows[1][7])
    assert scan["exit_code"] == scanned.code and scan["scan_id"] == result["scan_id"]
    assert scan["counts"]["scan_history_rows"] > 0 and scan["run_dir"] is None


def test_backup_appends_to_its_run_directory(cli, tmp_path):
    source = tmp_path / "客户.csv"
    source.write_text("名称\n甲公司\n", encoding="utf-8")
    run_dir = tmp_path / "runs" / "b1"
    assert cli("backup", source, "--run-dir", run_dir).code == 0
    first = (run_dir / "audit.jsonl").read_bytes()
    assert cli("backup", source, "--run-dir", run_dir).code == 0
    assert (run_dir / "audit.jsonl").read_bytes().startswith(first)
    copied, verified = lines(run_dir)
    assert copied["counts"] == {"copied": 1} and verified["counts"] == {"verified": 1}
    assert copied["inputs"][0]["sha256"] == sha256(source) and copied["run_id"] == "b1"

    source.write_text("名称\n乙公司\n", encoding="utf-8")
    changed = cli("backup", source, "--run-dir", run_dir)
    assert changed.code == 1
    failed = lines(run_dir)[2]
    assert failed["exit_code"] == 1 and "changed" in failed["error"]


def test_an_audit_that_cannot_be_written_never_hides_the_outcome(cli, tmp_path, monkeypatch):
    import crmtool.run.audit as audit

    def broken(path, line):
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append_line", broken)
    source = tmp_path / "a.csv"
    source.write_text("x\n1\n", encoding="utf-8")
    done = cli("backup", source, "--run-dir", tmp_path / "r")
    assert done.code == 0 and "audit record not written" in done.stderr and "disk full" in done.stderr
    failing = cli("backup", tmp_path / "missing.csv", "--run-dir", tmp_path / "r")
    assert failing.code == 3 and "missing.csv" in failing.stderr

    monkeypatch.setattr(audit, "build_record", lambda *a: 1 / 0)
    again = cli("backup", source, "--run-dir", tmp_path / "r")
    assert again.code == 0 and "audit record not written" in again.stderr


def test_audit_of_a_store_without_an_audit_table(cli, tmp_path):
    done = cli("audit", "--store", f"file://{tmp_path}/import?format=csv")
    assert done.code == 2 and "run directories" in done.stderr
    assert cli("audit", "--store", f"duckdb:///{tmp_path}/none.duckdb").code == 4
    assert not (tmp_path / "none.duckdb").exists()
    assert cli("audit").code == 2 and cli("audit", "--store", "duckdb:///x", "--run-dir", tmp_path).code == 2
    assert cli("audit", "--runs-dir", tmp_path, "--since", "yesterday").code == 2


def test_no_object_may_take_the_name_of_a_crmtool_table(tmp_path):
    from crmtool.config.files import ConfigFileError
    from crmtool.model import load_object_model

    custom = tmp_path / "objects.yaml"
    custom.write_text("objects:\n  _crm_audit:\n    external_id: id\n    fields:\n      id: {type: text}\n",
                      encoding="utf-8")
    with pytest.raises(ConfigFileError, match="_crm_"):
        load_object_model(custom)


@pytest.mark.postgres
def test_a_postgres_password_from_the_environment_reaches_no_audit_record(cli, project, pg_url):  # noqa: F811
    import psycopg

    base, _, schema = pg_url.partition("?schema=")
    with_password = pg_url.replace("postgres@", "postgres:${CRM_PG_PW}@")
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("duckdb:///crm.duckdb", with_password),
                         encoding="utf-8")
    (project / ".env").write_text(f"CRM_PG_PW={SECRET}\n", encoding="utf-8")  # trust auth: any password is taken
    summary = run(cli, migration)
    # a rollback with the password written out on the command line
    literal = pg_url.replace("postgres@", f"postgres:{SECRET}@")
    undo = cli("rollback", summary["run_id"], "--runs-dir", project / "runs", "--target", literal, "--yes")
    assert undo.code == 0, undo.stderr

    run_dir = Path(summary["run_dir"])
    text = (run_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert SECRET not in text
    records = lines(run_dir)
    assert [r["command"] for r in records] == ["run", "rollback"]
    assert all(r["target"].startswith("postgresql://postgres:***@127.0.0.1:5432/test") for r in records)
    assert f"postgresql://postgres:***@127.0.0.1:5432/test?schema={schema}" in records[1]["command_line"]

    with psycopg.connect(base) as con:
        rows = con.execute(f'SELECT * FROM "{schema}"."_crm_audit" ORDER BY started_at, id').fetchall()
        assert con.execute(f'SELECT count(*) FROM "{schema}".accounts').fetchone()[0] == 0
    assert len(rows) == 2 and SECRET not in repr(rows)
    assert [json.loads(r[-1]) for r in rows] == records

    listed = cli("audit", "--store", literal)
    assert listed.code == 0 and summary["run_id"] in listed.stdout and SECRET not in listed.stdout + listed.stderr
