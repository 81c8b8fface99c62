"""The run's cross-object links: the samples' leads linked to their contacts and accounts (map/leads_links.parquet),
counted in the stage record and the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from crmtool.dedupe.cross import LINK_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, extra: str = "") -> Path:
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    (tmp_path / "migration.yaml").write_text(text + "verify:\n  engines: [sql]\n" + extra, encoding="utf-8")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def test_leads_are_linked_to_known_contacts_and_accounts(cli, tmp_path):
    project = _project(tmp_path)
    result = cli("run", project / "migration.yaml", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    run_dir = Path(summary["run_dir"])
    links = pd.read_parquet(run_dir / "map" / "leads_links.parquet")
    assert list(links.columns) == LINK_COLUMNS
    counts = summary["stages"]["map"]["counts"]["leads"]["links"]
    assert counts["links"] == len(links) and counts["leads"] == summary["reconciliation"]["leads"]["source_rows"]
    assert counts["contacts_match"] == links.loc[(links["object"] == "contacts") & (links["decision"] == "match"),
                                                 "lead_key"].nunique() > 0
    with duckdb.connect(str(project / "crm.duckdb"), read_only=True) as con:
        lead = con.execute("select lead_id from leads where name = '张伟' and company = '华信科技'").fetchone()[0]
        contact = con.execute("select contact_id, account_id from contacts where name = '张伟'").fetchone()
        beijing = con.execute("select account_id from accounts where name = '北京华信科技有限公司'").fetchone()[0]
    own = links[links["lead_key"] == lead].set_index("object")
    # 华信科技 is the Beijing or the Shanghai company; 张伟's mobile, a contact of the Beijing one, tells them apart
    assert own.loc["contacts", "target_key"] == contact[0] and own.loc["contacts", "decision"] == "match"
    assert own.loc["accounts", "target_key"] == beijing == contact[1] and own.loc["accounts", "decision"] == "match"
    assert "and via mobile" in own.loc["accounts", "reasons"]
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f'data-kpi="lead_links">{counts["leads_linked"]}<' in report


def test_no_links_without_dedupe(cli, tmp_path):
    project = _project(tmp_path)
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("dedupe:\n  objects: [accounts]\n",
                                                                       "dedupe:\n  enabled: false\n"), encoding="utf-8")
    result = cli("run", migration, "--json", "--accept-failures", "no dedupe in this test")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert not (Path(summary["run_dir"]) / "map" / "leads_links.parquet").exists()
    assert "links" not in summary["stages"]["map"]["counts"]["leads"]
