"""The health scan through the real CLI: exit codes, JSON equal to the library's dict, JUnit, history,
anomalies, new duplicates, unreachable stores; on DuckDB files and PostgreSQL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from test_kpis_stores import (  # noqa: F401 - pg_url is a fixture
    BEIJING,
    GUANGDONG,
    SHANGHAI,
    accounts_rows,
    contacts_rows,
    duckdb_store,
    frame,
    pg_url,
    postgres_store,
)

from crmtool.config.scan import ScanConfig
from crmtool.validate.scan import scan_store
from crmtool.validate.scan_store import open_store

NO_THRESHOLDS = ("thresholds: {completeness: null, validity: null, uniqueness: null, duplicate_rate: null,\n"
                 "             consistency: null, timeliness: null, health: null}\n")


def healthy_accounts(n: int = 20):
    """Clean accounts: every required field there, valid values, no duplicates, no contradictions."""
    from crmtool.synth.vocab import INDUSTRIES, TRADE_CHARS

    chars = [c for c, _ in TRADE_CHARS]
    rows = []
    for i in range(n):
        trade = chars[2 * i] + chars[2 * i + 1]  # no two accounts share a trade-name character
        rows.append({"account_id": f"H{i:03d}", "name": f"北京{trade}{INDUSTRIES[i % len(INDUSTRIES)]}有限公司",
                     "phone": f"+8613800{i:06d}", "province": "北京", "address": f"北京市海淀区学院路{i + 1}号",
                     "level": "ABCD"[i % 4], "updated_at": "2026-11-01 09:00:00",
                     "_crm_loaded_at": "2026-11-01 02:00:00"})
    return frame(rows)


@pytest.fixture
def healthy(tmp_path):
    return duckdb_store(tmp_path / "crm.duckdb", {"accounts": healthy_accounts()})


def history_count(url: str) -> int:
    with open_store(url) as store:
        return int(store.query(f"SELECT count(DISTINCT scan_id) FROM {store.relation('_crm_scan_history')}")[1][0][0])


def test_healthy_store_exits_0_and_records_history(healthy, cli):
    result = cli("scan", "--store", healthy, "--format", "json")
    assert result.code == 0, result.stderr
    scan = json.loads(result.stdout)
    assert scan["status"] == "healthy" and scan["findings"] == []
    assert scan["objects"]["accounts"]["rows"] == 20
    assert scan["objects"]["accounts"]["duplicate_rate"] == 0.0
    assert scan["health"] >= 80
    assert {"store", "scan_id", "scanned_at", "objects", "health", "thresholds", "findings", "new_duplicates",
            "status"} <= set(scan)
    assert any("contacts: not in the store" in n for n in scan["notes"])
    assert history_count(healthy) == 1
    assert cli("scan", "--store", healthy, "--no-history").code == 0
    assert history_count(healthy) == 1


def test_json_output_equals_the_library_result(healthy, cli):
    result = cli("scan", "--store", healthy, "--json", "--no-history")
    printed = json.loads(result.stdout)
    library = scan_store(healthy, record=False)
    for key in ("store", "objects", "health", "thresholds", "findings", "status"):
        assert printed[key] == library[key], key


def test_threshold_crossing_exits_1_with_findings(tmp_path, cli):
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": accounts_rows(), "contacts": contacts_rows()})
    result = cli("scan", "--store", url, "--format", "json")
    assert result.code == 1
    scan = json.loads(result.stdout)
    assert scan["status"] == "failed"
    found = {(f["object"], f["field"], f["kpi"]) for f in scan["findings"] if f["kind"] == "threshold"}
    assert ("accounts", "phone", "validity") in found  # 2/3 < 95 %
    assert ("accounts", None, "consistency") in found  # 50 % < 98 %
    assert ("contacts", None, "consistency") in found  # an orphan
    assert ("accounts", None, "duplicate_rate") in found  # 北京华信科技 ~ 华信（北京）科技 (and a shared code)
    assert all(f["threshold"] is not None and f["message"] for f in scan["findings"])
    text = cli("scan", "--store", url, "--no-history")
    assert text.code == 1 and "findings" in text.stdout and "accounts.phone validity" in text.stdout


def test_fail_under(tmp_path, healthy, cli):
    lax = tmp_path / "lax.yaml"
    lax.write_text(NO_THRESHOLDS, encoding="utf-8")
    url = duckdb_store(tmp_path / "bad.duckdb", {"accounts": accounts_rows()})
    assert cli("scan", "--store", url, "--config", lax, "--no-history").code == 0
    result = cli("scan", "--store", url, "--config", lax, "--fail-under", "99", "--format", "json", "--no-history")
    assert result.code == 1
    scan = json.loads(result.stdout)
    assert scan["health"] < 99
    assert [{k: f[k] for k in ("object", "field", "kpi", "threshold", "kind")} for f in scan["findings"]] == [
        {"object": None, "field": None, "kpi": "health", "threshold": 99.0, "kind": "threshold"}]
    assert cli("scan", "--store", url, "--config", lax, "--fail-under", "1", "--no-history").code == 0
    assert cli("scan", "--store", healthy, "--fail-under", "101").code == 2


def test_config_thresholds_override(tmp_path, healthy, cli):
    strict = tmp_path / "strict.yaml"
    strict.write_text("objects:\n  accounts:\n    fields:\n      email: {completeness: 0.5}\n", encoding="utf-8")
    result = cli("scan", "--store", healthy, "--config", strict, "--format", "json", "--no-history")
    assert result.code == 1
    assert [(f["field"], f["kpi"]) for f in json.loads(result.stdout)["findings"]] == [("email", "completeness")]
    lax = tmp_path / "lax.yaml"
    lax.write_text(NO_THRESHOLDS, encoding="utf-8")
    url = duckdb_store(tmp_path / "bad.duckdb", {"accounts": accounts_rows()})
    assert cli("scan", "--store", url, "--config", lax, "--no-history").code == 0


def test_bad_config_is_exit_2_with_file_and_line(tmp_path, healthy, cli):
    bad = tmp_path / "scan.yaml"
    bad.write_text("thresholds:\n  completenes: 0.9\n", encoding="utf-8")
    result = cli("scan", "--store", healthy, "--config", bad)
    assert result.code == 2
    assert "scan.yaml:2" in result.stderr and "completenes" in result.stderr
    unknown = tmp_path / "objects.yaml"
    unknown.write_text("objects:\n  acounts: {completeness_fields: [name]}\n", encoding="utf-8")
    assert cli("scan", "--store", healthy, "--config", unknown).code == 2


def _seed_stable_history(url: str, scans: int = 6) -> None:
    """Scans made on earlier days against the same (unchanged) store: a flat history."""
    start = datetime.now(timezone.utc) - timedelta(days=scans + 1)
    for day in range(scans):
        scan_store(url, now=start + timedelta(days=day))


def test_anomaly_after_a_stable_history_exits_1(tmp_path, healthy, cli):
    config = tmp_path / "anomaly_only.yaml"
    config.write_text(NO_THRESHOLDS, encoding="utf-8")
    _seed_stable_history(healthy)
    steady = cli("scan", "--store", healthy, "--config", config, "--format", "json", "--no-history")
    assert steady.code == 0, steady.stdout
    assert any(c["kind"] == "anomaly" and c["passed"] for c in json.loads(steady.stdout)["checks"])
    with open_store(healthy) as store:  # an integration starts writing junk phones and levels
        store.execute("UPDATE accounts SET phone = '无', level = 'E' WHERE account_id < 'H010'")
    result = cli("scan", "--store", healthy, "--config", config, "--format", "json")
    assert result.code == 1
    scan = json.loads(result.stdout)
    anomalies = {(f["object"], f["field"], f["kpi"]) for f in scan["findings"]}
    assert {("accounts", "phone", "completeness"), ("accounts", "level", "validity"), ("accounts", None, "validity"),
            ("accounts", None, "health"), (None, None, "health")} <= anomalies
    assert all(f["kind"] == "anomaly" and f["threshold"] is None for f in scan["findings"])
    trend = next(t for t in scan["trends"] if t["object"] == "accounts" and t["kpi"] == "completeness")
    assert trend["points"] == 7
    health = next(t for t in scan["trends"] if t["object"] == "accounts" and t["kpi"] == "health")
    assert health["slope_per_scan"] < 0


def test_anomaly_needs_min_points(tmp_path, healthy, cli):
    config = tmp_path / "anomaly_only.yaml"
    config.write_text(NO_THRESHOLDS, encoding="utf-8")
    _seed_stable_history(healthy, scans=3)
    with open_store(healthy) as store:
        store.execute("UPDATE accounts SET phone = '无' WHERE account_id < 'H010'")
    result = cli("scan", "--store", healthy, "--config", config, "--format", "json")
    assert result.code == 0  # three earlier scans: too few to judge (min_points 5)
    assert not [c for c in json.loads(result.stdout)["checks"] if c["kind"] == "anomaly"]


def test_anomaly_rules_flat_history_and_floor():
    import pandas as pd

    from crmtool.config.scan import Anomaly
    from crmtool.validate.anomaly import anomaly_checks

    at = [datetime(2026, 11, d) for d in range(1, 8)]
    history = pd.DataFrame({"scan_id": [f"s{d}" for d in range(7)], "scanned_at": at, "object": "accounts",
                            "field": "", "kpi": "validity", "value": 0.97})
    now = datetime(2026, 11, 8)
    small, _ = anomaly_checks([("x", now, "accounts", "", "validity", 0.965)], history)
    big, trends = anomaly_checks([("x", now, "accounts", "", "validity", 0.95)], history)
    assert small[0]["passed"]  # 0.5 points: within 3 × the 0.2-point floor
    assert not big[0]["passed"] and big[0]["z"] == pytest.approx(-10.0)
    assert trends[0]["slope_per_day"] < 0
    noisy = history.assign(value=[0.90, 0.96, 0.92, 0.98, 0.94, 0.91, 0.97])
    assert anomaly_checks([("x", now, "accounts", "", "validity", 0.95)], noisy)[0][0]["passed"]
    window = anomaly_checks([("x", now, "accounts", "", "validity", 0.95)], history, Anomaly(min_points=8))
    assert window[0] == []


def test_junit_has_one_testcase_per_check(tmp_path, cli):
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": accounts_rows()})
    scan = json.loads(cli("scan", "--store", url, "--format", "json", "--no-history").stdout)
    result = cli("scan", "--store", url, "--format", "junit", "--no-history")
    assert result.code == 1
    root = ET.fromstring(result.stdout)
    cases = root.findall(".//testcase")
    failures = root.findall(".//testcase/failure")
    assert len(cases) == len(scan["checks"]) == int(root.get("tests"))
    assert len(failures) == len(scan["findings"]) == int(root.get("failures"))
    assert {s.get("name") for s in root.findall("testsuite")} == {"crmtool.scan.accounts", "crmtool.scan.store"}
    assert any(c.get("name") == "validity[phone] >= 0.95" for c in cases)


def test_new_duplicates_since_the_last_scan(tmp_path):
    rows = frame([
        {"account_id": "D1", "name": "北京华信科技有限公司", "_crm_loaded_at": "2026-11-01 02:00:00"},
        {"account_id": "D2", "name": "华信（北京）科技有限公司", "_crm_loaded_at": "2026-11-01 02:00:00"},
        {"account_id": "D3", "name": "上海明达贸易有限公司", "_crm_loaded_at": "2026-11-01 02:00:00"},
        {"account_id": "D4", "name": "广州天一餐饮有限公司", "_crm_loaded_at": "2026-11-01 02:00:00"},
    ])
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": rows})
    first = scan_store(url, now=datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert [(p["key_a"], p["key_b"]) for p in first["new_duplicates"]] == [("D1", "D2")]
    assert first["new_duplicates"][0]["score"] > 0 and first["new_duplicates"][0]["reasons"]
    second = scan_store(url, now=datetime(2026, 11, 3, tzinfo=timezone.utc))
    assert second["new_duplicates"] == []  # nothing loaded since the first scan
    with open_store(url) as store:  # a load brings a duplicate of 广州天一餐饮
        store.execute("INSERT INTO accounts (account_id, name, _crm_loaded_at) "
                      "VALUES ('D6', '广州市天一餐饮有限公司', TIMESTAMP '2026-11-03 08:00:00')")
    third = scan_store(url, now=datetime(2026, 11, 4, tzinfo=timezone.utc))
    assert [(p["key_a"], p["key_b"]) for p in third["new_duplicates"]] == [("D4", "D6")]
    assert third["objects"]["accounts"]["duplicate_rate"] == pytest.approx(2 / 5, abs=1e-6)


def test_unreachable_stores_are_exit_4_one_line(tmp_path, cli):
    missing = cli("scan", "--store", f"duckdb:///{tmp_path}/nope.duckdb")
    assert missing.code == 4 and missing.stderr.count("\n") == 1 and "nope.duckdb" in missing.stderr
    refused = cli("scan", "--store", "postgresql://crm:s3cret@127.0.0.1:1/test?connect_timeout=2")
    assert refused.code == 4 and refused.stderr.count("\n") == 1
    assert "s3cret" not in refused.stderr and "crm:***@127.0.0.1:1" in refused.stderr
    assert cli("scan", "--store", "mysql://x@y/z").code == 2
    assert cli("scan").code == 2


def test_custom_objects_are_scanned(tmp_path, cli):
    model = tmp_path / "custom.yaml"
    model.write_text("objects:\n  contracts:\n    external_id: contract_id\n    fields:\n"
                     "      contract_id: {type: string, required: true, unique: true}\n"
                     "      account_id: {type: reference, to: accounts, required: true}\n"
                     "      signed_on: {type: date}\n", encoding="utf-8")
    import duckdb

    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": healthy_accounts(4)})
    con = duckdb.connect(str(tmp_path / "crm.duckdb"))
    con.execute("CREATE TABLE contracts (contract_id VARCHAR PRIMARY KEY, account_id VARCHAR, signed_on DATE, "
                "_crm_hash VARCHAR, _crm_run_id VARCHAR, _crm_loaded_at TIMESTAMP)")
    con.execute("INSERT INTO contracts VALUES ('K1', 'H000', DATE '2026-01-01', NULL, NULL, NULL), "
                "('K2', 'H999', NULL, NULL, NULL, NULL)")
    con.close()
    result = cli("scan", "--store", url, "--objects", model, "--format", "json", "--no-history")
    scan = json.loads(result.stdout)
    assert scan["objects"]["contracts"]["contradictions"] == {"orphan:account_id": 1}
    assert scan["objects"]["contracts"]["fields"]["signed_on"]["completeness"] == 0.5


def test_html_report(tmp_path, healthy, cli):
    out = tmp_path / "scan.html"
    _seed_stable_history(healthy, scans=2)
    result = cli("scan", "--store", healthy, "--html", out)
    assert result.code == 0, result.stderr
    assert out.is_file() and "accounts" in out.read_text(encoding="utf-8")


@pytest.mark.postgres
def test_postgres_scan_and_history(pg_url, cli):
    url = postgres_store(pg_url, {"accounts": accounts_rows(), "contacts": contacts_rows()})
    first = cli("scan", "--store", url, "--format", "json")
    assert first.code == 1, first.stderr
    scan = json.loads(first.stdout)
    assert scan["objects"]["contacts"]["contradictions"] == {"orphan:account_id": 1}
    assert scan["objects"]["accounts"]["consistency"] == pytest.approx(0.5)
    assert scan["store"] == url
    second = scan_store(url, config=ScanConfig(), now=datetime.now(timezone.utc) + timedelta(hours=1))
    assert second["new_duplicates"] == []
    assert history_count(url) == 2


def test_history_is_appended_all_or_nothing(healthy):
    from crmtool.validate.history import HISTORY_TABLE, append_history, read_history

    scan = scan_store(healthy, record=False)
    broken = {**scan, "objects": {**scan["objects"], None: scan["objects"]["accounts"]}}  # object NOT NULL
    with open_store(healthy) as store:
        with pytest.raises(Exception, match="(?i)null"):
            append_history(store, broken)
        assert HISTORY_TABLE in store.tables()
        assert read_history(store).empty
        written = append_history(store, scan)
        back = read_history(store)
    assert written == len(back) > 30
    assert set(back["kpi"]) >= {"completeness", "validity", "health", "rows"}
    assert set(back.loc[back["object"] == "", "kpi"]) == {"health"}
    assert BEIJING and GUANGDONG and SHANGHAI
