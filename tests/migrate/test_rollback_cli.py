"""`crmtool rollback RUN_ID` and `crmtool targets`, driven through the real CLI; the store reopened after."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from crmtool.load.stage import load_object
from crmtool.load.targets import open_target


@pytest.fixture
def project(tmp_path, monkeypatch, model, accounts):
    """A migration folder whose target comes from .env, and a run r1 that loaded three accounts."""
    from crmtool.config.migration import load_migration
    from crmtool.run.rundir import RunDir

    (tmp_path / "migration.yaml").write_text("name: 演示\nmappings: [mappings/accounts.yaml]\ntarget: ${CRM_STORE}\n",
                                             encoding="utf-8")
    (tmp_path / ".env").write_text("CRM_STORE=duckdb:///store/crm.duckdb\n", encoding="utf-8")
    monkeypatch.delenv("CRM_STORE", raising=False)
    monkeypatch.chdir(tmp_path / "..")  # relative store paths resolve against the migration file, not the cwd
    migration = load_migration(tmp_path / "migration.yaml")
    run = tmp_path / "runs" / "r1"
    RunDir(run).save_manifest({"run_id": "r1", "migration": {"path": str(tmp_path / "migration.yaml")},
                               "target": "duckdb:///store/crm.duckdb", "dry_run": False})
    with open_target(migration.target_url(), model, base=migration.base) as target:
        load_object(target, "accounts", accounts, "r1", run)
    assert (tmp_path / "store" / "crm.duckdb").exists()
    return tmp_path


def count(path, model) -> int:
    with open_target(f"duckdb:///{path}", model) as target:
        return len(target.fetch("accounts"))


def test_rollback_uses_the_runs_migration_target(project, model, cli):
    done = cli("rollback", "r1", "--runs-dir", project / "runs", "--yes", "--json")
    assert done.code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["objects"] == {"accounts": {"deleted": 3, "restored": 0, "kept": 0}}
    assert result["target"].endswith("store/crm.duckdb")
    assert count(project / "store" / "crm.duckdb", model) == 0
    manifest = json.loads((project / "runs" / "r1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rollback"]["counts"]["accounts"]["deleted"] == 3
    again = cli("rollback", "r1", "--runs-dir", project / "runs", "--yes")
    assert again.code == 0 and "accounts" in again.stdout


def test_rollback_asks_first(project, model, cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    done = cli("rollback", "r1", "--runs-dir", project / "runs")
    assert done.code == 2 and "Roll back run r1" in done.stdout
    assert count(project / "store" / "crm.duckdb", model) == 3
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert cli("rollback", "r1", "--runs-dir", project / "runs").code == 0
    assert count(project / "store" / "crm.duckdb", model) == 0


def test_rollback_with_explicit_target(project, model, cli):
    store = project / "store" / "crm.duckdb"
    done = cli("rollback", "r1", "--runs-dir", project / "runs", "--target", f"duckdb:///{store}", "--yes")
    assert done.code == 0, done.stderr
    assert count(store, model) == 0


def test_rollback_of_unknown_run_is_usage_error(project, cli):
    done = cli("rollback", "nope", "--runs-dir", project / "runs", "--yes")
    assert done.code == 2 and "nope" in done.stderr


def test_rollback_without_migration_needs_target(project, cli):
    (project / "migration.yaml").unlink()
    done = cli("rollback", "r1", "--runs-dir", project / "runs", "--yes")
    assert done.code == 2 and "--target" in done.stderr


def test_targets_lists_the_builtins(cli):
    done = cli("targets", "--json")
    assert done.code == 0
    listed = {t["name"]: t for t in json.loads(done.stdout)["targets"]}
    assert {"duckdb", "postgresql", "file", "http"} <= set(listed)
    assert listed["postgresql"]["schemes"] == ["postgresql", "postgres"]
    assert listed["http"]["schemes"] == ["http", "https"]
    assert all(isinstance(t["can_rollback"], bool) and t["description"] for t in listed.values())
    human = cli("targets")
    assert human.code == 0 and "duckdb://" in human.stdout


def test_a_broken_plugin_is_a_warning(monkeypatch, cli):
    import crmtool.load.targets as targets

    monkeypatch.setitem(targets.BUILTIN, "broken", "crmtool.load.targets.no_such_module:Nothing")
    installed, warnings = targets.discover()
    assert "duckdb" in {t.name for t in installed}
    assert len(warnings) == 1 and "broken" in warnings[0]
    done = cli("targets")
    assert done.code == 0 and "broken" in done.stderr


def test_discovery_imports_no_driver():
    code = ("import sys; from crmtool.load.targets import discover; discover(); "
            "print(','.join(m for m in ('duckdb', 'psycopg', 'httpx', 'pandas', 'pyarrow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
