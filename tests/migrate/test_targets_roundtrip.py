"""Every store (DuckDB, PostgreSQL, HTTP, import files): load, re-load, change one row, roll back."""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.load.stage import load_object
from crmtool.load.targets import open_target
from crmtool.load.targets.base import META_COLUMNS
from crmtool.run.rollback import rollback_run


def state(target, object_name: str) -> pd.DataFrame:
    """The object's whole table, sorted by external id, as comparable text."""
    key = target.model[object_name].external_id
    return target.fetch(object_name).sort_values(key).reset_index(drop=True).astype(object).where(lambda f: f.notna(), None)


def fields_of(frame: pd.DataFrame, target, object_name: str) -> pd.DataFrame:
    return frame[list(target.model[object_name].fields)]


def test_load_reload_change_rollback(store_url, model, accounts, run_dirs):
    with open_target(store_url, model) as target:
        # the store before: an older version of A002 and an account the migration does not touch
        seed = accounts[accounts["account_id"] == "A002"].assign(name="上海东方贸易公司(旧)")
        other = accounts.iloc[[0]].assign(account_id="Z999", name="无关客户有限公司")
        assert load_object(target, "accounts", pd.concat([seed, other]), "r0", run_dirs("r0")) == \
            {"inserted": 2, "updated": 0, "unchanged": 0}
        before = state(target, "accounts")

        r1 = run_dirs("r1")
        first = load_object(target, "accounts", accounts, "r1", r1)
        assert first == {"inserted": 2, "updated": 1, "unchanged": 0}
        loaded = state(target, "accounts")
        expected = accounts.drop(columns="_row_id").set_index("account_id")
        for column in expected.columns:
            got = loaded.set_index("account_id").loc[expected.index, column].tolist()
            assert got == [None if pd.isna(v) else v for v in expected[column]], column
        assert set(loaded.loc[loaded.account_id.isin(["A001", "A002", "A003"]), "_crm_run_id"]) == {"r1"}
        assert loaded.loc[loaded.account_id == "Z999", "_crm_run_id"].item() == "r0"

        again = load_object(target, "accounts", accounts, "r2", run_dirs("r2"))
        assert again == {"inserted": 0, "updated": 0, "unchanged": 3}
        assert state(target, "accounts").equals(loaded), "a re-load writes nothing, bookkeeping included"

        changed = accounts.copy()
        changed.loc[changed.account_id == "A003", "phone"] = "+86 755 8888 0000"
        r3 = run_dirs("r3")
        assert load_object(target, "accounts", changed, "r3", r3) == {"inserted": 0, "updated": 1, "unchanged": 2}
        status = pd.read_csv(r3 / "load" / "accounts.csv", dtype=str, encoding="utf-8-sig")
        assert status.set_index("external_id")["status"].to_dict() == {"A001": "unchanged", "A002": "unchanged", "A003": "updated"}

        assert rollback_run(r3, target)["objects"] == {"accounts": {"deleted": 0, "restored": 1, "kept": 0}}
        assert state(target, "accounts").equals(loaded)

        undo = rollback_run(r1, target)
        assert undo["objects"] == {"accounts": {"deleted": 2, "restored": 1, "kept": 0}}
        after = state(target, "accounts")
        assert after.equals(before), "the store is as it was before the first load, bookkeeping included"
        assert rollback_run(r1, target)["objects"] == {"accounts": {"deleted": 0, "restored": 0, "kept": 0}}
        assert state(target, "accounts").equals(before)


def test_fetch_gives_canonical_text_and_bookkeeping(store_url, model, accounts, run_dirs):
    with open_target(store_url, model) as target:
        assert list(target.fetch("accounts").columns) == [*model["accounts"].fields, *META_COLUMNS]
        assert len(target.fetch("accounts", ["A001"])) == 0, "an empty store answers with no rows"
        raw = accounts.assign(annual_revenue=["128000", "0.5", None], updated_at=["2024-03-15 14:30", None, "2024-01-02 08:00:00"])
        load_object(target, "accounts", raw, "r1", run_dirs("r1"))
        got = target.fetch("accounts", ["A001", "A002", "missing"]).set_index("account_id")
        assert sorted(got.index) == ["A001", "A002"]
        assert got.loc["A001", "annual_revenue"] == "128000.00" and got.loc["A002", "annual_revenue"] == "0.50"
        assert got.loc["A001", "updated_at"] == "2024-03-15 14:30:00"
        assert got.loc["A001", "employees"] == "120" and pd.isna(got.loc["A002", "employees"])
        assert got.loc["A001", "website"] == '=HYPERLINK("http://x")', "formula-like text comes back as it went in"
        assert len(got.loc["A001", "_crm_hash"]) == 32 and got.loc["A001", "_crm_run_id"] == "r1"
        assert all(str(d).startswith("string") for d in got.dtypes)
        assert load_object(target, "accounts", raw, "r2", run_dirs("r2"))["unchanged"] == 3


def test_parents_and_children_roll_back_children_first(store_url, model, accounts, contacts, run_dirs):
    with open_target(store_url, model) as target:
        run = run_dirs("r1")
        load_object(target, "accounts", accounts, "r1", run)
        load_object(target, "contacts", contacts, "r1", run)
        assert len(target.fetch("contacts")) == 2
        result = rollback_run(run, target)
        assert list(result["objects"]) == ["contacts", "accounts"]
        assert len(target.fetch("contacts")) == 0 and len(target.fetch("accounts")) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_files_have_labels_and_open_in_excel_encodings(tmp_path, model, accounts, run_dirs, fmt):
    url = f"file://{tmp_path}/out?format={fmt}"
    with open_target(url, model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
    path = tmp_path / "out" / f"accounts.{fmt}"
    if fmt == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
        header = raw[3:].decode("utf-8").splitlines()[0].split(",")
        assert "'=HYPERLINK" in raw.decode("utf-8"), "formula text neutralised in the CSV a person opens"
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(path).active
        header = [c.value for c in sheet[1]]
        assert sheet.title == "客户"
        cells = {c.value: c.data_type for c in sheet[4]}
        assert cells["0012"] == "s", "text stays text"
    assert header[:3] == ["客户编号", "客户名称", "统一社会信用代码"]
    assert not any(h.startswith("_crm") for h in header), "bookkeeping lives in the sidecar, not the import file"
    assert (tmp_path / "out" / ".crmtool" / "accounts.parquet").exists()


def test_file_target_with_api_names_header(tmp_path, model, accounts, run_dirs):
    with open_target(f"file://{tmp_path}/out?format=csv&header=names", model) as target:
        load_object(target, "accounts", accounts, "r1", run_dirs("r1"))
        assert len(target.fetch("accounts")) == 3
    header = (tmp_path / "out" / "accounts.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("account_id,name,credit_code")
