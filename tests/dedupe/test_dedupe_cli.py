"""The `crmtool dedupe` / `crmtool review apply` contract, the review round trip, incremental matching and leads."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from crmtool.canon.uscc import complete_uscc
from crmtool.exitcodes import ExitCode
from tests.dedupe.conftest import accounts

CODE_A = complete_uscc("91110108MA01AAAA")
CODE_B = complete_uscc("91440300MA02CCCC")


def _write_csv(rows: list[dict], path: Path) -> Path:
    accounts(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


ROWS = [
    {"id": "A1", "name": "北京华信科技有限公司", "credit_code": CODE_A, "phone": "13800138000", "address": "北京市海淀区中关村大街1号", "owner": "王"},
    {"id": "A2", "name": "华信（北京）科技有限公司", "credit_code": "", "phone": "+86 138 0013 8000", "address": "", "owner": "李"},
    {"id": "A3", "name": "上海华信科技有限公司", "credit_code": "", "phone": "021-55556666", "address": "", "owner": ""},
    {"id": "A4", "name": "深圳宏达电子有限公司", "credit_code": CODE_B, "phone": "", "address": "", "owner": ""},
    # one character apart, same city, nothing else to go on: the uncertain band
    {"id": "A5", "name": "深圳宏远电子有限公司", "credit_code": "", "phone": "", "address": "", "owner": ""},
]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_dedupe_writes_clusters_and_pairs_per_contract(cli, tmp_path):
    source = _write_csv(ROWS, tmp_path / "accounts.csv")
    result = cli("dedupe", source, "--key", "id", "--out", tmp_path / "clusters.csv", "--pairs", tmp_path / "pairs.csv")
    assert result.code == ExitCode.OK, result.stderr
    clusters = _read(tmp_path / "clusters.csv")
    assert list(clusters.columns) == ["id", "cluster_id", "is_survivor", "reasons"]
    assert clusters["id"].tolist() == ["A1", "A2", "A3", "A4", "A5"]
    c = dict(zip(clusters["id"], clusters["cluster_id"], strict=True))
    assert c["A1"] == c["A2"] == "A1" and c["A3"] == "A3"
    assert set(clusters["is_survivor"]) <= {"true", "false"}
    assert clusters.set_index("id").loc["A1", "is_survivor"] == "true"  # the valid code wins
    assert "phone_match" in clusters.set_index("id").loc["A2", "reasons"]
    pairs = _read(tmp_path / "pairs.csv")
    assert list(pairs.columns) == ["key_a", "key_b", "score", "decision", "reasons"]
    assert set(pairs["decision"]) <= {"match", "review", "non-match"}
    row = pairs[(pairs["key_a"] == "A1") & (pairs["key_b"] == "A2")].iloc[0]
    assert row["decision"] == "match" and float(row["score"]) > 10


def test_dedupe_json_summary_reports_blocks(cli, tmp_path):
    import json

    source = _write_csv(ROWS, tmp_path / "accounts.csv")
    result = cli("dedupe", source, "--key", "id", "--out", tmp_path / "c.csv", "--json")
    summary = json.loads(result.stdout)
    assert summary["records"] == 5 and summary["clusters"] == 4
    assert [b["rule"] for b in summary["blocks"]] == ["code", "org_code", "phone", "trade", "trade_del1"]
    assert sum(b["new_pairs"] for b in summary["blocks"]) == summary["candidate_pairs"]


def test_dedupe_errors_have_exit_codes(cli, tmp_path):
    source = _write_csv(ROWS, tmp_path / "accounts.csv")
    missing = cli("dedupe", tmp_path / "nope.csv", "--key", "id", "--out", tmp_path / "c.csv")
    assert missing.code == ExitCode.INPUT_UNREADABLE and "nope.csv" in missing.stderr
    bad_key = cli("dedupe", source, "--key", "customer_no", "--out", tmp_path / "c.csv")
    assert bad_key.code == ExitCode.USAGE and "customer_no" in bad_key.stderr
    assert not (tmp_path / "c.csv").exists()


def test_review_round_trip_decisions_are_stored_and_reused(cli, tmp_path):
    source = _write_csv(ROWS, tmp_path / "accounts.csv")
    workbook = tmp_path / "review.xlsx"
    first = cli("dedupe", source, "--key", "id", "--out", tmp_path / "clusters.csv", "--pairs", tmp_path / "pairs.csv",
                "--review", workbook)
    assert first.code == ExitCode.OK, first.stderr
    book = openpyxl.load_workbook(workbook)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["pair_id", "key_a", "key_b", "score"] and header[-1] == "是否同一公司"
    assert {"name_a", "name_b", "reasons"} <= set(header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    keys = [(r[1], r[2]) for r in rows]
    assert ("A4", "A5") in keys
    validations = sheet.data_validations.dataValidation
    assert validations and '"是,否"' in validations[0].formula1
    # the consultant answers 是 for A4~A5
    answer_col = header.index("是否同一公司") + 1
    sheet.cell(row=keys.index(("A4", "A5")) + 2, column=answer_col, value="是")
    book.save(workbook)

    applied = cli("review", "apply", workbook, "--json")
    assert applied.code == ExitCode.OK, applied.stderr
    assert '"stored": 1' in applied.stdout
    assert (tmp_path / "dedupe_decisions.duckdb").exists()

    second = cli("dedupe", source, "--key", "id", "--out", tmp_path / "clusters2.csv", "--pairs", tmp_path / "pairs2.csv",
                 "--review", tmp_path / "review2.xlsx")
    assert second.code == ExitCode.OK, second.stderr
    c = _read(tmp_path / "clusters2.csv").set_index("id")["cluster_id"]
    assert c["A4"] == c["A5"]
    pairs = _read(tmp_path / "pairs2.csv")
    row = pairs[(pairs["key_a"] == "A4") & (pairs["key_b"] == "A5")].iloc[0]
    assert row["decision"] == "match" and "rule:reviewed_yes" in row["reasons"]
    again = [(r[1], r[2]) for r in openpyxl.load_workbook(tmp_path / "review2.xlsx")["review"].iter_rows(min_row=2, values_only=True)]
    assert ("A4", "A5") not in again  # never asked twice


def test_review_no_keeps_pair_apart_and_rejects_bad_workbooks(cli, tmp_path):
    from crmtool.dedupe.decisions import (
        fingerprints,
        load_decisions,
        pair_id,
        save_decisions,
    )
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe

    table = accounts([{"id": "1", "name": "北京华信科技有限公司"}, {"id": "2", "name": "华信（北京）科技有限公司"}])
    fp = fingerprints(table)
    store = tmp_path / "d.duckdb"
    save_decisions(store, pd.DataFrame({"pair_id": pair_id(fp[:1], fp[1:]), "key_a": ["1"], "key_b": ["2"],
                                        "decision": ["否"]}))
    result = dedupe(table, "id", DedupeSettings(decisions=load_decisions(store)))
    assert result.clusters["cluster_id"].nunique() == 2
    assert "rule:reviewed_no" in result.pairs["reasons"].iloc[0]
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    bad = cli("review", "apply", tmp_path / "x.xlsx")
    assert bad.code == ExitCode.INPUT_UNREADABLE


def _store(path: Path, rows: list[dict]) -> Path:
    import duckdb

    frame = accounts(rows)
    con = duckdb.connect(str(path))
    con.register("frame", frame)
    con.execute("CREATE TABLE accounts AS SELECT * FROM frame")
    con.close()
    return path


def test_incremental_against_a_store(cli, tmp_path):
    store = _store(tmp_path / "crm.duckdb", [
        {"id": "S1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "S2", "name": "北京华信科技有限公司"},  # a duplicate already in the store: not our business here
        {"id": "S3", "name": "深圳宏达电子有限公司", "credit_code": CODE_B},
    ])
    source = _write_csv([
        {"id": "N1", "name": "華信（北京）科技有限公司", "credit_code": CODE_A.lower()},
        {"id": "N2", "name": "广州新星贸易有限公司"},
        {"id": "N3", "name": "广州新星贸易有限公司", "phone": "13900139000"},
    ], tmp_path / "new.csv")
    result = cli("dedupe", source, "--key", "id", "--out", tmp_path / "c.csv", "--pairs", tmp_path / "p.csv",
                 "--against", store)
    assert result.code == ExitCode.OK, result.stderr
    clusters = _read(tmp_path / "c.csv").set_index("id")
    assert clusters.index.tolist() == ["N1", "N2", "N3"]  # store rows are not output
    assert clusters.loc["N1", "matched_account"] in ("S1", "S2")
    assert clusters.loc["N2", "matched_account"] == "" and clusters.loc["N2", "cluster_id"] == clusters.loc["N3", "cluster_id"]
    pairs = _read(tmp_path / "p.csv")
    store_pairs = pairs["key_a"].str.startswith("S") & pairs["key_b"].str.startswith("S")
    assert not store_pairs.any()  # the store is never scored against itself
    missing = cli("dedupe", source, "--key", "id", "--out", tmp_path / "c.csv", "--against", tmp_path / "none.duckdb")
    assert missing.code == ExitCode.INPUT_UNREADABLE


def test_leads_are_matched_to_existing_accounts():
    from crmtool.dedupe.leads import match_leads

    account_table = accounts([
        {"id": "S1", "name": "北京华信科技有限公司", "credit_code": CODE_A, "phone": "010-62345678"},
        {"id": "S3", "name": "深圳宏达电子有限公司", "credit_code": CODE_B},
        {"id": "S4", "name": "上海华信科技有限公司"},
    ])
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4"],
        "company": ["华信科技（北京）有限公司", "宏達電子", "杭州未来餐饮管理有限公司", "上海华信科技"],
        "mobile": ["", "", "", ""],
        "credit_code": ["", CODE_B, "", ""],
    }).astype("string").replace("", pd.NA)
    found = match_leads(leads, "lead_id", account_table, "id").set_index("lead_key")
    assert found.loc["L1", "account_key"] == "S1" and found.loc["L1", "decision"] == "match"
    assert found.loc["L2", "account_key"] == "S3"
    assert pd.isna(found.loc["L3", "account_key"]) and found.loc["L3", "decision"] == "non-match"
    assert found.loc["L4", "account_key"] == "S4"
    assert list(found.reset_index().columns) == ["lead_key", "account_key", "score", "decision", "reasons"]


def test_golden_record_takes_valid_values_and_records_their_source():
    from crmtool.dedupe.pipeline import dedupe

    table = accounts([
        {"id": "1", "name": "华信科技", "credit_code": CODE_A[:-1] + "0" if CODE_A[-1] != "0" else CODE_A[:-1] + "1",
         "phone": "13800138000", "address": ""},
        {"id": "2", "name": "北京华信科技有限公司", "credit_code": CODE_A, "phone": "", "address": "北京市海淀区中关村大街1号"},
        {"id": "3", "name": "华信（北京）科技有限公司", "credit_code": "", "phone": "+86 138 0013 8000", "address": ""},
    ]).replace("", pd.NA)
    result = dedupe(table, "id")
    assert result.clusters["cluster_id"].nunique() == 1
    golden = result.golden.iloc[0]
    assert golden["credit_code"] == CODE_A and golden["credit_code__from"] == "2"
    assert golden["name__from"] in ("2", "3")  # a name with an organisation form beats the short form
    assert golden["phone__from"] == "1"  # equally valid phones: the more complete row wins
    assert golden["address__from"] == "2"
    assert result.clusters.set_index("id").loc["2", "is_survivor"]


LEADS = [
    {"lead_id": "L1", "company": "华信科技（北京）有限公司", "mobile": "", "credit_code": ""},
    {"lead_id": "L2", "company": "宏達電子", "mobile": "", "credit_code": CODE_B},
    {"lead_id": "L3", "company": "杭州未来餐饮管理有限公司", "mobile": "13700137000", "credit_code": ""},
]
ACCOUNTS = [
    {"account_id": "S1", "name": "北京华信科技有限公司", "credit_code": CODE_A, "phone": "010-62345678"},
    {"account_id": "S3", "name": "深圳宏达电子有限公司", "credit_code": CODE_B},
    {"account_id": "S4", "name": "上海华信科技有限公司"},
]


def _write_leads(path: Path) -> Path:
    pd.DataFrame(LEADS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_leads_mode_matches_each_lead_to_an_account_from_a_file_or_a_store(cli, tmp_path):
    import json

    leads = _write_leads(tmp_path / "leads.csv")
    account_file = _write_csv(ACCOUNTS, tmp_path / "accounts.csv")
    store = _store(tmp_path / "crm.duckdb", ACCOUNTS)
    for against in (account_file, store):
        out = tmp_path / f"matches_{against.suffix[1:]}.csv"
        result = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against", against, "--account-key", "account_id",
                     "--out", out, "--json")
        assert result.code == ExitCode.OK, result.stderr
        summary = json.loads(result.stdout)
        assert (summary["leads"], summary["matched"], summary["unmatched"]) == (3, 2, 1)
        found = _read(out)
        assert list(found.columns) == ["lead_id", "account_key", "score", "decision", "reasons"]
        found = found.set_index("lead_id")
        assert found.loc["L1", "account_key"] == "S1" and found.loc["L1", "decision"] == "match"
        assert found.loc["L2", "account_key"] == "S3" and "code_equal_valid" in found.loc["L2", "reasons"]
        assert found.loc["L3", "account_key"] == "" and found.loc["L3", "decision"] == "non-match"


def test_leads_mode_usage_errors(cli, tmp_path):
    leads = _write_leads(tmp_path / "leads.csv")
    accounts_file = _write_csv(ACCOUNTS, tmp_path / "accounts.csv")
    no_against = cli("dedupe", leads, "--leads", "--key", "lead_id", "--out", tmp_path / "m.csv")
    assert no_against.code == ExitCode.USAGE and "--against" in no_against.stderr
    bad_key = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against", accounts_file, "--out", tmp_path / "m.csv")
    assert bad_key.code == ExitCode.USAGE and "--account-key" in bad_key.stderr  # accounts have no lead_id column
    with_pairs = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against", accounts_file, "--account-key",
                     "account_id", "--out", tmp_path / "m.csv", "--pairs", tmp_path / "p.csv")
    assert with_pairs.code == ExitCode.USAGE
    without_leads = cli("dedupe", leads, "--key", "lead_id", "--account-key", "account_id", "--out", tmp_path / "m.csv")
    assert without_leads.code == ExitCode.USAGE
    missing = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against", tmp_path / "none.csv", "--out",
                  tmp_path / "m.csv")
    assert missing.code == ExitCode.INPUT_UNREADABLE
    assert not (tmp_path / "m.csv").exists()
