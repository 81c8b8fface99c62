"""Choosing the engine: --engine / --spark-master on scan and dedupe, `engine:` in a scan config, and
the one-line exit-2 errors when pyspark or Java is missing (the CLI run in a subprocess whose
environment hides them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "validate"))
from test_kpis_stores import duckdb_store  # noqa: E402
from test_scan import healthy_accounts  # noqa: E402

pytestmark = pytest.mark.xdist_group("spark")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path) -> str:
    return duckdb_store(tmp_path / "crm.duckdb", {"accounts": healthy_accounts(20)})


def _json(result) -> dict:
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_scan_engine_spark_prints_the_same_kpis(store, cli, tmp_path, spark):
    expected = _json(cli("scan", "--store", store, "--json", "--no-history"))
    on_spark = _json(cli("scan", "--store", store, "--json", "--no-history", "--engine", "spark",
                         "--spark-master", "local[2]"))
    assert on_spark["objects"] == expected["objects"]
    config = tmp_path / "scan.yaml"
    config.write_text("engine: {kind: spark, master: 'local[2]'}\n", encoding="utf-8")
    from_config = _json(cli("scan", "--store", store, "--json", "--no-history", "--config", config))
    assert from_config["objects"] == expected["objects"]
    assert spark.range(3).count() == 3  # the CLI shared the running session and left it running


def test_engine_settings_errors_are_exit_2(store, cli, tmp_path):
    config = tmp_path / "scan.yaml"
    config.write_text("engine:\n  kind: spark\n  master: 'local[two]'\n", encoding="utf-8")
    result = cli("scan", "--store", store, "--config", config)
    assert result.code == 2 and "scan.yaml:3" in result.stderr and "local[two]" in result.stderr
    result = cli("scan", "--store", store, "--spark-master", "local[2]")
    assert result.code == 2 and "add --engine spark" in result.stderr
    assert cli("scan", "--store", store, "--engine", "flink").code == 2


def test_dedupe_engine_spark_against_existing_accounts(tmp_path, cli, spark):
    """Dedupe on Spark, matching new rows against stored accounts, gives the in-process clusters and
    matched accounts."""
    import pandas as pd

    from crmtool.synth import generate_accounts, write_records

    records, _ = generate_accounts(1000, seed=5)
    existing = write_records(records.iloc[:600], tmp_path / "existing.csv")
    source = write_records(records.iloc[600:], tmp_path / "new.csv")
    args = ("dedupe", source, "--key", "record_id", "--against", existing)
    result = cli(*args, "--out", tmp_path / "spark.csv", "--engine", "spark", "--spark-master", "local[2]")
    assert result.code == 0, result.stderr
    assert cli(*args, "--out", tmp_path / "duckdb.csv").code == 0
    clusters = [pd.read_csv(tmp_path / name, dtype=str).sort_values("record_id").reset_index(drop=True)
                for name in ("spark.csv", "duckdb.csv")]
    pd.testing.assert_frame_equal(*clusters)
    on_spark = clusters[0]
    assert len(on_spark) == 400 and set(on_spark["record_id"]) == set(records["record_id"].iloc[600:])
    matched = on_spark["matched_account"].dropna()
    assert len(matched) > 10 and set(matched) <= set(records["record_id"].iloc[:600])


def _run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crmtool", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _env(**changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [changes.pop("PYTHONPATH", ""), str(ROOT)]))
    env.update(changes)
    return env


def test_without_java_the_spark_engine_is_one_line_exit_2(store, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _run_cli(_env(PATH=str(empty)), "scan", "--store", store, "--engine", "spark")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "needs Java 17 or 21" in result.stderr and "Traceback" not in result.stderr


def test_without_pyspark_the_spark_engine_is_one_line_exit_2(store, tmp_path):
    blocked = tmp_path / "blocked" / "pyspark"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('No module named pyspark')\n", encoding="utf-8")
    result = _run_cli(_env(PYTHONPATH=str(blocked.parent)), "scan", "--store", store, "--engine", "spark")
    assert result.returncode == 2, result.stderr
    assert "pip install 'crmtool[spark]'" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migration_file_chooses_the_engine(tmp_path):
    from crmtool.config.migration import load_migration
    from crmtool.errors import ConfigError

    path = tmp_path / "migration.yaml"
    path.write_text("mappings: [m.yaml]\nengine: {kind: spark, master: 'spark://head:7077', "
                    "conf: {spark.executor.memory: 8g}}\n", encoding="utf-8")
    engine = load_migration(path).engine
    assert (engine.kind, engine.master, engine.conf) == ("spark", "spark://head:7077", {"spark.executor.memory": "8g"})
    path.write_text("mappings: [m.yaml]\nengine:\n  kind: flink\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="migration.yaml:3"):
        load_migration(path)
    path.write_text("mappings: [m.yaml]\n", encoding="utf-8")
    assert load_migration(path).engine.kind == "duckdb"
