"""Cells a spreadsheet would run (=HYPERLINK(…), +cmd|…, @SUM(…), -1+1) are neutralised in every CSV
crmtool writes and stay text (never a formula) in every xlsx it writes; numbers and phone numbers stay
as they are."""

from __future__ import annotations

import zipfile

import pandas as pd

from crmtool.tableio import write_table

RISKY = ['=HYPERLINK("http://evil/x","点我")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-1+1",
         "+1-2", "-2*3", "\t=1+1", "=1+1"]
PLAIN = ["+8613800138000", "-12.5", "+86 10 6234 5678;ext=801", "12,345.6", "0012"]


def test_csv_cells_that_would_run_are_neutralised(tmp_path):
    path = write_table(pd.DataFrame({"v": RISKY + PLAIN}, dtype="string"), tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)["v"].tolist()
    assert back[:len(RISKY)] == ["'" + v for v in RISKY]
    assert back[len(RISKY):] == PLAIN


def _formulas(path) -> list[str]:
    with zipfile.ZipFile(path) as book:
        return [n for n in book.namelist() if n.startswith("xl/worksheets/") and b"<f>" in book.read(n)]


def _xlsx_writers(tmp_path):
    from crmtool.dedupe.review import write_review_workbook
    from crmtool.validate.workbook import write_failures_workbook

    frame = pd.DataFrame({"_row_id": [f"r{i}" for i in range(len(RISKY))], "v": RISKY}, dtype="string")
    yield write_table(frame, tmp_path / "table.xlsx")
    review = pd.DataFrame({"pair_id": ["p"] * len(RISKY), "key_a": RISKY, "key_b": RISKY, "name_a": RISKY,
                           "reasons": RISKY})
    yield write_review_workbook(review, tmp_path / "review.xlsx", masked=False)
    results = [{"rule_id": "a.v.valid", "object": "a", "field": "v", "kind": "pattern", "severity": "error",
                "status": "failed", "checked": 1, "failed": 1, "engine_counts": {"sql": 1}, "message": RISKY[0],
                "note": RISKY[1]}]
    failures = pd.DataFrame({"rule_id": ["a.v.valid"] * len(RISKY), "_row_id": frame["_row_id"], "message": RISKY})
    yield write_failures_workbook(tmp_path / "failures.xlsx", results, failures, {"a": frame}, masked=False)


def test_xlsx_cells_stay_text_in_every_workbook_crmtool_writes(tmp_path):
    for path in _xlsx_writers(tmp_path):
        assert _formulas(path) == [], path.name
        with zipfile.ZipFile(path) as book:
            text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
        assert "-1+1" in text and "@SUM(1+1)" in text, path.name
