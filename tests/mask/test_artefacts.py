"""Artefacts meant to be sent (failures.xlsx, the review workbook, the HTML reports) hold no full ID
number or mobile unless asked for --unmasked; the reports say which it is."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from crmtool.dedupe.review import write_review_workbook
from crmtool.validate.workbook import write_failures_workbook

ID = "11010519491231002X"
MOBILE = "13812345678"


def _xlsx_text(path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))


def _failures(path, masked: bool):
    frame = pd.DataFrame({"_row_id": ["c.xlsx#s!2"], "_source": ["c.xlsx"], "_sheet": ["s"], "_row": [2],
                          "id_number": [ID], "mobile": [MOBILE], "remark": [f"ring {MOBILE}"]}, dtype="string")
    failures = pd.DataFrame({"rule_id": ["contacts.mobile.valid"], "_row_id": ["c.xlsx#s!2"],
                             "message": [f"mobile {MOBILE} of {ID} is not reachable"]})
    results = [{"rule_id": "contacts.mobile.valid", "object": "contacts", "field": "mobile", "kind": "pattern",
                "severity": "error", "status": "failed", "checked": 1, "failed": 1, "engine_counts": {"sql": 1},
                "message": "a mobile", "note": None}]
    return write_failures_workbook(path, results, failures, {"contacts": frame}, masked=masked)


def _review(path, masked: bool):
    review = pd.DataFrame({"pair_id": ["p1"], "key_a": ["A1"], "key_b": ["A2"], "score": [0.7],
                           "name_a": ["北京华信科技有限公司"], "name_b": ["华信科技"], "phone_a": [MOBILE],
                           "phone_b": [f"+86 {MOBILE}"], "credit_code_a": ["91110108MA01HX3K30"],
                           "credit_code_b": [""], "reasons": [f"法人身份证 {ID}"]})
    return write_review_workbook(review, path, masked=masked)


@pytest.mark.parametrize("write", [_failures, _review])
def test_workbooks_are_masked_unless_asked(tmp_path, write):
    masked = _xlsx_text(write(tmp_path / "masked.xlsx", True))
    assert ID not in masked and MOBILE not in masked and "138****5678" in masked
    unmasked = _xlsx_text(write(tmp_path / "unmasked.xlsx", False))
    assert ID in unmasked and MOBILE in unmasked


def test_the_review_workbook_keeps_the_keys_it_is_read_back_by(tmp_path):
    from crmtool.dedupe.review import read_review_workbook

    answers = read_review_workbook(_review(tmp_path / "review.xlsx", True))
    assert answers[["pair_id", "key_a", "key_b"]].iloc[0].tolist() == ["p1", "A1", "A2"]


def test_the_run_report_is_masked_unless_asked_and_says_which(tmp_path):
    from tests.report.report_fixtures import RUN_ID, build_full_run

    from crmtool.report.run_report import render_run_report

    run = build_full_run(tmp_path / RUN_ID)
    issues = pd.read_parquet(run / "issues.parquet")
    issues.loc[issues["original"] == "138 0013 8000", "original"] = f"{MOBILE} / {ID}"
    issues.to_parquet(run / "issues.parquet", index=False)
    unmasked = render_run_report(run, masked=False)
    assert MOBILE in unmasked and ID in unmasked and "Unmasked" in unmasked
    masked = render_run_report(run)
    assert MOBILE not in masked and ID not in masked and "13800138000" not in masked
    assert "Personal data masked" in masked


def test_the_scan_report_is_masked_unless_asked(tmp_path):
    from tests.report.report_fixtures import history_frame, scan_dict

    from crmtool.report.scan_report import render_scan_html

    scan = scan_dict()
    scan["store"] = f"duckdb:///crm_{MOBILE}.duckdb"
    assert MOBILE in render_scan_html(scan, history_frame(), masked=False)
    assert MOBILE not in render_scan_html(scan, history_frame())


def test_the_failures_workbook_masks_only_its_rows_as_the_whole_frame_would(tmp_path, monkeypatch):
    """Masking only the failing rows gives the cells that masking the whole frame gave (issue 13)."""
    import openpyxl

    from crmtool.mask import mask_table
    from crmtool.synth import generate_contacts

    contacts, _ = generate_contacts(600, seed=3)
    frame = contacts.astype("string").assign(_row_id=[f"c.csv#{i}" for i in range(len(contacts))],
                                             _source="c.csv", _sheet="", _row=[str(i) for i in range(len(contacts))])
    # a column whose kind only its content tells: the failing rows alone would not say mobile
    frame["c"] = [f"139{i:08d}" for i in range(len(frame))]
    frame.loc[frame.index[[5, 17, 300, 599]], "c"] = "100"
    failing = frame.iloc[[5, 17, 17, 300, 599]]
    failures = pd.DataFrame({"rule_id": ["contacts.mobile.valid"] * 3 + ["contacts.email.valid"] * 2,
                             "_row_id": failing["_row_id"].tolist(),
                             "message": [f"mobile {m} is wrong" for m in failing["mobile"].fillna("")]})
    results = [{"rule_id": r, "object": "contacts", "field": f, "kind": "pattern", "severity": "error",
                "status": "failed", "checked": 600, "failed": 3, "engine_counts": {"sql": 3}, "message": "m", "note": None}
               for r, f in (("contacts.mobile.valid", "mobile"), ("contacts.email.valid", "email"))]
    path = write_failures_workbook(tmp_path / "f.xlsx", results, failures, {"contacts": frame})
    whole = mask_table(frame)[0]
    book = openpyxl.load_workbook(path, read_only=True)
    for rule_id, rows in (("contacts.mobile.valid", [5, 17, 17]), ("contacts.email.valid", [300, 599])):
        sheet = next(book[n] for n in book.sheetnames if n != "summary" and rule_id.split(".")[1] in n)
        cells = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        expected = whole.iloc[rows]
        assert [c[:-1] for c in cells] == [[None if pd.isna(v) else v for v in row]
                                           for row in expected.itertuples(index=False, name=None)]
