"""Every KPI formula on small hand-computed fixtures, through frames, DuckDB stores and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest
from test_kpis_stores import (  # noqa: F401 - pg_url is a fixture
    BAD_CHECK,
    BEIJING,
    MODEL,
    accounts_rows,
    contacts_rows,
    duckdb_store,
    frame,
    pg_url,
    postgres_store,
)

from crmtool.config.scan import ScanConfig
from crmtool.validate.kpis import frame_kpis, health, store_kpis
from crmtool.validate.scan_store import open_store

AS_OF = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
ACCOUNTS = MODEL["accounts"]

# What the six accounts of accounts_rows() must measure (see the comments on each row there).
FIELDS = {  # field: (completeness, validity, uniqueness)
    "account_id": (1.0, 1.0, 1.0),
    "name": (5 / 6, 1.0, None),  # A3 is a full-width space
    "credit_code": (4 / 6, 3 / 4, 3 / 4),  # A2 empty, A5 "-"; A4 wrong check character; A3 = A6
    "phone": (3 / 6, 2 / 3, None),  # "无", " N/A " and NULL missing; "010-1234" not a phone
    "province": (1.0, 1.0, None),
    "city": (3 / 6, 1.0, None),
    "address": (1.0, 1.0, None),
    "level": (5 / 6, 4 / 5, None),  # "E" is no level
    "created_at": (5 / 6, 1.0, None),
    "updated_at": (4 / 6, 1.0, None),
}
CONTRADICTIONS = {
    "region:credit_code~province": 1,  # A3: a 广东 code, province 北京
    "region:credit_code~city": 0,
    "region:credit_code~address": 2,  # A3 (北京市东城区), A6 (北京市朝阳区) with 广东 codes
    "region:province~city": 0,
    "region:province~address": 1,  # A6: 广东省, address in 北京市
    "dates:created_at>updated_at": 1,  # A2: created 2026-10-15, updated 2026-10-01
}


def approx(value):
    return pytest.approx(value, abs=1e-6)


def assert_fixture_kpis(kpis: dict) -> None:
    assert kpis["rows"] == 6
    for field, (completeness, validity, uniqueness) in FIELDS.items():
        got = kpis["fields"][field]
        assert got["completeness"] == approx(completeness), field
        assert got["validity"] == approx(validity), field
        assert got["uniqueness"] == (None if uniqueness is None else approx(uniqueness)), field
    assert kpis["completeness"] == approx(11 / 12)  # required: account_id 6 + name 5 of 2 × 6
    assert kpis["validity"] == approx(44 / 47)  # valid values / non-empty values, all fields
    assert kpis["uniqueness"] == approx(9 / 10)  # distinct / non-empty over account_id and credit_code
    assert kpis["contradictions"] == CONTRADICTIONS
    assert kpis["consistency"] == approx(3 / 6)  # A2, A3, A6 contradict themselves
    assert kpis["timeliness"] == approx(4 / 6)  # A3 updated 2020, A5 loaded 2024 (no updated_at)
    expected = 100 * (0.25 * 11 / 12 + 0.25 * 44 / 47 + 0.10 * 0.9 + 0.15 * 0.5 + 0.10 * 4 / 6) / 0.85
    assert kpis["health"] == pytest.approx(expected, abs=0.01)


def full_frame(rows: pd.DataFrame, object_name: str = "accounts") -> pd.DataFrame:
    """Every model field as a column (empty where the fixture has none), as a store would give it."""
    out = rows.copy()
    for field in MODEL[object_name].fields:
        if field not in out.columns:
            out[field] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def test_frame_kpis_formulas():
    kpis = frame_kpis(accounts_rows(), ACCOUNTS, "accounts", as_of=AS_OF)
    assert_fixture_kpis(kpis)
    assert kpis["duplicate_rate"] is None
    assert set(kpis["fields"]) == set(FIELDS)  # only the fields the frame has


def test_store_kpis_duckdb_formulas_and_agreement(tmp_path):
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": accounts_rows()})
    with open_store(url) as store:
        kpis, notes = store_kpis(store, MODEL, "accounts", as_of=AS_OF)
    assert_fixture_kpis(kpis)
    assert kpis["fields"]["email"] == {"completeness": 0.0, "validity": None, "uniqueness": None}
    framed = frame_kpis(full_frame(accounts_rows()), ACCOUNTS, "accounts", as_of=AS_OF)
    assert framed == kpis
    assert notes == []


@pytest.mark.postgres
def test_store_kpis_postgres_agrees_with_duckdb(tmp_path, pg_url):
    frames = {"accounts": accounts_rows(), "contacts": contacts_rows()}
    duck = duckdb_store(tmp_path / "crm.duckdb", frames)
    pg = postgres_store(pg_url, frames)
    results = {}
    for url in (duck, pg):
        with open_store(url) as store:
            results[url] = {name: store_kpis(store, MODEL, name, as_of=AS_OF)[0] for name in frames}
    assert_fixture_kpis(results[pg]["accounts"])
    assert results[pg] == results[duck]


def test_orphans_and_padded_references(tmp_path):
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": accounts_rows(), "contacts": contacts_rows()})
    with open_store(url) as store:
        kpis, notes = store_kpis(store, MODEL, "contacts", as_of=AS_OF)
    assert kpis["contradictions"] == {"orphan:account_id": 1}  # C2 → A9; C4 " A2 " is A2; C3 "无" is missing
    assert kpis["consistency"] == approx(3 / 4)
    assert kpis["fields"]["account_id"]["completeness"] == approx(3 / 4)
    assert kpis["fields"]["mobile"]["completeness"] == approx(3 / 4)
    assert kpis["fields"]["mobile"]["validity"] == approx(2 / 3)
    framed = frame_kpis(contacts_rows(), MODEL["contacts"], "contacts", references={"accounts": accounts_rows()})
    assert framed["contradictions"] == {"orphan:account_id": 1}


def test_orphan_check_is_skipped_without_the_referenced_table(tmp_path):
    url = duckdb_store(tmp_path / "crm.duckdb", {"contacts": contacts_rows()})
    with open_store(url) as store:
        kpis, notes = store_kpis(store, MODEL, "contacts")
    assert kpis["consistency"] is None and kpis["contradictions"] == {}
    assert any("orphan check skipped" in n for n in notes)


def test_fuzzy_duplicate_rate_from_the_dedupe_engine():
    rows = frame([
        {"account_id": "D1", "name": "北京华信科技有限公司"},
        {"account_id": "D2", "name": "华信（北京）科技有限公司"},
        {"account_id": "D3", "name": "上海明达贸易有限公司"},
        {"account_id": "D4", "name": "广州天一餐饮有限公司"},
    ])
    kpis = frame_kpis(rows, ACCOUNTS, "accounts", dedupe=True)
    assert kpis["duplicate_rate"] == approx(1 / 4)  # 4 rows, 3 clusters
    clusters = pd.DataFrame({"account_id": ["D1", "D2", "D3", "D4"], "cluster_id": ["c1", "c1", "c1", "c2"]})
    assert frame_kpis(rows, ACCOUNTS, "accounts", clusters=clusters)["duplicate_rate"] == approx(2 / 4)


def test_store_duplicates_sample_estimate(tmp_path):
    """Above max_rows a stable sample is deduplicated and its rate divided by the sampling fraction."""
    from crmtool.config.scan import Duplicates
    from crmtool.validate.kpi_duplicates import store_duplicates

    names = ["北京华信科技有限公司", "华信（北京）科技有限公司", "上海明达贸易有限公司", "广州天一餐饮有限公司"]
    rows = frame([{"account_id": f"D{i}", "name": n} for i, n in enumerate(names)])
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": rows})
    with open_store(url) as store:
        full = store_duplicates(store, "accounts", ACCOUNTS, Duplicates())
        sampled = store_duplicates(store, "accounts", ACCOUNTS, Duplicates(max_rows=2))
        again = store_duplicates(store, "accounts", ACCOUNTS, Duplicates(max_rows=2))
    assert full.rate == approx(1 / 4) and not full.sampled
    assert list(full.pairs[["key_a", "key_b"]].itertuples(index=False, name=None)) == [("D0", "D1")]
    assert sampled.sampled and sampled.deduplicated == 2 and sampled.notes
    assert sampled.rate == again.rate  # the same rows every time: md5 of the external id
    pair_in_sample = {"D0", "D1"} <= set(again.loaded_at.index) if again.loaded_at is not None else None
    assert sampled.rate == approx(1.0 if pair_in_sample else 0.0)  # (2 − 1)/2 / (2/4), or nothing found


def test_placeholders_are_configurable():
    rows = frame([{"account_id": "P1", "name": "未提供"}, {"account_id": "P2", "name": "无"},
                  {"account_id": "P3", "name": "ＮＵＬＬ"}, {"account_id": "P4", "name": " null\u3000"}])
    default = frame_kpis(rows, ACCOUNTS, "accounts")["fields"]["name"]["completeness"]
    more = ScanConfig(extra_placeholders=["未提供", "ＮＵＬＬ"])
    extra = frame_kpis(rows, ACCOUNTS, "accounts", config=more)["fields"]["name"]["completeness"]
    replaced = frame_kpis(rows, ACCOUNTS, "accounts", config=ScanConfig(placeholders=["未提供"]))
    assert default == approx(2 / 4)  # 无, " null　"
    assert extra == approx(0.0)
    assert replaced["fields"]["name"]["completeness"] == approx(3 / 4)


def test_long_values_and_padding():
    """A long value is not missing unless it is blank; a placeholder padded with blanks still is."""
    rows = frame([{"account_id": "L1", "name": "\u3000" * 30}, {"account_id": "L2", "name": "暂无" + " " * 6},
                  {"account_id": "L3", "name": "x" * 60}, {"account_id": "L4", "name": "\t不详"},
                  {"account_id": "L5", "name": "ＡＢＣ有限公司" + "\u3000"}])
    kpis = frame_kpis(rows, ACCOUNTS, "accounts")
    assert kpis["fields"]["name"]["completeness"] == approx(2 / 5)


def test_typed_store_columns(tmp_path):
    """Numbers, dates and booleans in typed columns: missing is NULL (or a placeholder written like the
    type's canonical text), ranges compare numbers."""
    rows = frame([{"account_id": "T1", "name": "甲有限公司", "employees": "0", "annual_revenue": "-5.00"},
                  {"account_id": "T2", "name": "乙有限公司", "employees": "12", "annual_revenue": "128000.00"},
                  {"account_id": "T3", "name": "丙有限公司", "employees": None, "annual_revenue": None}])
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": rows})
    with open_store(url) as store:
        kpis, _ = store_kpis(store, MODEL, "accounts")
        zero_missing, _ = store_kpis(store, MODEL, "accounts", ScanConfig(extra_placeholders=["0"]))
    assert kpis["fields"]["employees"]["completeness"] == approx(2 / 3)
    assert kpis["fields"]["annual_revenue"]["validity"] == approx(1 / 2)  # min 0
    assert zero_missing["fields"]["employees"]["completeness"] == approx(1 / 3)
    framed = frame_kpis(full_frame(rows), ACCOUNTS, "accounts")
    assert framed["fields"] == kpis["fields"]


def test_empty_object_is_vacuously_healthy():
    kpis = frame_kpis(frame([{"account_id": "x"}]).iloc[:0], ACCOUNTS, "accounts")
    assert kpis["rows"] == 0 and kpis["completeness"] == 1.0 and kpis["validity"] == 1.0
    assert kpis["consistency"] is None and kpis["health"] == 100.0
    assert kpis["fields"]["account_id"] == {"completeness": None, "validity": None, "uniqueness": None}


def test_health_weights_and_missing_kpis():
    kpis = {"completeness": 1.0, "validity": 0.5, "uniqueness": None, "duplicate_rate": 0.2, "consistency": None,
            "timeliness": None}
    assert health(kpis) == pytest.approx(100 * (0.25 + 0.25 * 0.5 + 0.15 * 0.8) / 0.65, abs=0.01)
    weights = ScanConfig.model_validate({"weights": {"completeness": 1, "validity": 0, "uniqueness": 0,
                                                     "duplicates": 0, "consistency": 0, "timeliness": 0}})
    assert health(kpis, weights) == 100.0


def test_frame_kpis_match_the_kpi_dict_contract():
    kpis = frame_kpis(accounts_rows(), ACCOUNTS, "accounts", as_of=AS_OF)
    assert {"object", "rows", "fields", "completeness", "validity", "uniqueness", "duplicate_rate", "consistency",
            "timeliness", "health"} <= set(kpis)
    assert kpis["object"] == "accounts" and isinstance(kpis["health"], float)
    assert all(set(v) == {"completeness", "validity", "uniqueness"} for v in kpis["fields"].values())
    assert BEIJING != BAD_CHECK


def test_low_cardinality_columns_take_the_exact_path_and_agree(tmp_path):
    """Columns with few distinct values (DuckDB statistics) are tested with plain expressions that DuckDB
    runs once per distinct value; the KPIs are the same as the staged tests give over a frame."""
    from crmtool.validate.scan_store import DuckDBStore

    provinces = ["广东", "北京市", " 无 ", "N/A", "\u3000", None, "上海", "广东省" + " " * 12]
    levels = ["A", "B", "E", "-", None]
    rows = frame([{"account_id": f"K{i:04d}", "name": f"第{i}号有限公司", "province": provinces[i % len(provinces)],
                   "level": levels[i % len(levels)]} for i in range(1000)])
    url = duckdb_store(tmp_path / "crm.duckdb", {"accounts": rows})
    with DuckDBStore.open(url) as store:
        assert {"province", "level"} <= store.low_cardinality("accounts", ["province", "level", "name"])
        assert "name" not in store.low_cardinality("accounts", ["name"])
        kpis, _ = store_kpis(store, MODEL, "accounts")
    framed = frame_kpis(full_frame(rows), ACCOUNTS, "accounts")
    assert kpis["fields"] == framed["fields"]
    assert kpis["fields"]["province"]["completeness"] == approx(4 / 8)  # 无, N/A, blank, NULL missing
    assert kpis["fields"]["level"]["validity"] == approx(2 / 3)  # A, B valid; E not; "-" and NULL missing
