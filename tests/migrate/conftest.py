"""Fixtures for the load-side tests: the object model, real stores (DuckDB file, PostgreSQL schema,
HTTP server, import files) addressed by URL, and small account/contact frames in canonical text."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from crm_http_server import CrmServer  # noqa: E402


@pytest.fixture(scope="session")
def model():
    from crmtool.model import load_object_model

    return load_object_model()


@pytest.fixture
def crm_server():
    with CrmServer() as server:
        yield server


STORES = ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres), "http", "file-csv", "file-xlsx"]


@pytest.fixture(params=STORES)
def store_url(request, tmp_path):
    """A target URL for each kind of store, empty."""
    kind = request.param
    if kind == "duckdb":
        return f"duckdb:///{tmp_path}/crm.duckdb"
    if kind == "postgresql":
        return request.getfixturevalue("pg_url")
    if kind == "http":
        return request.getfixturevalue("crm_server").url + "?backoff=0.01&rate=0"
    return f"file://{tmp_path}/import?format={kind.removeprefix('file-')}"


def text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("string[pyarrow]")


@pytest.fixture
def accounts() -> pd.DataFrame:
    """Accounts as the map stage hands them over: canonical text, provenance row ids."""
    return text(pd.DataFrame({
        "_row_id": ["客户.xlsx#客户!2", "客户.xlsx#客户!3", "客户.xlsx#客户!4"],
        "account_id": ["A001", "A002", "A003"],
        "name": ["北京华信科技有限公司", "上海东方贸易有限公司", "深圳南山物流有限公司"],
        "credit_code": ["91110108MA01ABCD1X", None, "91440300MA5XYZ1234"],
        "phone": ["+86 10 6234 5678", "+86 21 5888 0000", None],
        "industry": ["信息技术", "批发零售", "物流"],
        "annual_revenue": ["128000.00", "0.50", None],
        "employees": ["120", None, "8"],
        "created_at": ["2024-03-15", "2023-12-01", None],
        "updated_at": ["2024-03-15 14:30:00", None, "2024-01-02 08:00:00"],
        "website": ["=HYPERLINK(\"http://x\")", None, "0012"],
    }))


@pytest.fixture
def contacts() -> pd.DataFrame:
    return text(pd.DataFrame({
        "_row_id": ["联系人.xlsx#Sheet1!2", "联系人.xlsx#Sheet1!3"],
        "contact_id": ["C001", "C002"],
        "account_id": ["A001", "A003"],
        "name": ["张三", "李四"],
        "mobile": ["+8613800138000", "+8613900139000"],
        "updated_at": ["2024-03-15 14:30:00", None],
    }))


@pytest.fixture
def run_dirs(tmp_path):
    """make(run_id) -> a run directory with a manifest, as the pipeline leaves it before the load."""
    from crmtool.run.rundir import RunDir

    def make(run_id: str, **manifest) -> Path:
        path = tmp_path / "runs" / run_id
        RunDir(path).save_manifest({"run_id": run_id, "dry_run": False, **manifest})
        return path

    return make
