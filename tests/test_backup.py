"""Backup: copies with hashes, re-runs verify, nothing is ever overwritten silently."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "client"
    (folder / "sub").mkdir(parents=True)
    (folder / "客户.xlsx").write_bytes(b"PK fake workbook bytes")
    (folder / "sub" / "erp.csv").write_bytes("名称\n甲\n".encode("gb18030"))
    (folder / "~$客户.xlsx").write_bytes(b"lock")
    return folder


def _manifest(run_dir):
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def test_backup_copies_every_file_with_size_and_sha256(tmp_path, sources, cli):
    run_dir = tmp_path / "runs" / "r1"
    result = cli("backup", sources, "--run-dir", run_dir, "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [f["status"] for f in report["files"]] == ["copied", "copied"]
    assert report["skipped"] and "~$" in report["skipped"][0]
    manifest = _manifest(run_dir)
    assert len(manifest["inputs"]) == 2
    for entry in manifest["inputs"]:
        copy = run_dir / entry["backup"]
        original = open(entry["source"], "rb").read()
        assert copy.read_bytes() == original
        assert entry["size"] == len(original)
        assert entry["sha256"] == hashlib.sha256(original).hexdigest()
        assert not os.stat(copy).st_mode & stat.S_IWUSR, "backups are read-only"


def test_rerun_verifies_and_does_not_copy_again(tmp_path, sources, cli):
    run_dir = tmp_path / "r"
    cli("backup", sources, "--run-dir", run_dir)
    before = _manifest(run_dir)["inputs"]
    again = cli("backup", sources, "--run-dir", run_dir, "--json")
    assert again.code == 0
    assert [f["status"] for f in json.loads(again.stdout)["files"]] == ["verified", "verified"]
    assert _manifest(run_dir)["inputs"] == before


def test_changed_source_fails_and_keeps_the_old_backup(tmp_path, sources, cli):
    run_dir = tmp_path / "r"
    cli("backup", sources, "--run-dir", run_dir)
    workbook = sources / "客户.xlsx"
    workbook.write_bytes(b"PK changed content")
    result = cli("backup", sources, "--run-dir", run_dir)
    assert result.code == 1
    assert "客户.xlsx" in result.stderr and "changed since it was backed up" in result.stderr
    assert (run_dir / "backup" / "客户.xlsx").read_bytes() == b"PK fake workbook bytes"
    kept = cli("backup", sources, "--run-dir", run_dir, "--keep-changed", "--json")
    assert kept.code == 0
    statuses = {os.path.basename(f["source"]): f["status"] for f in json.loads(kept.stdout)["files"]}
    assert statuses == {"客户.xlsx": "new-version", "erp.csv": "verified"}
    assert (run_dir / "backup" / "客户~2.xlsx").read_bytes() == b"PK changed content"
    assert (run_dir / "backup" / "客户.xlsx").read_bytes() == b"PK fake workbook bytes"


def test_tampered_backup_is_detected(tmp_path, sources, cli):
    run_dir = tmp_path / "r"
    cli("backup", sources, "--run-dir", run_dir)
    copy = run_dir / "backup" / "erp.csv"
    os.chmod(copy, 0o644)
    copy.write_bytes(b"tampered")
    result = cli("backup", sources, "--run-dir", run_dir)
    assert result.code == 1 and "no longer matches" in result.stderr


def test_same_name_from_two_folders_gets_two_backups(tmp_path, cli):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "list.csv").write_text("x\n1\n", encoding="utf-8")
    (b / "list.csv").write_text("x\n2\n", encoding="utf-8")
    run_dir = tmp_path / "r"
    assert cli("backup", a / "list.csv", b / "list.csv", "--run-dir", run_dir).code == 0
    names = sorted(e["backup"] for e in _manifest(run_dir)["inputs"])
    assert names == ["backup/list.csv", "backup/list~2.csv"]


def test_run_dir_inside_the_source_folder_is_not_backed_up(tmp_path, sources, cli):
    run_dir = sources / "runs" / "r"
    assert cli("backup", sources, "--run-dir", run_dir).code == 0
    assert cli("backup", sources, "--run-dir", run_dir).code == 0
    assert len(_manifest(run_dir)["inputs"]) == 2


def test_missing_source_is_exit_3(tmp_path, cli):
    result = cli("backup", tmp_path / "nope.xlsx", "--run-dir", tmp_path / "r")
    assert result.code == 3 and "nope.xlsx" in result.stderr
    assert not (tmp_path / "r" / "manifest.json").exists()
