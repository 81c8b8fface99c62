"""The synthetic data generator, its writers, `crmtool synth`, and the committed samples/."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmtool.canon.uscc import USCC_CHARSET, complete_uscc, is_valid_uscc
from crmtool.synth import (
    RECORD_COLUMNS,
    TRUTH_COLUMNS,
    generate_accounts,
    write_records,
    write_truth,
)
from crmtool.synth import samples as sample_script
from crmtool.synth.codes import build_codes
from crmtool.synth.regions import load_regions
from crmtool.synth.vocab import TRADITIONAL

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
FULL_TO_HALF = {i + 0xFEE0: i for i in range(0x21, 0x7F)} | {0x3000: 0x20}
BACK_TO_SIMPLIFIED = str.maketrans({v: k for k, v in TRADITIONAL.items()})


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_accounts(5000, seed=11)


@pytest.fixture(scope="module")
def joined(generated) -> pd.DataFrame:
    records, truth = generated
    return records.merge(truth, on="record_id", validate="one_to_one")


def tags(joined: pd.DataFrame, tag: str) -> pd.Series:
    return joined["mess"].str.split(";").apply(lambda t: tag in t)


def normalise_code(code: str) -> str:
    """What a cleanser does to a typed code: full-width to ASCII, no separators, upper case, O/I to 0/1."""
    text = code.translate(FULL_TO_HALF)
    return re.sub(r"[\s\-]", "", text).upper().replace("O", "0").replace("I", "1")


# --- generation ---------------------------------------------------------------------------------


def test_same_seed_same_output_and_other_seed_differs():
    a_records, a_truth = generate_accounts(1500, seed=7)
    b_records, b_truth = generate_accounts(1500, seed=7)
    pd.testing.assert_frame_equal(a_records, b_records)
    pd.testing.assert_frame_equal(a_truth, b_truth)
    c_records, _ = generate_accounts(1500, seed=8)
    assert not a_records["name"].equals(c_records["name"])


def test_shape_columns_and_counts(generated):
    records, truth = generated
    assert list(records.columns) == RECORD_COLUMNS
    assert list(truth.columns) == TRUTH_COLUMNS
    assert len(records) == len(truth) == 5000
    assert all(str(records[c].dtype) == "string" for c in records.columns)
    assert records["record_id"].is_unique
    assert (truth["role"] == "duplicate").sum() == 1500
    assert truth["entity_id"].nunique() == 3500
    # records come shuffled, not grouped by entity
    assert not truth["entity_id"].is_monotonic_increasing


def test_duplicate_share_zero_and_tiny_sizes():
    _, truth = generate_accounts(50, seed=1, duplicate_share=0.0)
    assert truth["entity_id"].is_unique and (truth["role"] == "first").all()
    empty_records, empty_truth = generate_accounts(0)
    assert len(empty_records) == len(empty_truth) == 0
    with pytest.raises(ValueError):
        generate_accounts(10, duplicate_share=1.0)


def test_truth_is_consistent(joined):
    assert joined["entity_id"].notna().all()
    per_entity = joined.groupby("entity_id")
    assert (per_entity["role"].apply(lambda r: (r == "first").sum()) == 1).all()
    assert (per_entity["canonical_name"].nunique() == 1).all()
    assert (per_entity["canonical_credit_code"].nunique() == 1).all()
    entities = joined.drop_duplicates("entity_id").set_index("entity_id")
    assert entities["canonical_name"].is_unique
    assert entities["canonical_credit_code"].is_unique
    # copies really are copies: most still carry the company's code (as typed), the rest its name or a variant of it
    dups = joined[joined["role"] == "duplicate"]
    same_code = dups["credit_code"].fillna("").map(normalise_code) == dups["canonical_credit_code"]
    assert 0.4 < same_code.mean() < 0.9
    same_name = dups["name"] == dups["canonical_name"]
    assert 0.1 < same_name.mean() < 0.5


def test_hard_negatives_are_separate_entities(joined):
    entities = joined.drop_duplicates("entity_id").set_index("entity_id")
    negatives = entities[entities["relation"].notna()]
    assert set(negatives["relation"]) == {"same_trade_other_city", "same_trade_other_industry", "branch"}
    related = entities.loc[negatives["related_entity_id"]]
    assert (negatives.index != related.index).all()
    assert (negatives["canonical_credit_code"].to_numpy() != related["canonical_credit_code"].to_numpy()).all()
    branches = negatives[negatives["relation"] == "branch"]
    heads = entities.loc[branches["related_entity_id"], "canonical_name"].to_numpy()
    assert all(b.startswith(h) and b.endswith("分公司") for b, h in zip(branches["canonical_name"], heads))
    city_of = {r.division_code: r.city for r in load_regions()}

    def cities(frame: pd.DataFrame) -> np.ndarray:
        return frame["canonical_credit_code"].str[2:8].map(city_of).to_numpy()

    other_city = negatives[negatives["relation"] == "same_trade_other_city"]
    src = entities.loc[other_city["related_entity_id"]]
    assert (cities(other_city) != cities(src)).all()
    other_industry = negatives[negatives["relation"] == "same_trade_other_industry"]
    src = entities.loc[other_industry["related_entity_id"]]
    assert (cities(other_industry) == cities(src)).all()
    assert (other_industry["canonical_name"].to_numpy() != src["canonical_name"].to_numpy()).all()
    # a branch is registered where it is, not where its head office is
    heads = entities.loc[branches["related_entity_id"]]
    assert (cities(branches) != cities(heads)).all()


def test_clean_codes_valid_and_mistyped_codes_invalid(joined):
    regions = {r.division_code for r in load_regions()}
    canonical = joined["canonical_credit_code"]
    assert canonical.map(is_valid_uscc).all()
    assert canonical.str[2:8].isin(regions).all()
    coop = joined["canonical_name"].str.endswith("专业合作社")
    assert (canonical[coop].str[:2] == "93").all() and (canonical[~coop].str[:2] == "91").all()

    has_code = joined["credit_code"].notna()
    clean = has_code & ~joined["mess"].str.contains("credit_code:")
    assert clean.sum() > 1000
    assert (joined.loc[clean, "credit_code"] == canonical[clean]).all()
    assert joined.loc[clean, "credit_code"].map(is_valid_uscc).all()

    typo = tags(joined, "credit_code:typo")
    assert typo.sum() > 20
    assert not joined.loc[typo, "credit_code"].map(lambda c: is_valid_uscc(normalise_code(c))).any()

    for kind in ("lower", "spaced", "ocr", "fullwidth"):
        rows = tags(joined, f"credit_code:{kind}")
        assert rows.sum() > 3, kind
        raw = joined.loc[rows, "credit_code"]
        assert not raw.map(is_valid_uscc).any(), kind
        assert (raw.map(normalise_code) == canonical[rows]).all(), kind
    assert joined.loc[tags(joined, "credit_code:missing"), "credit_code"].isna().all()


@settings(max_examples=200, deadline=None)
@given(
    org_type=st.sampled_from([1, 2, 3]),
    division=st.text(alphabet="0123456789", min_size=6, max_size=6),
    body=st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8),
)
def test_vectorised_codes_equal_complete_uscc(org_type, division, body):
    index = {c: i for i, c in enumerate(USCC_CHARSET)}
    built = build_codes(
        "9", np.array([org_type]), np.array([[int(d) for d in division]]), np.array([[index[c] for c in body]])
    )[0]
    assert built == complete_uscc(f"9{org_type}{division}{body}")


def test_name_mess_kinds(joined):
    for kind in ("region_moved", "form_dropped", "form_changed", "short", "typo", "spaces",
                 "halfwidth_brackets", "traditional"):
        assert tags(joined, f"name:{kind}").sum() > 5, kind
    only = joined["mess"].str.split(";").apply(lambda t: [x for x in t if x.startswith("name:")])
    moved = only.apply(lambda t: t == ["name:region_moved"])
    for name, canonical in joined.loc[moved, ["name", "canonical_name"]].itertuples(index=False):
        assert name != canonical and sorted(re.sub("[（）]", "", name)) == sorted(re.sub("[（）]", "", canonical))
    trad = only.apply(lambda t: t == ["name:traditional"])
    for name, canonical in joined.loc[trad, ["name", "canonical_name"]].itertuples(index=False):
        assert name != canonical and name.translate(BACK_TO_SIMPLIFIED) == canonical
    typo = only.apply(lambda t: t == ["name:typo"])
    for name, canonical in joined.loc[typo, ["name", "canonical_name"]].itertuples(index=False):
        assert len(name) == len(canonical) and 1 <= sum(a != b for a, b in zip(name, canonical)) <= 3
    short = only.apply(lambda t: t == ["name:short"])
    for name, canonical in joined.loc[short, ["name", "canonical_name"]].itertuples(index=False):
        assert len(name) < len(canonical) and name[:2] in canonical
    clean = only.apply(len) == 0
    assert (joined.loc[clean, "name"] == joined.loc[clean, "canonical_name"]).all()


def test_phones_dates_emails_look_real(joined):
    area_of = {r.division_code: r.area_code for r in load_regions()}
    mobile = tags(joined, "phone:mobile_float") | (~joined["mess"].str.contains("phone:") & joined["phone"].str.match(r"1\d{10}$").fillna(False))
    assert joined.loc[mobile, "phone"].str.match(r"1[3-9]\d{9}(\.0)?$").all()
    assert joined.loc[tags(joined, "phone:mobile_float"), "phone"].str.endswith(".0").all()
    plus86 = tags(joined, "phone:mobile_plus86_spaced")
    assert joined.loc[plus86, "phone"].str.match(r"\+86 1\d{2} \d{4} \d{4}$").all()
    dashed = joined["phone"].str.match(r"0\d{2,3}-\d{7,8}$").fillna(False) & ~joined["mess"].str.contains("phone:")
    area = joined.loc[dashed, "phone"].str.split("-").str[0]
    expected = joined.loc[dashed, "canonical_credit_code"].str[2:8].map(area_of)
    assert dashed.sum() > 100 and (area == expected).all()
    import phonenumbers

    untagged = joined["phone"].notna() & ~joined["mess"].str.contains("phone:")
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "CN")) for p in joined.loc[untagged, "phone"])
    prefixes = set(joined.loc[mobile, "phone"].str[:2])
    assert {"13", "15", "18", "19"} <= prefixes and "16" in prefixes | set(joined["phone"].dropna().str[:2])
    assert joined.loc[tags(joined, "created:chinese"), "created"].str.match(r"\d{4}年\d{1,2}月\d{1,2}日$").all()
    assert joined.loc[tags(joined, "created:compact"), "created"].str.match(r"\d{8}$").all()
    iso = pd.to_datetime(joined.loc[~joined["mess"].str.contains("created:"), "created"], format="%Y-%m-%d")
    assert iso.between("2008-01-01", "2028-12-31").all()
    typos = joined.loc[tags(joined, "email:domain_typo"), "email"]
    assert typos.str.contains(r"qq\.con|gmial\.com|163\.cm|\.con$").any()
    assert joined.loc[tags(joined, "address:newline"), "address"].str.contains("\n").all()


# --- writers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return generate_accounts(300, seed=5)[0]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "").astype(str)


def test_xlsx_round_trip_through_calamine(small, tmp_path):
    from python_calamine import CalamineWorkbook

    path = write_records(small, tmp_path / "accounts.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0] == RECORD_COLUMNS and len(rows) == 301
    back = pd.DataFrame(rows[1:], columns=rows[0])
    expected = _as_text(small)
    for column in RECORD_COLUMNS:
        if column == "amount":
            continue
        assert back[column].astype(str).tolist() == expected[column].tolist(), column
    plain = expected["amount"].str.fullmatch(r"\d+(\.\d+)?")
    assert plain.sum() > 50
    assert all(isinstance(v, float) for v in back.loc[plain, "amount"])
    assert np.allclose(back.loc[plain, "amount"].astype(float), expected.loc[plain, "amount"].astype(float))
    assert back.loc[~plain, "amount"].astype(str).tolist() == expected.loc[~plain, "amount"].tolist()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_round_trip_and_encoding_bytes(small, tmp_path, encoding):
    path = write_records(small, tmp_path / "accounts.csv", encoding=encoding)
    raw = path.read_bytes()
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf")
    else:
        assert not raw.startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.decode("gb18030").startswith("record_id,name")
    assert b"\r\n" in raw
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    pd.testing.assert_frame_equal(back, _as_text(small), check_dtype=False)


def test_tsv_is_excel_unicode_text(small, tmp_path):
    path = write_records(small, tmp_path / "accounts.tsv")
    raw = path.read_bytes()
    assert raw[:2] == b"\xff\xfe"
    text = raw[2:].decode("utf-16-le")
    first_line = text.split("\r\n", 1)[0]
    assert first_line.split("\t") == RECORD_COLUMNS
    back = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-16")
    pd.testing.assert_frame_equal(back, _as_text(small), check_dtype=False)


def test_parquet_and_truth_round_trip(tmp_path):
    records, truth = generate_accounts(200, seed=2)
    pd.testing.assert_frame_equal(pd.read_parquet(write_records(records, tmp_path / "a.parquet")), records, check_dtype=False)
    back = pd.read_csv(write_truth(truth, tmp_path / "truth.csv"), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, _as_text(truth), check_dtype=False)


def test_writer_rejects_unknown_format_and_encoding(small, tmp_path):
    from crmtool.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown output format"):
        write_records(small, tmp_path / "a.doc")
    with pytest.raises(ConfigError, match="encoding"):
        write_records(small, tmp_path / "a.csv", encoding="latin-1")


# --- command line -------------------------------------------------------------------------------


def test_cli_synth_writes_files(tmp_path):
    from typer.testing import CliRunner

    from crmtool.cli import app

    out, truth = tmp_path / "accounts.csv", tmp_path / "truth.csv"
    result = CliRunner().invoke(app, ["synth", "250", "--out", str(out), "--truth", str(truth), "--seed", "9",
                                      "--encoding", "gb18030", "--duplicates", "0.2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["records"] == 250 and summary["duplicates"] == 50 and summary["entities"] == 200
    records = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="gb18030")
    expected, _ = generate_accounts(250, seed=9, duplicate_share=0.2)
    pd.testing.assert_frame_equal(records, _as_text(expected), check_dtype=False)
    assert pd.read_csv(truth, dtype=str)["entity_id"].nunique() == 200

    xlsx = tmp_path / "a.xlsx"
    result = CliRunner().invoke(app, ["synth", "30", "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert xlsx.read_bytes()[:2] == b"PK"


def test_cli_synth_bad_suffix_is_a_usage_error(tmp_path):
    from crmtool.cli import main

    assert main(["synth", "10", "--out", str(tmp_path / "a.doc")]) == 2
    assert not (tmp_path / "a.doc").exists()


# --- samples ------------------------------------------------------------------------------------


def _workbook_cells(path: Path) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        sheet.title: {
            "cells": [[c.value for c in row] for row in sheet.iter_rows()],
            "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        }
        for sheet in book.worksheets
    }


def test_committed_samples_equal_what_the_script_makes(tmp_path):
    sample_script.write_samples(tmp_path)
    assert _workbook_cells(tmp_path / sample_script.WORKBOOK) == _workbook_cells(SAMPLES / sample_script.WORKBOOK)
    for name in (sample_script.ERP_CSV, sample_script.UNICODE_TXT, sample_script.TRUTH_CSV):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_sample_workbook_layout_as_documented():
    from openpyxl import load_workbook

    book = load_workbook(SAMPLES / "销售客户清单.xlsx")
    assert book.sheetnames == ["客户清单", "联系人"]
    sheet = book["客户清单"]
    assert sheet["A1"].value == "2025年度客户清单"
    assert [c.value for c in sheet[3]] == ["客户编号", "客户名称", "统一社会信用代码", "联系人", "手机", "座机", "邮箱",
                                          "地址", "首次合作日期", "销售区域", "合同金额"]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == sorted(
        ["A1:K1", "J4:J11", "J12:J20", "J21:J26", "J27:J28", "J29:J31", "J32:J33"])
    assert sheet.max_row == 34
    assert sheet["A34"].value == "合计" and sheet["K34"].value == "=SUM(K4:K33)"
    assert sheet["A4"].value == "00101" and sheet["A8"].value == 105
    phones = [sheet.cell(r, 5).value for r in range(4, 34)]
    assert sum(isinstance(p, (int, float)) for p in phones) >= 20
    assert sheet["E4"].value == 13800138000 and sheet["E4"].data_type == "n"
    assert isinstance(sheet["E7"].value, str)
    dates = [sheet.cell(r, 9).value for r in range(4, 34)]
    assert sum(hasattr(d, "year") for d in dates) == 11
    assert {"2021/3/15", "2022年7月1日", "20220701", "2023.01.05"} <= {d for d in dates if isinstance(d, str)}
    codes = [sheet.cell(r, 3).value for r in range(4, 34)]
    assert sum(1 for c in codes if c and is_valid_uscc(c)) == 19
    assert any(c and c != c.upper() for c in codes)
    contacts = book["联系人"]
    assert contacts.max_row == 21 and contacts["A1"].value == "客户名称"


def test_sample_text_files_as_documented():
    erp = (SAMPLES / "legacy_erp_export.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        erp.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        erp.decode("utf-8")
    text = erp.decode("gb18030")
    assert "䶮" in text and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["客户编码", "客户名称", "税号", "电话", "地址", "建档日期"] and len(rows) == 17
    assert any("," in v for r in rows for v in r) and any("\n" in v for r in rows for v in r)

    leads = (SAMPLES / "crm_unicode_export.txt").read_bytes()
    assert leads[:2] == b"\xff\xfe"
    body = leads[2:].decode("utf-16-le")
    assert body.count("\r\n") == 21 and "\n" not in body.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter="\t"))
    assert rows[0] == ["公司", "联系人", "手机", "邮箱", "来源", "创建时间"] and len(rows) == 21

    truth = pd.read_csv(SAMPLES / "truth.csv", dtype=str, keep_default_na=False)
    assert len(truth) == 30 + 20 + 16 + 20
    named = truth[truth["credit_code"] != ""]
    assert named["credit_code"].map(is_valid_uscc).all()


@pytest.mark.slow
def test_a_million_rows_in_reasonable_time():
    import time

    started = time.process_time()  # CPU time: stable when other jobs share the machine
    records, truth = generate_accounts(1_000_000, seed=1)
    assert len(records) == 1_000_000 and truth["entity_id"].nunique() == 700_000
    assert time.process_time() - started < 90


# --- contacts -----------------------------------------------------------------------------------------


def test_contacts_are_deterministic_with_their_truth_and_mess():
    from crmtool.synth import CONTACT_RECORD_COLUMNS, CONTACT_TRUTH_COLUMNS, generate_contacts

    records, truth = generate_contacts(3000, seed=4)
    again, _ = generate_contacts(3000, seed=4)
    pd.testing.assert_frame_equal(records, again)
    assert list(records.columns) == CONTACT_RECORD_COLUMNS and list(truth.columns) == CONTACT_TRUTH_COLUMNS
    assert (truth["record_id"] == records["record_id"]).all()
    assert (truth["role"] == "duplicate").sum() == 900
    mess = truth["mess"].str.split(";").explode()
    for tag in ("name:romanised", "name:traditional", "name:spaces", "name:surname_title", "mobile:plus86",
                "mobile:in_phone", "email:email_personal", "account:missing"):
        assert (mess == tag).any(), tag
    relations = set(truth["relation"].dropna())
    assert relations == {"same_name_other_account", "same_name_same_account"}
    negatives = truth.dropna(subset=["related_entity_id"]).drop_duplicates("entity_id")
    names = truth.drop_duplicates("entity_id").set_index("entity_id")
    assert (negatives["canonical_name"].to_numpy() == names.loc[negatives["related_entity_id"], "canonical_name"].to_numpy()).all()
    # every person keeps one account (a missing account aside)
    assert (truth.groupby("entity_id")["account_id"].nunique() == 1).all()


def test_synth_command_writes_contacts(cli, tmp_path):
    out, truth = tmp_path / "contacts.csv", tmp_path / "truth.csv"
    done = cli("synth", "500", "--kind", "contacts", "--out", out, "--truth", truth, "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "contacts"
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(frame.columns) == ["record_id", "name", "mobile", "phone", "email", "account_id", "title", "department"]
    assert cli("synth", "10", "--kind", "people", "--out", out).code == 2
