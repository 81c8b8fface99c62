"""A mapping's `source.file` as a glob pattern: several files of one layout read as one source table, in
`crmtool run` (read, provenance, backup, manifest, report, resume) and in `crmtool mapping check --sample`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmtool.backup import file_sha256
from crmtool.config.mapping import load_mapping
from crmtool.mapper import read_source

ROOT = Path(__file__).resolve().parents[2]
ERP = ROOT / "samples" / "legacy_erp_export.csv"
LABELS = ["erp_01.csv", "erp_02.csv", "erp_03.csv"]


def erp_rows() -> pd.DataFrame:
    return pd.read_csv(ERP, encoding="gb18030", dtype=str, keep_default_na=False)


@pytest.fixture
def project(tmp_path) -> Path:
    """The bundled ERP export (GB18030) split by pandas into three GB18030 files, mapped by one pattern; a
    migration of that one mapping into DuckDB (SQL verify only)."""
    rows = erp_rows()
    exports = tmp_path / "exports"
    exports.mkdir()
    for label, chunk in zip(LABELS, (rows.iloc[:6], rows.iloc[6:11], rows.iloc[11:])):
        chunk.to_csv(exports / label, index=False, encoding="gb18030")
    (tmp_path / "mappings").mkdir()
    mapping = (ROOT / "mappings" / "erp_accounts.yaml").read_text(encoding="utf-8")
    mapping = mapping.replace("file: ../samples/legacy_erp_export.csv", "file: ../exports/erp_*.csv")
    (tmp_path / "mappings" / "erp_accounts.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "migration.yaml").write_text(
        "name: pattern\nmappings: [mappings/erp_accounts.yaml]\ntarget: duckdb:///crm.duckdb\nrun_dir: runs\n"
        "dedupe: {objects: [accounts]}\nverify:\n  engines: [sql]\n", encoding="utf-8")
    return tmp_path


def run(cli, project: Path, *args: str) -> dict:
    result = cli("run", project / "migration.yaml", "--json", *args)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def manifest_of(summary: dict) -> dict:
    return json.loads((Path(summary["run_dir"]) / "manifest.json").read_text(encoding="utf-8"))


def test_three_gb18030_files_run_as_one_source_each_row_naming_its_file(cli, project):
    summary = run(cli, project)
    run_dir = Path(summary["run_dir"])
    rec = summary["reconciliation"]["accounts"]
    assert rec["ok"] and rec["source_rows"] == len(erp_rows()) == 16

    read = pd.read_parquet(run_dir / "read" / "erp_accounts.parquet")
    assert list(dict.fromkeys(read["_source"])) == LABELS
    assert read["_row_id"].is_unique
    # the second file's first record is its own row 2 (under its header), as a person opening it sees it
    first_of_second = read[read["_source"] == "erp_02.csv"].iloc[0]
    assert (first_of_second["_row_id"], first_of_second["_row"]) == ("erp_02.csv#2", 2)
    assert first_of_second["客户编码"] == erp_rows().iloc[6]["客户编码"]
    assert read["客户名称"].str.contains("有限公司").sum() > 10  # decoded as GB18030, file by file

    outcomes = pd.read_parquet(run_dir / "outcomes.parquet")
    assert set(outcomes["_source"]) == set(LABELS) and len(outcomes) == 16
    issues = pd.read_parquet(run_dir / "issues.parquet")
    assert len(issues) and set(issues["_source"].dropna()) <= set(LABELS)
    assert issues["_row_id"].dropna().isin(read["_row_id"]).all()

    import duckdb

    with duckdb.connect(str(project / "crm.duckdb"), read_only=True) as con:
        loaded = con.execute("select count(*) from accounts").fetchone()[0]
    assert loaded == rec["loaded"] > 0
    shared = outcomes.loc[outcomes["outcome"] == "loaded", "_source"]
    assert set(shared) == set(LABELS)  # rows of every file reached the store


def test_backup_manifest_and_report_hold_every_file(cli, project):
    summary = run(cli, project)
    run_dir = Path(summary["run_dir"])
    manifest = manifest_of(summary)
    originals = [project / "exports" / label for label in LABELS]
    inputs = {e["source"]: e for e in manifest["inputs"]}
    assert set(inputs) == {str(p.resolve()) for p in originals}
    for path in originals:
        entry = inputs[str(path.resolve())]
        assert entry["sha256"] == file_sha256(path) and entry["size"] == path.stat().st_size
        assert (run_dir / entry["backup"]).read_bytes() == path.read_bytes()
    assert manifest["sources"]["erp_accounts"] == [inputs[str(p.resolve())]["backup"] for p in originals]
    assert manifest["mappings"][0]["files"] == [str(p.resolve()) for p in originals]
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert all(str(p.resolve()) in report for p in originals)


def test_resume_notices_an_added_file_and_a_changed_one(cli, project):
    """An added file changes what the pattern means: refused like a changed mapping (exit 2). A changed
    file of the set is the backup's to notice, as for a single source file: a backup stage that runs
    again refuses it (exit 1); a finished backup keeps serving the bytes the run started with."""
    first = run(cli, project)
    run_id = first["run_id"]
    extra = project / "exports" / "erp_04.csv"
    erp_rows().iloc[:1].to_csv(extra, index=False, encoding="gb18030")
    added = cli("run", project / "migration.yaml", "--resume", run_id)
    assert added.code == 2 and len(added.stderr.strip().splitlines()) == 1
    assert "erp_04.csv" in added.stderr and "source.file" in added.stderr
    extra.unlink()

    second = project / "exports" / "erp_02.csv"
    text = second.read_bytes().decode("gb18030")
    assert "人民南路四段1号" in text
    second.write_bytes(text.replace("人民南路四段1号", "人民南路四段9号").encode("gb18030"))
    assert run(cli, project, "--resume", run_id)["load"] == first["load"]  # finished: nothing re-read

    # the run killed while backing up: the pipeline had marked the stage running, nothing after it
    manifest_path = Path(first["run_dir"]) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["stages"] = {"backup": {**manifest["stages"]["backup"], "status": "running"}}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    changed = cli("run", project / "migration.yaml", "--resume", run_id)
    assert changed.code == 1 and len(changed.stderr.strip().splitlines()) == 1
    assert "erp_02.csv" in changed.stderr and "changed since it was backed up" in changed.stderr

    fresh = run(cli, project)  # a new run reads the new content: exactly that row is updated
    assert fresh["load"]["accounts"]["updated"] == 1 and fresh["load"]["accounts"]["inserted"] == 0


def test_a_file_of_another_layout_is_one_line_naming_both_files(cli, project):
    rows = erp_rows().rename(columns={"税号": "纳税人识别号"})
    rows.iloc[6:11].to_csv(project / "exports" / "erp_02.csv", index=False, encoding="gb18030")
    result = cli("run", project / "migration.yaml")
    assert result.code == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr  # after the backup stage's progress line
    line = errors[0]
    assert "erp_accounts.yaml:7: source.file" in line and "erp_02.csv" in line and "erp_01.csv" in line
    assert "lacks 税号" in line and "纳税人识别号" in line
    check = cli("mapping", "check", project / "mappings" / "erp_accounts.yaml", "--sample", "--json")
    assert check.code == 2
    finding = json.loads(check.stdout)["findings"][0]
    assert finding["rule"] == "sample.unreadable" and "erp_02.csv" in finding["message"]


def test_a_pattern_matching_nothing_names_the_pattern_and_the_folder(cli, project):
    mapping = project / "mappings" / "erp_accounts.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("erp_*.csv", "crm_*.csv"), encoding="utf-8")
    result = cli("run", project / "migration.yaml")
    assert result.code == 3, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "crm_*.csv" in line and str((project / "exports").resolve()) in line
    assert not (project / "runs").exists() or not any((project / "runs").rglob("backup/*"))


def write_workbook(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "客户清单"
    sheet.append(["客户明细（按大区导出）"])
    sheet.append(["客户编号", "客户名称", "联系电话"])
    for row in rows:
        sheet.append(row)
    book.save(path)


@pytest.fixture
def regions(tmp_path) -> Path:
    """One workbook per region, written by openpyxl, both named accounts.xlsx, and a mapping over `**`."""
    write_workbook(tmp_path / "regions" / "north" / "accounts.xlsx",
                   [["N001", "北京华信科技有限公司", "010-62551234"], ["N002", "天津明光电气有限公司", "022-23456789"]])
    write_workbook(tmp_path / "regions" / "south" / "accounts.xlsx",
                   [["S001", "深圳市鑫源电子商务有限公司", "13923456789"]])
    (tmp_path / "regions" / "south" / "~$accounts.xlsx").write_bytes(b"lock")  # Excel's lock file: not data
    mapping = tmp_path / "mappings" / "accounts.yaml"
    mapping.parent.mkdir()
    mapping.write_text("object: accounts\nsource: {file: ../regions/**/*.xlsx, sheet: 客户清单}\nfields:\n"
                       "  account_id: {from: 客户编号}\n  name: {from: 客户名称, transforms: [company_name]}\n"
                       "  phone: {from: 联系电话, transforms: [phone]}\n", encoding="utf-8")
    return mapping


def test_xlsx_pair_reads_as_one_table_with_each_workbook_in_its_rows(regions):
    mapping = load_mapping(regions)
    assert [p.parent.name for p in mapping.source_paths()] == ["north", "south"]
    result = read_source(mapping)
    table = result.table
    assert list(table["_row_id"]) == ["north/accounts.xlsx#客户清单!3", "north/accounts.xlsx#客户清单!4",
                                      "south/accounts.xlsx#客户清单!3"]
    assert list(table["客户编号"]) == ["N001", "N002", "S001"]
    assert str(table["客户名称"].dtype) == "string"
    assert set(result.issues["_source"].dropna()) <= {"north/accounts.xlsx", "south/accounts.xlsx"}


def test_mapping_check_sample_checks_every_matched_workbook(cli, regions):
    result = cli("mapping", "check", regions, "--sample", "--json")
    assert result.code == 0, result.stdout
    sample = json.loads(result.stdout)["files"][0]["sample"]
    assert sample["rows"] == 3 and sample["checked"]
    assert [Path(f).parent.name for f in sample["files"]] == ["north", "south"]
    write_workbook(regions.parent.parent / "regions" / "west" / "accounts.xlsx", [["W001", "成都天府软件有限公司"]])
    book = regions.parent.parent / "regions" / "west" / "accounts.xlsx"
    from openpyxl import load_workbook

    wb = load_workbook(book)
    wb.active["C2"] = "电话号码"
    wb.save(book)
    broken = cli("mapping", "check", regions, "--sample")
    assert broken.code == 2 and "west/accounts.xlsx" in broken.stdout and "联系电话" in broken.stdout


def test_a_plain_name_with_glob_characters_is_still_that_file(tmp_path):
    shutil.copy(ERP, tmp_path / "客户[1].csv")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("object: accounts\nsource: {file: '客户[1].csv'}\nfields:\n  account_id: {from: 客户编码}\n",
                       encoding="utf-8")
    loaded = load_mapping(mapping)
    assert not loaded.source_is_pattern and loaded.source_paths() == [(tmp_path / "客户[1].csv").resolve()]
    assert read_source(loaded).table["_source"].iat[0] == "客户[1].csv"


def test_a_pattern_never_reads_a_run_directory_below_it(cli, project):
    """`**` over a folder that also holds the runs: the second run reads the exports, not the first run's
    backup copies of them (which lie in a run directory, a folder with manifest.json)."""
    mapping = project / "mappings" / "erp_accounts.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("../exports/erp_*.csv", "../exports/**/*.csv"),
                       encoding="utf-8")
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("run_dir: runs", "run_dir: exports/runs"),
                         encoding="utf-8")
    first = run(cli, project)
    backups = [p for p in Path(first["run_dir"]).rglob("*.csv") if p.name.startswith("erp_")]
    assert backups, "the first run's backup should hold copies of the exports"
    second = run(cli, project)
    assert second["reconciliation"]["accounts"]["source_rows"] == len(erp_rows()) == 16
    assert [Path(f).name for f in manifest_of(second)["mappings"][0]["files"]] == LABELS
