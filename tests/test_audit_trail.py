"""The audit library (crmtool.run.audit, docs/audit.md) without a store: redaction of the command line and of
the whole record, the append-only JSONL file, reading and filtering, and the exit codes the CLI records."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crmtool.run import audit


def test_the_command_line_is_redacted():
    argv = ["crmtool", "rollback", "r1", "--target", "postgresql://crm:pw-123@db.example.com/crm?sslmode=require",
            "--password", "hunter22", "--api-token=tok-9999", "--client-secret", "s3cr3t", "--key-env", "MASK_KEY",
            "--store=https://crm.example.com/api?token=abcd1234&batch=5", "host=db password=libpq-pw dbname=crm"]
    assert audit.redact_command_line(argv) == [
        "crmtool", "rollback", "r1", "--target", "postgresql://crm:***@db.example.com/crm?sslmode=require",
        "--password", "***", "--api-token=***", "--client-secret", "***", "--key-env", "MASK_KEY",
        "--store=https://crm.example.com/api?token=***&batch=5", "host=db password=*** dbname=crm"]


def test_no_secret_reaches_the_record(tmp_path, monkeypatch):
    """The target's password (expanded from ${VAR}), the value of the variable --key-env names, the HTTP
    token crmtool reads: wherever they turn up (an error line, a path), the record holds *** instead."""
    monkeypatch.setenv("MASK_KEY", "mask-key-0123456789abcdef")
    monkeypatch.setenv("CRMTOOL_HTTP_TOKEN", "bearer-token-xyz")
    record = audit.start_audit("run", ["crmtool", "mask", "in.csv", "--key-env", "MASK_KEY"])
    record.attach_run_dir(tmp_path / "r1", create=True)
    record.set_store("postgresql://crm:db-pass-77@127.0.0.1:1/crm", write=False)
    record.inputs.append({"kind": "source", "path": str(tmp_path / "mask-key-0123456789abcdef.csv")})
    assert audit.finish_audit(record, 4, "cannot connect as db-pass-77 with bearer-token-xyz") == []
    text = (tmp_path / "r1" / audit.AUDIT_FILE).read_text(encoding="utf-8")
    for secret in ("db-pass-77", "mask-key-0123456789abcdef", "bearer-token-xyz"):
        assert secret not in text
    (written,) = [json.loads(line) for line in text.splitlines()]
    assert written["target"] == "postgresql://crm:***@127.0.0.1:1/crm"
    assert written["error"] == "cannot connect as *** with ***" and written["exit_code"] == 4
    assert written["command_line"] == ["crmtool", "mask", "in.csv", "--key-env", "MASK_KEY"]


def test_a_record_is_one_line_appended_after_what_was_there(tmp_path):
    log = tmp_path / audit.AUDIT_FILE
    log.write_bytes(b'{"torn": tr')  # a crash mid-write, before: kept as it is, the record starts a line of its own
    before = log.read_bytes()
    data = {"command": "run", "note": "a\u2028b\u2029c\x85d\ne", "名称": "甲公司"}
    audit.append_line(log, audit.audit_line(data))
    audit.append_line(log, audit.audit_line({"command": "rollback"}))
    after = log.read_bytes()
    assert after.startswith(before + b"\n")
    text = after.decode("utf-8")
    assert len(text.splitlines()) == 3 and text.count("\n") == 3  # no other line break of any kind inside a record
    assert json.loads(text.splitlines()[1]) == data
    records, warnings = audit.read_run_audit(tmp_path)
    assert [r["command"] for r in records] == ["run", "rollback"]
    assert len(warnings) == 1 and ":1: not a JSON record" in warnings[0]
    with pytest.raises(ValueError):
        audit.append_line(log, "two\nlines")


def test_a_run_directory_is_made_only_for_the_run_s_own(tmp_path):
    record = audit.start_audit("rollback", ["crmtool", "rollback", "nope"])
    record.attach_run_dir(tmp_path / "nope")
    assert audit.finish_audit(record, 2, "no such run") == []
    assert not (tmp_path / "nope").exists()


def test_a_store_without_an_audit_table_is_left_alone(tmp_path):
    """File and HTTP targets keep no _crm_audit: the run directory has the record, the store nothing new."""
    record = audit.start_audit("run", ["crmtool", "run", "m.yaml"])
    record.attach_run_dir(tmp_path / "r", create=True)
    record.set_store(f"file://{tmp_path}/import?format=csv")
    assert audit.finish_audit(record, 0) == []
    assert (tmp_path / "r" / audit.AUDIT_FILE).is_file() and not (tmp_path / "import").exists()


def test_a_store_that_cannot_be_reached_still_leaves_the_run_directory_s_record(tmp_path):
    record = audit.start_audit("rollback", ["crmtool", "rollback", "r"])
    record.attach_run_dir(tmp_path / "r", create=True)
    record.set_store(f"duckdb:///{tmp_path}/a-folder.duckdb")
    (tmp_path / "a-folder.duckdb").mkdir()  # exists, but no database can be opened there
    warnings = audit.finish_audit(record, 0)
    assert len(warnings) == 1 and "_crm_audit" in warnings[0] and str(tmp_path / "r") in warnings[0]
    assert json.loads((tmp_path / "r" / audit.AUDIT_FILE).read_text(encoding="utf-8"))["command"] == "rollback"
    # when the command's own error says the store failed (exit 4), the audit adds no second message
    assert audit.finish_audit(record, 4, "cannot open the database") == []


def test_since_and_limit():
    now = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.timezone.utc)
    assert audit.parse_since("2025-06-01") == dt.datetime(2025, 6, 1)
    assert audit.parse_since("2025-06-01T10:00+02:00") == dt.datetime(2025, 6, 1, 8, 0)
    assert audit.parse_since("7d", now=now) == dt.datetime(2025, 6, 3, 12, 0)
    assert audit.parse_since("12h", now=now) == dt.datetime(2025, 6, 10, 0, 0)
    from crmtool.errors import ConfigError

    with pytest.raises(ConfigError, match="--since"):
        audit.parse_since("last week")
    records = [{"at": f"2025-06-0{d}T08:00:00+00:00", "command": c} for d, c in ((1, "run"), (2, "scan"), (3, "run"))]
    assert audit.select_audit(records, since=dt.datetime(2025, 6, 2)) == records[1:]
    assert audit.select_audit(records, command="run", limit=1) == [records[2]]
    assert audit.select_audit(records, limit=5) == records and audit.select_audit(records, limit=0) == []


def test_the_exit_code_recorded_is_the_one_the_cli_exits_with():
    import typer

    from crmtool.commands.auditing import outcome_of
    from crmtool.errors import GateFailed, TargetError

    assert outcome_of(TargetError("db: cannot connect")) == (4, "db: cannot connect")
    assert outcome_of(GateFailed("gate"))[0] == 1
    assert outcome_of(typer.Abort()) == (2, "aborted")
    assert outcome_of(typer.Exit(3)) == (3, None)
    assert outcome_of(KeyboardInterrupt()) == (2, "interrupted")
    assert outcome_of(ValueError("bad")) == (70, "internal error: ValueError: bad")


def test_a_declined_rollback_is_recorded_with_its_exit_code(tmp_path, cli, monkeypatch):
    import io
    import sys

    from crmtool.run import RunDir

    (tmp_path / "migration.yaml").write_text("mappings: [m.yaml]\ntarget: duckdb:///crm.duckdb\n", encoding="utf-8")
    run = tmp_path / "runs" / "r1"
    RunDir(run).save_manifest({"run_id": "r1", "migration": {"path": str(tmp_path / "migration.yaml")}})
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert cli("rollback", "r1", "--runs-dir", tmp_path / "runs").code == 2
    (record,) = [json.loads(line) for line in (run / audit.AUDIT_FILE).read_text(encoding="utf-8").splitlines()]
    assert record["command"] == "rollback" and record["exit_code"] == 2 and record["writes_store"] is False
    assert not (tmp_path / "crm.duckdb").exists()
