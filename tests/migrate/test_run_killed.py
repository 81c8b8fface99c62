"""A run killed (SIGKILL) in the middle of its load, then resumed, ends with exactly the store an
uninterrupted run makes. The target is a real HTTP server in this process that applies write batches
slowly, so the kill lands between batches the server has applied and batches it has not seen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from crm_http_server import CrmState, Handler
from test_run import ROOT, SQL_ONLY

META = ("_crm_run_id", "_crm_loaded_at")


class SlowCrm:
    """The protocol server of crm_http_server, with a pause before each write batch."""

    def __init__(self, pause: float):
        self.state = CrmState()
        pause_s = pause

        class SlowHandler(Handler):
            state = self.state

            def do_POST(self) -> None:
                if self.path.split("?")[0].endswith(("/upsert", "/delete")):
                    time.sleep(pause_s)
                super().do_POST()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api?batch=4&rate=0&backoff=0.01"

    def content(self) -> dict:
        with self.state.lock:
            return {obj: {k: {f: v for f, v in row.items() if f not in META} for k, row in rows.items()}
                    for obj, rows in self.state.objects.items()}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def project(folder: Path, target: str) -> Path:
    import shutil

    folder.mkdir()
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8").replace("duckdb:///crm.duckdb", target)
    (folder / "migration.yaml").write_text(text + SQL_ONLY, encoding="utf-8")
    shutil.copytree(ROOT / "mappings", folder / "mappings")
    shutil.copytree(ROOT / "samples", folder / "samples")
    return folder / "migration.yaml"


def crmtool(*args: str) -> list[str]:
    return [sys.executable, "-m", "crmtool", *args]


def test_killed_load_resumes_to_the_same_store(tmp_path):
    reference, victim = SlowCrm(pause=0.0), SlowCrm(pause=0.15)
    try:
        done = subprocess.run(crmtool("run", str(project(tmp_path / "a", reference.url)), "--json"),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        batches = reference.state.applied
        assert batches >= 6  # 58 rows in batches of 4: the kill has room to land mid-load

        migration = project(tmp_path / "b", victim.url)
        proc = subprocess.Popen(crmtool("run", str(migration), "--run-id", "killed", "--json"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while victim.state.applied < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        applied_before = victim.state.applied
        assert 0 < applied_before < batches, "the kill did not land inside the load"
        assert victim.content() != reference.content()

        resumed = subprocess.run(crmtool("run", str(migration), "--resume", "killed", "--json"),
                                 capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        assert victim.content() == reference.content()

        again = subprocess.run(crmtool("run", str(migration), "--json"), capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
        assert victim.content() == reference.content()
        import json

        assert all(c["inserted"] == 0 and c["updated"] == 0 for c in json.loads(again.stdout)["load"].values())
    finally:
        reference.close()
        victim.close()


@pytest.mark.parametrize("stage", ["load"])
def test_killed_duckdb_run_resumes_to_the_same_store(tmp_path, stage):
    """DuckDB: the kill lands while the given stage runs (the store's transaction is all or nothing)."""
    import duckdb

    def dump(path: Path) -> dict:
        with duckdb.connect(str(path), read_only=True) as con:
            return {t: sorted(con.execute(f"select * exclude ({', '.join(META)}) from {t}").fetchall(), key=str)
                    for t in ("accounts", "contacts", "leads")}

    reference = project(tmp_path / "a", "duckdb:///crm.duckdb")
    assert subprocess.run(crmtool("run", str(reference), "--json"), capture_output=True, timeout=600).returncode == 0

    migration = project(tmp_path / "b", "duckdb:///crm.duckdb")
    manifest = migration.parent / "runs" / "killed" / "manifest.json"
    proc = subprocess.Popen(crmtool("run", str(migration), "--run-id", "killed", "--json"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if manifest.exists() and f'"{stage}": {{' in manifest.read_text(encoding="utf-8", errors="replace"):
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    resumed = subprocess.run(crmtool("run", str(migration), "--resume", "killed", "--json"), capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert dump(migration.parent / "crm.duckdb") == dump(reference.parent / "crm.duckdb")
