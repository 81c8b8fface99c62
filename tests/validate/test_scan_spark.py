"""The health scan on Spark gives the KPIs the store computes itself: the same synthetic CRM store
(20,000 messy accounts from crmtool.synth with the hard cases, contacts referring to them) scanned
with the default engine and with Spark local mode, the full KPI dicts compared (duplicate rate
included) in a DuckDB store (Spark reads a Parquet copy); a PostgreSQL store's KPIs against Spark
reading it over JDBC and through the store's connection."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from test_kpis_stores import MODEL, duckdb_store, pg_url, postgres_store  # noqa: F401 - pg_url is a fixture

from crmtool.config.scan import ScanConfig
from crmtool.engine import SparkEngine
from crmtool.validate.scan import run_scan

pytestmark = pytest.mark.xdist_group("spark")

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
ACCOUNTS = 20_000


def synth_store_frames(n: int = ACCOUNTS, seed: int = 11) -> dict[str, pd.DataFrame]:
    """A messy CRM store's rows: synth's accounts (every mess and hard negative it makes) with the
    typed fields a store holds, picklists and placeholders, and contacts with orphans."""
    from crmtool.synth import generate_accounts, generate_contacts

    records, _ = generate_accounts(n, seed=seed, hard=True)
    rng = np.random.default_rng(seed)
    address = records["address"].astype("string")
    created = pd.to_datetime(records["created"], errors="coerce", format="mixed")
    updated = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s")
    revenue = pd.to_numeric(records["amount"], errors="coerce").round(2)
    pick = lambda values, p=None: pd.array(rng.choice(values, n, p=p), dtype="string")  # noqa: E731
    accounts = pd.DataFrame({
        "account_id": records["record_id"].astype("string"),
        "name": records["name"], "credit_code": records["credit_code"], "phone": records["phone"],
        "email": records["email"], "address": address,
        "province": address.str.extract(r"^(.{2,3}?(?:省|自治区|市))", expand=False),
        "city": address.str.extract(r"^(?:.{2,3}?(?:省|自治区))?(.{2,4}?市)", expand=False).str.replace("市", "", regex=False),
        "industry": pick(["制造业", "信息技术", "金融", "IT", "无", " 物流 ", ""]),
        "level": pick(["A", "B", "C", "D", "E", "N/A", "a"]),
        "owner": pick(["张三", "李四", "-", "王五 "]),
        "annual_revenue": revenue.map(lambda v: None if pd.isna(v) else f"{v:.2f}"),
        "employees": pd.Series(pick(["12", "0", "350", "-3"])).where(rng.random(n) > 0.2, None),
        "created_at": created.dt.strftime("%Y-%m-%d").where(created.notna(), None),
        "updated_at": pd.Series(updated).dt.strftime("%Y-%m-%d %H:%M:%S").where(rng.random(n) > 0.1, None),
        "_crm_loaded_at": pd.Series(updated + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d %H:%M:%S"),
    }).astype("string")
    for column, share in (("province", 0.03), ("city", 0.02)):  # contradictions: another row's region
        moved = rng.random(n) < share
        accounts.loc[moved, column] = rng.permutation(accounts[column].to_numpy())[moved]
    people, _ = generate_contacts(n // 8, seed=seed)
    ids = accounts["account_id"].to_numpy()
    refs = rng.choice(ids, len(people)).astype(object)
    refs[rng.random(len(people)) < 0.05] = "R9999999"  # orphans
    contacts = pd.DataFrame({
        "contact_id": [f"C{i:06d}" for i in range(len(people))],
        "account_id": refs, "name": people["name"], "mobile": people["mobile"], "email": people["email"],
    }).astype("string")
    return {"accounts": accounts, "contacts": contacts}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return synth_store_frames()


def _objects(url: str, engine=None, **options) -> dict:
    config = ScanConfig()
    return run_scan(url, MODEL, config, record=False, now=NOW, engine=engine, **options).scan


def _assert_same_kpis(url: str, spark) -> dict:
    expected = _objects(url)
    with SparkEngine(spark) as engine:
        got = _objects(url, engine)
    assert got["objects"] == expected["objects"]
    assert got["health"] == expected["health"]
    assert [c for c in got["checks"]] == [c for c in expected["checks"]]
    return expected


def test_duckdb_store_scanned_on_spark_gives_the_same_kpis(tmp_path, frames, spark):
    url = duckdb_store(tmp_path / "crm.duckdb", frames)
    scan = _assert_same_kpis(url, spark)
    accounts = scan["objects"]["accounts"]
    assert accounts["rows"] == ACCOUNTS
    assert 0 < accounts["duplicate_rate"] < 0.5  # synth's copies are found: the rate is measured, not empty
    assert 0 < accounts["fields"]["credit_code"]["validity"] < 1
    assert accounts["contradictions"] and all(v > 0 for v in accounts["contradictions"].values())
    assert scan["objects"]["contacts"]["contradictions"]["orphan:account_id"] > 0


def test_a_scan_on_spark_appends_to_the_store_history(tmp_path, frames, spark):
    from crmtool.validate.history import read_history
    from crmtool.validate.scan_store import open_store

    small = {name: rows.head(500) for name, rows in frames.items()}
    url = duckdb_store(tmp_path / "crm.duckdb", small)
    with SparkEngine(spark) as engine:
        outcome = run_scan(url, MODEL, ScanConfig(), now=NOW, engine=engine)
    assert outcome.recorded > 0
    with open_store(url) as store:
        history = read_history(store, 10)
    assert set(history["scan_id"]) == {outcome.scan["scan_id"]} and len(history) == outcome.recorded


@pytest.mark.postgres
def test_postgres_store_on_spark_gives_the_same_kpis(pg_url, frames, spark):  # noqa: F811
    """Spark reading the tables over JDBC (the driver is on the test session's class path) and as rows
    fetched through the store's connection: the KPIs PostgreSQL computes itself."""
    from crmtool.validate.kpis import store_kpis
    from crmtool.validate.scan_spark import SparkStore
    from crmtool.validate.scan_store import open_store

    small = {name: rows.head(4_000) for name, rows in frames.items()}
    url = postgres_store(pg_url, small)
    with open_store(url) as store, SparkEngine(spark) as engine:
        expected = {name: store_kpis(store, MODEL, name, as_of=NOW) for name in small}
        for jdbc in (True, False):
            with SparkStore(store, engine, list(small), jdbc=jdbc) as on_spark:
                assert on_spark.read == dict.fromkeys(small, "jdbc" if jdbc else "rows")
                assert {name: store_kpis(on_spark, MODEL, name, as_of=NOW) for name in small} == expected
    assert expected["contacts"][0]["contradictions"]["orphan:account_id"] > 0
