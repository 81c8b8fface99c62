"""The load stage itself: the row hash, canonical text, the diff, the snapshot and the per-row load file."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from crmtool.errors import TargetError
from crmtool.load.stage import canonical_rows, load_object, read_snapshot, row_hash
from crmtool.load.targets import open_target
from crmtool.run.rollback import rollback_run


def reference_hash(values: list) -> str:
    """The documented definition, in plain Python."""
    text = "\x1f".join("\x1e" if v is None or v is pd.NA or v == "" else v for v in values)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def test_row_hash_is_the_documented_md5():
    rows = pd.DataFrame({"a": ["甲", None, "", "x\x1fy"], "b": ["1", "2", None, "z"]}, index=[10, 11, 12, 13]).astype("string")
    got = row_hash(rows, ["a", "b", "missing"])
    assert list(got.index) == [10, 11, 12, 13]
    assert got.tolist() == [reference_hash([a, b, None]) for a, b in zip(rows["a"].tolist(), rows["b"].tolist())]
    assert got[11] != got[12], "which field is empty matters"


def test_row_hash_is_stable_across_processes_and_versions():
    """A fixed row has a fixed hash: if this changes, every store would see every row as updated."""
    rows = pd.DataFrame({"account_id": ["A001"], "name": ["北京华信科技有限公司"], "employees": [None]}).astype("string")
    expected = "bd83ccbe2262ed6a9fb6c3511468e337"  # md5("A001␟北京华信科技有限公司␟␞")
    assert reference_hash(["A001", "北京华信科技有限公司", None]) == expected
    assert row_hash(rows, ["account_id", "name", "employees"]).item() == expected
    code = ("import pandas as pd; from crmtool.load.stage import row_hash; "
            "print(row_hash(pd.DataFrame({'a': ['A001'], 'n': ['北京华信科技有限公司'], 'e': [None]}), ['a', 'n', 'e']).item())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert other.stdout.strip() == expected


def test_canonical_rows_normalise_typed_fields(model):
    rows = pd.DataFrame({"account_id": ["A1", "A2"], "annual_revenue": ["128000", "1.5"], "employees": ["007", ""],
                         "created_at": ["2024-03-05", None], "updated_at": ["2024-03-05 14:30", "2024-03-05 14:30:09.75"]})
    got = canonical_rows(rows, model["accounts"], "accounts")
    assert got["annual_revenue"].tolist() == ["128000.00", "1.50"]
    assert got["employees"].tolist()[0] == "7" and pd.isna(got["employees"].tolist()[1])
    assert got["updated_at"].tolist() == ["2024-03-05 14:30:00", "2024-03-05 14:30:09"]
    assert list(got.columns) == list(model["accounts"].fields)


def test_a_value_that_does_not_convert_names_field_and_value(model, tmp_path, run_dirs):
    rows = pd.DataFrame({"account_id": ["A1"], "name": ["甲"], "employees": ["一百"]})
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target, pytest.raises(TargetError) as info:
        load_object(target, "accounts", rows, "r1", run_dirs("r1"))
    assert "accounts.employees" in str(info.value) and "一百" in str(info.value)


@pytest.mark.parametrize("keys, message", [(["A1", "A1"], "more than once"), (["A1", None], "without account_id")])
def test_external_ids_must_be_present_and_unique(model, tmp_path, run_dirs, keys, message):
    rows = pd.DataFrame({"account_id": keys, "name": ["甲", "乙"]}).astype("string")
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        with pytest.raises(TargetError, match=message):
            load_object(target, "accounts", rows, "r1", run_dirs("r1"))
        assert len(target.fetch("accounts")) == 0


def test_dry_run_writes_nothing_to_the_store(model, tmp_path, accounts, run_dirs):
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        run = run_dirs("r1")
        assert load_object(target, "accounts", accounts, "r1", run, dry_run=True) == {"inserted": 3, "updated": 0, "unchanged": 0}
        assert len(target.fetch("accounts")) == 0
        assert not (run / "snapshot").exists()
        plan = pd.read_csv(run / "load" / "accounts.csv", dtype=str, encoding="utf-8-sig")
        assert plan.columns.tolist() == ["_row_id", "external_id", "status", "run_id"]
        assert plan["_row_id"].tolist() == accounts["_row_id"].tolist() and set(plan["status"]) == {"inserted"}


def test_load_file_lists_every_row(model, tmp_path, accounts, run_dirs):
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        run = run_dirs("r1")
        load_object(target, "accounts", accounts, "r1", run)
    lines = pd.read_csv(run / "load" / "accounts.csv", dtype=str, encoding="utf-8-sig")
    assert lines.to_dict("records")[0] == {"_row_id": "客户.xlsx#客户!2", "external_id": "A001", "status": "inserted", "run_id": "r1"}
    assert len(lines) == 3


def test_snapshot_of_an_interrupted_run_is_kept(model, tmp_path, accounts, run_dirs):
    """A run that stopped after writing some rows resumes: its snapshot still shows the store before the
    run first touched it, and rollback removes what both attempts wrote."""
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        run = run_dirs("r1")
        load_object(target, "accounts", accounts.iloc[:2], "r1", run)  # the first attempt got this far
        resumed = load_object(target, "accounts", accounts, "r1", run)
        assert resumed == {"inserted": 1, "updated": 0, "unchanged": 2}
        before, keys = read_snapshot(run, "accounts")
        assert len(before) == 0, "the store held none of these accounts before the run"
        assert sorted(keys) == ["A001", "A002", "A003"]
        assert rollback_run(run, target)["objects"]["accounts"]["deleted"] == 3
        assert len(target.fetch("accounts")) == 0


def test_rollback_keeps_rows_a_later_run_changed(model, tmp_path, accounts, run_dirs):
    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        r1, r2 = run_dirs("r1"), run_dirs("r2")
        load_object(target, "accounts", accounts, "r1", r1)
        later = accounts.iloc[[0]].assign(name="北京华信科技股份有限公司")
        load_object(target, "accounts", later, "r2", r2)
        result = rollback_run(r1, target)["objects"]["accounts"]
        assert result == {"deleted": 2, "restored": 0, "kept": 1}
        assert target.fetch("accounts")["name"].tolist() == ["北京华信科技股份有限公司"]


def test_rollback_is_recorded_in_the_manifest(model, tmp_path, accounts, run_dirs):
    from crmtool.run.rundir import RunDir

    with open_target(f"duckdb:///{tmp_path}/crm.duckdb", model) as target:
        run = run_dirs("r1", name="demo")
        load_object(target, "accounts", accounts, "r1", run)
        rollback_run(run, target)
        rollback_run(run, target)
    manifest = RunDir(run).load_manifest()
    assert manifest["name"] == "demo", "the rest of the manifest is kept"
    assert manifest["rollback"]["counts"] == {"accounts": {"deleted": 0, "restored": 0, "kept": 0}}
    assert manifest["rollback"]["previous"][0]["counts"] == {"accounts": {"deleted": 3, "restored": 0, "kept": 0}}
