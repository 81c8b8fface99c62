"""The review workbook: uncertain pairs side by side with a 是/否 dropdown, and reading the answers back.

`write_review_workbook` writes one sheet, `review`: the pair's hidden id, both row keys, the score,
name / credit code / phone / address of both records next to each other, the reasons, and the column
`是否同一公司` with a 是/否 list validation. `apply_review` reads the filled-in workbook and stores
the answered pairs in the decisions store (decisions.py), where every later run picks them up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmtool.atomic import atomic_path
from crmtool.dedupe.decisions import NO, YES, save_decisions
from crmtool.errors import InputError

ANSWER = "是否同一公司"
PERSON_ANSWER = "是否同一人"  # the question for contacts (--object contacts); either header is read back
ANSWERS = (ANSWER, PERSON_ANSWER)
SHEET = "review"


MASKED_FIELDS = {"credit_code": "credit_code", "phone": "phone", "address": "address", "mobile": "mobile",
                 "email": "email"}
"""The review columns masked when the workbook is to be sent; names stay (a reviewer compares them) and so
do the pair's keys (the answers are read back by them)."""


def write_review_workbook(review: pd.DataFrame, path: str | Path, *, masked: bool = True, question: str = ANSWER) -> Path:
    """Write the review pairs (pipeline's `DedupeResult.review`) atomically as xlsx; `masked` (the default)
    desensitises phones, credit codes, addresses and identifiers in any other column (docs/mask.md)."""
    import xlsxwriter

    path = Path(path)
    if masked:
        from crmtool.mask import mask_table

        kinds = {f"{f}_{s}": k for f, k in MASKED_FIELDS.items() for s in "ab" if f"{f}_{s}" in review.columns}
        review = mask_table(review, kinds, detect=False, keep=("pair_id", "key_a", "key_b", "score"))[0]
    columns = list(review.columns) + [question]
    with atomic_path(path, ".xlsx") as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
        sheet = book.add_worksheet(SHEET)
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        answer = book.add_format({"bg_color": "#FFF2CC", "border": 1})
        for j, name in enumerate(columns):
            sheet.write_string(0, j, name, bold)
        for i, row in enumerate(review.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                if isinstance(value, (int, float)):
                    sheet.write_number(i, j, float(value))
                else:
                    sheet.write_string(i, j, str(value))
            sheet.write_blank(i, len(columns) - 1, None, answer)
        last = max(len(review), 1)
        sheet.data_validation(1, len(columns) - 1, last, len(columns) - 1,
                              {"validate": "list", "source": [YES, NO], "error_title": question,
                               "error_message": f"{YES} or {NO}"})
        sheet.set_column(0, 0, None, None, {"hidden": True})  # pair_id: the machine's handle on the pair
        sheet.set_column(1, 3, 10)
        sheet.set_column(4, len(columns) - 2, 28)
        sheet.set_column(len(columns) - 1, len(columns) - 1, 14)
        sheet.freeze_panes(1, 4)
        sheet.autofilter(0, 0, last, len(columns) - 1)
        book.close()
    return path


def read_review_workbook(path: str | Path) -> pd.DataFrame:
    """pair_id, key_a, key_b, decision (是/否 or empty) for every row of the review sheet."""
    import openpyxl

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is an input problem
        raise InputError(path, f"not a readable xlsx workbook ({type(exc).__name__})") from None
    try:
        if SHEET not in book.sheetnames:
            raise InputError(path, f"no '{SHEET}' sheet: not a crmtool review workbook")
        rows = list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h) if h is not None else "" for h in rows[0]] if rows else []
    question = next((a for a in ANSWERS if a in header), ANSWER)
    missing = [c for c in ("pair_id", "key_a", "key_b", question) if c not in header]
    if missing:
        raise InputError(path, f"review sheet lacks column(s) {', '.join(missing)}")
    frame = pd.DataFrame([r for r in rows[1:] if any(v is not None for v in r)], columns=header)
    answers = frame[question].astype("string").str.strip()
    answers = answers.replace({"Y": YES, "y": YES, "yes": YES, "Yes": YES, "N": NO, "n": NO, "no": NO, "No": NO})
    return pd.DataFrame({"pair_id": frame["pair_id"].astype(str), "key_a": frame["key_a"].astype(str),
                         "key_b": frame["key_b"].astype(str), "decision": answers.fillna("")})


def apply_review(path: str | Path, store: str | Path | None = None) -> dict:
    """Store the answers of a filled-in review workbook; returns counts (answered, yes, no, open, invalid)."""
    from crmtool.dedupe.decisions import DEFAULT_FILE

    path = Path(path)
    frame = read_review_workbook(path)
    store = Path(store) if store is not None else path.parent / DEFAULT_FILE
    valid = frame["decision"].isin([YES, NO])
    invalid = frame[~valid & (frame["decision"] != "")]
    stored = save_decisions(store, frame[valid], source=path.name)
    return {"workbook": str(path), "store": str(store), "pairs": len(frame), "stored": int(stored),
            "yes": int((frame["decision"] == YES).sum()), "no": int((frame["decision"] == NO).sum()),
            "open": int((frame["decision"] == "").sum()), "invalid": invalid["key_a"].str.cat(invalid["key_b"], sep="~").tolist()}
