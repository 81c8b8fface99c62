"""A password given through `${VAR}` (environment or .env) never appears in a file a command writes, in
the store's own tables, or in anything printed, with or without --debug, whether the command succeeds
or fails."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Pw-7f3e!s3cret"  # trust auth: the server accepts any password and never checks it


def _texts(path: Path):
    """The bytes of a file as a reader would see them: a zip's members (xlsx), a Parquet file's cells and
    metadata (its pages may be compressed), else the file itself."""
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            for name in book.namelist():
                yield book.read(name)
    elif data[:4] == b"PAR1":
        table = pq.read_table(path)
        yield str(table.schema.metadata or {}).encode()
        yield json.dumps(table.to_pylist(), ensure_ascii=False, default=str).encode()


def _assert_nowhere(folder: Path, *outputs: str) -> int:
    for text in outputs:
        assert PASSWORD not in text
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != ".env"]
    for path in files:
        for blob in _texts(path):
            assert PASSWORD.encode() not in blob, path
    return len(files)


def _store_text(schema: str) -> str:
    import psycopg
    from pg import PG_BASE

    with psycopg.connect(PG_BASE) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))]
        assert tables, "the run wrote tables"
        return "\n".join(str(con.execute(f'SELECT * FROM "{schema}"."{t}"').fetchall()) for t in tables)


@pytest.fixture
def project(tmp_path, pg_url) -> Path:
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    target = pg_url.replace("postgres@", "postgres:${CRM_PW}@")
    (tmp_path / "migration.yaml").write_text(
        text.replace("target: duckdb:///crm.duckdb", f"target: {target}") + "verify:\n  engines: [sql]\n",
        encoding="utf-8")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    (tmp_path / ".env").write_text(f"CRM_PW={PASSWORD}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.postgres
@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_password_from_env_file_stays_out_of_run_files_store_and_output(cli, project, pg_url, debug):
    done = cli("run", project / "migration.yaml", "--json", "--unmasked", *debug)
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert Path(summary["report"]).exists()
    again = cli("run", project / "migration.yaml", *debug)
    assert again.code == 0, again.stderr
    run_id = summary["run_dir"].rsplit("/", 1)[-1]
    back = cli("rollback", run_id, "--runs-dir", project / "runs", "--yes", *debug,
               "--target", pg_url.replace("postgres@", f"postgres:{PASSWORD}@"))
    assert back.code == 0, back.stderr
    files = _assert_nowhere(project, done.stdout, done.stderr, again.stdout, again.stderr, back.stdout, back.stderr)
    assert files > 10, "the runs wrote their directories"
    schema = pg_url.rsplit("schema=", 1)[1]
    assert PASSWORD not in _store_text(schema)
    manifest = json.loads((Path(summary["run_dir"]) / "manifest.json").read_text(encoding="utf-8"))
    assert "postgres:***@127.0.0.1:5432" in json.dumps(manifest, ensure_ascii=False), "the target is named, redacted"


@pytest.mark.postgres
@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_password_stays_out_of_errors_and_tracebacks(cli, project, debug, monkeypatch):
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace("127.0.0.1:5432", "127.0.0.1:1"),
                         encoding="utf-8")
    failed = cli("run", migration, *debug)
    assert failed.code == 4, failed.stderr
    if debug:
        assert "Traceback" in failed.stderr, "--debug shows the traceback"
    assert failed.stderr.strip().splitlines()[-1].startswith("error:")
    monkeypatch.chdir(project)  # the scan reads ${CRM_PW} from ./.env
    scan = cli("scan", "--store", "postgresql://postgres:${CRM_PW}@127.0.0.1:1/test", *debug)
    assert scan.code == 4, scan.stderr
    _assert_nowhere(project, failed.stdout, failed.stderr, scan.stdout, scan.stderr)
