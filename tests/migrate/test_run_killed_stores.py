"""`crmtool run` killed with SIGKILL at random moments of its load into DuckDB and PostgreSQL, then
resumed (or run anew), ends with the same store as a run that was never interrupted; two runs at once
into one store end in a clear error or a correct store. Real processes, a real DuckDB file, the real
PostgreSQL server (tests/migrate/test_run_killed.py does the same against an HTTP target)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_run import ROOT, SQL_ONLY, project  # noqa: F401 - project is a fixture

from crmtool.load.targets.base import META_COLUMNS

OBJECTS = ("accounts", "contacts", "leads")
BOOKKEEPING = {"_crm_run_id", "_crm_loaded_at"}  # differ between runs by design; the content hash stays


def _start(project: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "crmtool", "run", str(project / "migration.yaml"), *args],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen, timeout: float = 240) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def _load_running(manifest: Path) -> bool:
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))["stages"]["load"]["status"] == "running"
    except (OSError, ValueError, KeyError):
        return False


def _kill_during_load(project: Path, run_id: str, rng: random.Random, resume: bool = False) -> bool:
    """Start run `run_id` (or resume it), wait until its load stage runs, SIGKILL it a random moment
    later. False when the run finished before it could be killed."""
    process = _start(project, "--resume" if resume else "--run-id", run_id)
    manifest = project / "runs" / run_id / "manifest.json"
    deadline = time.monotonic() + 180
    while process.poll() is None and not _load_running(manifest) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(rng.uniform(0, 0.15))
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    return True


def _store_digest(target) -> dict[str, str]:
    digest = {}
    for name in OBJECTS:
        frame = target.fetch(name)
        key = target.model[name].external_id
        frame = frame[[c for c in frame.columns if c not in BOOKKEEPING]].sort_values(key)
        text = frame.astype("string").fillna("\x00").to_csv(index=False)
        digest[name] = hashlib.sha256(text.encode()).hexdigest()
        assert "_crm_hash" in frame and set(META_COLUMNS) - BOOKKEEPING <= set(frame.columns)
    return digest


def _digest(url: str, project: Path) -> dict[str, str]:
    from crmtool.load import open_target
    from crmtool.model import load_object_model

    with open_target(url, load_object_model(), base=project) as target:
        return _store_digest(target)


def _use_store(project: Path, url: str) -> None:
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("duckdb:///crm.duckdb", url), encoding="utf-8")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The store an uninterrupted run leaves (the project's files, run once into their own DuckDB)."""
    import shutil

    other = tmp_path_factory.mktemp("uninterrupted")
    (other / "migration.yaml").write_text((ROOT / "migration.yaml").read_text(encoding="utf-8") + SQL_ONLY,
                                          encoding="utf-8")
    for part in ("mappings", "samples"):
        shutil.copytree(ROOT / part, other / part)
    code, err = _finish(_start(other))
    assert code == 0, err
    return _digest("duckdb:///crm.duckdb", other)


def _killed_then_finished(project: Path, seed: int) -> None:
    rng = random.Random(seed)
    killed = 0
    for attempt in range(3):  # kill the same run three times in its load, resuming it each time
        killed += _kill_during_load(project, "r1", rng, resume=attempt > 0)
    assert killed >= 1, "the load finished before it could be killed: the test proves nothing"
    code, err = _finish(_start(project, "--resume", "r1"))
    assert code == 0, err
    assert "Traceback" not in err
    manifest = json.loads((project / "runs" / "r1" / "manifest.json").read_text(encoding="utf-8"))
    assert all(rec["ok"] for rec in manifest["reconciliation"].values())
    # and a later run that is killed, then started anew (not resumed), changes nothing either
    _kill_during_load(project, "r2", rng)
    code, err = _finish(_start(project, "--run-id", "r3"))
    assert code == 0, err


def test_killed_in_the_duckdb_load_then_resumed_ends_as_uninterrupted(project, expected):  # noqa: F811
    _killed_then_finished(project, 1)
    assert _digest("duckdb:///crm.duckdb", project) == expected


@pytest.mark.postgres
def test_killed_in_the_postgres_load_then_resumed_ends_as_uninterrupted(project, expected, pg_url):  # noqa: F811
    _use_store(project, pg_url)
    _killed_then_finished(project, 2)
    assert _digest(pg_url, project) == expected


@pytest.mark.parametrize("store", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_runs_at_once_end_in_a_clear_error_or_a_correct_store(project, expected, store, request):  # noqa: F811
    url = "duckdb:///crm.duckdb"
    if store == "postgres":
        url = request.getfixturevalue("pg_url")
        _use_store(project, url)
    both = [_start(project, "--run-id", "a"), _start(project, "--run-id", "b")]
    results = [_finish(p) for p in both]
    for code, err in results:
        assert code in (0, 4), err
        assert "Traceback" not in err
        if code == 4:
            errors = [line for line in err.splitlines() if line.startswith("error: ")]
            assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err
            assert "another process" in errors[0] or store == "postgres", errors[0]
    assert any(code == 0 for code, _ in results)
    assert _digest(url, project) == expected
