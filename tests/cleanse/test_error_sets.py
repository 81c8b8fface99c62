"""Cleansing scored on cells with known errors (crmtool.synth.errors) and on the hand-written fixture:
every error fixed or flagged, none passed as clean, clean cells left alone; per class, so that one
broken class fails here even when the totals still hold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmtool.cleanse.score import cells_from_table, cleanse_cells, score_cells, score_table, totals
from crmtool.cleanse.stage import cleanse_column, cleanse_table
from crmtool.synth.errors import COLUMNS, error_classes, generate_error_set, kinds

FIXTURE = Path(__file__).parent / "data" / "error_cells_handwritten.csv"


@pytest.fixture(scope="module")
def scored():
    records, truth = generate_error_set(1500, seed=11)
    records["_row_id"] = pd.array([f"r{i}" for i in range(len(records))], dtype="string")
    table, issues = cleanse_table(records, kinds())
    return score_table(table, truth), truth, table, issues


def test_totals_meet_the_targets(scored):
    result = totals(scored[0])
    assert result.fixed_or_flagged >= 0.99
    assert result.fixable_fixed >= 0.97
    assert result.passed_as_clean <= 0.01
    assert result.false_alarms <= 0.001
    assert result.change_right >= 0.99


def test_every_class_is_planted_and_held(scored):
    per_class = scored[0]
    dirty = per_class[per_class["outcome"] != "clean"]
    assert set(dirty["error_class"]) == {c.name for c in error_classes()}
    handled = (dirty["fixed"] + dirty["flagged"]) / dirty["n"]
    weak = dirty.loc[handled < 0.95, ["error_class", "n", "fixed", "flagged", "wrong"]]
    assert weak.empty, weak.to_string()
    fixable = dirty[dirty["outcome"] == "fix"]
    unfixed = fixable.loc[fixable["fixed"] < 0.95 * fixable["n"], ["error_class", "n", "fixed", "flagged"]]
    assert unfixed.empty, unfixed.to_string()


def test_clean_cells_of_every_kind_pass_unchanged(scored):
    clean = scored[0][scored[0]["outcome"] == "clean"]
    assert set(clean["kind"]) == set(COLUMNS)
    assert (clean["false_alarm"] <= 0.002 * clean["n"]).all(), clean.to_string()


def test_every_invalid_cell_has_an_error_issue_naming_it(scored):
    _, truth, table, issues = scored
    for column in COLUMNS.values():
        invalid = set(table.loc[table[f"{column}__status"] == "invalid", "_row_id"])
        errors = issues[(issues["column"] == column) & (issues["severity"] == "error")]
        assert invalid and invalid <= set(errors["_row_id"]), column
        assert errors["message"].str.len().min() > 10 and errors["rule"].str.contains(".", regex=False).all()


def test_the_handwritten_fixture():
    cells = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    cells["error_class"] = cells["kind"] + ": " + cells["what"]
    cells["expected"] = cells["expected"].where(cells["outcome"] != "flag", None)
    cells["change"] = ""
    per_class = score_cells(cells, *cleanse_cells(cells))
    result = totals(per_class)
    bad = per_class[(per_class["wrong"] > 0) | (per_class["false_alarm"] > 0)]
    assert bad.empty, bad.to_string()
    assert result.errors >= 100 and result.clean >= 15


def test_generation_is_deterministic_and_the_expected_values_are_right():
    from stdnum.cn import ric, uscc

    a, truth = generate_error_set(300, seed=5)
    b, _ = generate_error_set(300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert (truth["outcome"] == "clean").mean() == pytest.approx(0.4, abs=0.05)
    fixes = truth[truth["outcome"] != "flag"]
    assert fixes["expected"].notna().all() and truth.loc[truth["outcome"] == "flag", "expected"].isna().all()
    # the generator's own check arithmetic, held to python-stdnum's
    assert all(uscc.is_valid(c) for c in fixes.loc[fixes["kind"] == "credit_code", "expected"])
    ids = fixes.loc[fixes["kind"] == "id_number", "expected"]
    assert all(ric.calc_check_digit(n) == n[-1] for n in ids)


def test_the_scorer_counts_a_wrong_pass_and_a_false_alarm():
    truth = pd.DataFrame({
        "row": [0, 1, 2, 3, 4], "column": ["c"] * 5, "kind": ["mobile"] * 5,
        "cell": ["138", "1.38E+10", "x", "13800138000", "13800138000"],
        "error_class": ["a", "b", "b", "", ""], "outcome": ["fix", "flag", "flag", "clean", "clean"],
        "expected": ["+86138", None, None, "+8613800138000", "+8613800138000"], "change": ["notation", "", "", "", ""],
    })
    status = pd.Series(["fixed", "fixed", "invalid", "ok", "invalid"])
    clean = pd.Series(["+86138", "+8613800000000", None, "+8613800138000", None])
    per_class = score_cells(truth, status, clean, pd.Series(["notation", "content", None, "none", None]))
    rows = per_class.set_index("error_class")
    assert rows.loc["a", ["fixed", "wrong", "change_right"]].tolist() == [1, 0, 1]
    assert rows.loc["b", ["flagged", "wrong"]].tolist() == [1, 1]
    assert rows.loc["(clean)", "false_alarm"] == 1
    result = totals(per_class)
    assert (result.fixed_or_flagged, result.passed_as_clean, result.false_alarms) == (2 / 3, 1 / 3, 0.5)


@pytest.mark.parametrize("kind,value,change", [
    ("mobile", "138 0013 8000", "notation"), ("mobile", "+86 138-0013-8000", "notation"),
    ("mobile", "138OO138OOO", "content"), ("landline", "(010)62345678", "notation"),
    ("credit_code", "9131000013221158xc", "notation"), ("credit_code", "9131OOOO13221158XC", "content"),
    ("email", "Li@QQ.COM", "notation"), ("email", "li@qq.con", "content"),
    ("company_name", "深圳市騰訊計算機系統有限公司", "content"), ("company_name", "腾讯科技(深圳)有限公司", "notation"),
    ("address", "浙江省寧波市鄞州區勝利路334號", "content"), ("address", "浙江省 宁波市 鄞州区胜利路334号", "notation"),
    ("person_name", "陳穎", "content"), ("person_name", "张伟经理", "content"), ("person_name", "张 伟", "notation"),
    ("date", "2023/1/5", "notation"), ("date", "44931", "content"), ("amount", "¥1,000", "notation"),
    ("id_number", "11010519491231002x", "notation"), ("id_number", "110105491231002", "content"),
    ("email", "li@qq.com", "none"),
])
def test_change_tells_notation_from_content(kind, value, change):
    result = cleanse_column(pd.DataFrame({"c": pd.array([value], dtype="string")}), "c", kind)
    assert result.status.iloc[0] in (("ok",) if change == "none" else ("fixed",))
    assert result.change.iloc[0] == change


def test_change_is_a_column_beside_the_unchanged_statuses():
    table = pd.DataFrame({"手机": pd.array(["13800138000", "138 0013 8000", "bad", None], dtype="string")})
    out, _ = cleanse_table(table, {"手机": "mobile"})
    assert out["手机__status"].tolist() == ["fixed", "fixed", "invalid", "empty"]
    assert out["手机__change"].tolist()[:2] == ["notation", "notation"]
    assert out["手机__change"].isna().tolist()[2:] == [True, True]
    assert cells_from_table(out.assign(), pd.DataFrame({"row": [0], "column": ["手机"]}))[2].tolist() == ["notation"]
