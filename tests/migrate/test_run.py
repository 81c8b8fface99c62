"""`crmtool run`: the bundled samples' migration end to end into DuckDB, re-runs, changes, dry runs, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL_ONLY = "verify:\n  engines: [sql]\n"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the repository's migration.yaml, mappings/ and samples/ in a fresh folder; verify runs
    the SQL engine only (great-expectations adds ~10 s a run; the first test runs both)."""
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    (tmp_path / "migration.yaml").write_text(text + SQL_ONLY, encoding="utf-8")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def run(cli, project: Path, *args: str):
    result = cli("run", project / "migration.yaml", "--json", *args)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def store(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "crm.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_samples_migrate_into_duckdb_and_every_row_is_accounted_for(cli, project):
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace(SQL_ONLY, ""), encoding="utf-8")
    summary = run(cli, project)
    run_dir = Path(summary["run_dir"])
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert all(s["status"] == "done" for s in manifest["stages"].values())
    assert set(manifest["stages"]) == {"backup", "read", "cleanse", "dedupe", "enrich", "map", "verify", "load"}

    for name, rec in summary["reconciliation"].items():
        assert rec["ok"], name
        assert rec["source_rows"] == rec["loaded"] + rec["merged"] + rec["rejected"]
        assert store(project, f"select count(*) from {name}")[0][0] == rec["loaded"]
    accounts = summary["reconciliation"]["accounts"]
    assert accounts["source_rows"] == 30 + 16  # workbook rows 4–33 and the ERP export's 16
    assert accounts["merged"] > 0  # the same companies appear in both sources and within each

    # the duplicate-rate KPI comes from dedupe's clusters: before, the sources' share of merged rows;
    # after, none left among the rows to load
    kpis = manifest["kpis"]
    assert kpis["before"]["accounts"]["duplicate_rate"] == pytest.approx(accounts["merged"] / accounts["source_rows"], abs=1e-6)
    assert kpis["after"]["accounts"]["duplicate_rate"] == 0

    outcomes = pd.read_parquet(run_dir / "outcomes.parquet")
    read_rows = sum(len(pd.read_parquet(p)) for p in (run_dir / "read").glob("*.parquet"))
    assert len(outcomes) == read_rows and outcomes["_row_id"].is_unique
    assert set(outcomes["outcome"]) <= {"loaded", "merged", "rejected"}
    merged = outcomes[outcomes["outcome"] == "merged"]
    survivors = {r[0] for r in store(project, "select account_id from accounts")}
    assert merged["detail"].str.removeprefix("merged into ").isin(survivors).all()

    orphans = store(project, "select count(*) from contacts c left join accounts a using (account_id) "
                             "where a.account_id is null")
    assert orphans[0][0] == 0
    # 赵敏's company is written 华信（北京）科技有限公司, a record merged into 北京华信科技有限公司: the contact
    # follows the merge to the survivor, the same account as 张伟's
    linked = dict(store(project, "select c.name, a.name from contacts c join accounts a using (account_id) "
                                 "where c.name in ('赵敏', '张伟')"))
    assert linked == {"赵敏": "北京华信科技有限公司", "张伟": "北京华信科技有限公司"}
    # 华信科技 could be the Beijing or the Shanghai company: 王磊 is rejected with the reason, not guessed
    wang = outcomes[outcomes["_row_id"] == "销售客户清单.xlsx#联系人!3"].iloc[0]
    assert wang["outcome"] == "rejected" and "several" in wang["detail"]
    # a lead from an existing customer is recognised (short name, same phone); a new company is not
    leads = dict(store(project, "select l.company, a.name from leads l left join accounts a using (account_id)"))
    assert leads["广州天润贸易"] == "广州天润贸易有限公司" and leads["天津明光电气"] == "天津明光电气有限公司"
    assert leads["兰州丝路商贸有限公司"] is None
    # a survivor from the ERP export (no e-mail column) takes the e-mail of the workbook row merged into it
    assert store(project, "select email from accounts where name = '北京华信科技有限公司'")[0][0] == "zhangwei@huaxin-tech.com"
    assert (run_dir / "report.html").is_file() and summary["report"]
    assert (run_dir / "verify" / "gx" / "index.html").is_file()  # the great-expectations evidence
    assert manifest["target"].startswith("duckdb:///")


def test_second_run_inserts_and_updates_nothing(cli, project):
    first = run(cli, project)
    second = run(cli, project)
    assert sum(c["inserted"] for c in first["load"].values()) > 0
    for name, counts in second["load"].items():
        assert counts["inserted"] == 0 and counts["updated"] == 0, name
        assert counts["unchanged"] == first["load"][name]["inserted"] + first["load"][name]["updated"]


def test_one_changed_source_row_is_exactly_one_update(cli, project):
    run(cli, project)
    erp = project / "samples" / "legacy_erp_export.csv"
    text = erp.read_bytes().decode("gb18030")
    assert "上海市浦东新区张江路665号" in text
    erp.write_bytes(text.replace("上海市浦东新区张江路665号", "上海市浦东新区张江路666号").encode("gb18030"))
    second = run(cli, project)
    assert second["load"]["accounts"]["updated"] == 1
    assert second["load"]["accounts"]["inserted"] == 0
    assert sum(c["updated"] + c["inserted"] for n, c in second["load"].items() if n != "accounts") == 0
    assert store(project, "select count(*) from accounts where address like '%张江路666号%'")[0][0] == 1


def test_dry_run_reports_what_would_change_and_writes_nothing(cli, project):
    summary = run(cli, project, "--dry-run")
    assert summary["dry_run"]
    assert summary["load"]["accounts"]["inserted"] == summary["reconciliation"]["accounts"]["loaded"]
    assert not (project / "crm.duckdb").exists()
    run(cli, project)
    before = store(project, "select * from accounts order by account_id")
    erp = project / "samples" / "legacy_erp_export.csv"
    erp.write_bytes(erp.read_bytes().decode("gb18030").replace("张江路665号", "张江路666号").encode("gb18030"))
    dry = run(cli, project, "--dry-run")
    assert dry["load"]["accounts"]["updated"] == 1 and dry["load"]["accounts"]["inserted"] == 0
    assert store(project, "select * from accounts order by account_id") == before


def test_resume_skips_finished_stages_and_refuses_changed_mappings(cli, project):
    first = run(cli, project)
    run_id = first["run_id"]
    again = run(cli, project, "--resume", run_id)
    assert again["run_id"] == run_id
    assert again["load"] == first["load"]  # nothing recomputed: the same recorded counts
    mapping = project / "mappings" / "leads.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = cli("run", project / "migration.yaml", "--resume", run_id)
    assert result.code == 2 and "leads.yaml changed" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_resume_id_is_a_usage_error(cli, project):
    result = cli("run", project / "migration.yaml", "--resume", "nope")
    assert result.code == 2 and "no run nope" in result.stderr


def test_unreachable_target_is_exit_4_with_the_password_hidden(cli, project, monkeypatch):
    text = (project / "migration.yaml").read_text(encoding="utf-8")
    (project / "migration.yaml").write_text(
        text.replace("target: duckdb:///crm.duckdb", "target: postgresql://crm:${CRM_PW}@127.0.0.1:1/crm"),
        encoding="utf-8")
    (project / ".env").write_text("CRM_PW=s3cret-pw\n", encoding="utf-8")
    result = cli("run", project / "migration.yaml")
    assert result.code == 4, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "s3cret-pw" not in result.stderr
    for path in (project / "runs").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv"):
            assert "s3cret-pw" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_password_written_in_the_migration_file_is_refused(cli, project):
    text = (project / "migration.yaml").read_text(encoding="utf-8")
    (project / "migration.yaml").write_text(
        text.replace("target: duckdb:///crm.duckdb", "target: postgresql://crm:hunter2@127.0.0.1/crm"), encoding="utf-8")
    result = cli("run", project / "migration.yaml")
    assert result.code == 2 and "migration.yaml:" in result.stderr and "target" in result.stderr
    assert "hunter2" not in result.stderr
