"""crmtool profile: stats on constructed frames, the CLI's JSON equals the library's to_dict, HTML is self-contained."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crmtool.cli import app
from crmtool.errors import ConfigError, InputError
from crmtool.profile import ProfileReport, profile_files, profile_table
from crmtool.profile.html import render_html
from crmtool.profile.stats import column_stats, placeholder_mask

runner = CliRunner()


def _frame(columns: dict[str, list], source: str = "t.csv") -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    provenance = {
        "_row_id": [f"{source}#{i + 2}" for i in range(n)],
        "_source": [source] * n,
        "_sheet": [""] * n,
        "_row": [str(i + 2) for i in range(n)],
    }
    return pd.DataFrame({**provenance, **columns}, dtype="string")


def _column(profile, name):
    return next(c for c in profile.columns if c.name == name)


# --- stats ------------------------------------------------------------------------------------------


def test_fill_placeholder_empty_distinct_and_top_values():
    table = _frame(
        {
            "城市": ["北京", "上海", "北京", "  ", None, "无", "N/A", "北京", "上海", "深圳"],
        }
    )
    profile = profile_table(table, top=2, kinds=False)
    city = _column(profile, "城市")
    assert (city.rows, city.filled, city.placeholder, city.empty) == (10, 6, 2, 2)
    assert city.fill_rate == pytest.approx(0.6)
    assert city.placeholder_rate == pytest.approx(0.2)
    assert city.empty_rate == pytest.approx(0.2)
    assert city.distinct == 3
    assert [(v.value, v.count) for v in city.top] == [("北京", 3), ("上海", 2)]
    assert sorted((v.value, v.count) for v in city.placeholders) == [("N/A", 1), ("无", 1)]
    assert (city.min_length, city.max_length) == (2, 2)


def test_counts_add_up_to_rows():
    table = _frame({"a": ["x", None, "", " ", "-", "0000", "null", "y"]})
    a = _column(profile_table(table, kinds=False), "a")
    assert (a.filled, a.placeholder, a.empty) == (2, 3, 3)
    assert a.filled + a.placeholder + a.empty == a.rows == 8


def test_provenance_columns_are_not_profiled_and_source_comes_from_them():
    profile = profile_table(_frame({"名称": ["甲", "乙"]}, source="客户.csv"), kinds=False)
    assert [c.name for c in profile.columns] == ["名称"]
    assert profile.source == "客户.csv"
    assert profile.rows == 2


def test_ties_in_top_values_are_ordered_by_value():
    a = _column(profile_table(_frame({"a": ["b", "c", "a", "c", "b", "a"]}), top=3, kinds=False), "a")
    assert [(v.value, v.count) for v in a.top] == [("a", 2), ("b", 2), ("c", 2)]


def test_untrimmed_values_are_counted_and_kept_distinct():
    a = _column(profile_table(_frame({"a": ["ABC", "ABC ", " ABC", "XY"]}), kinds=False), "a")
    assert a.distinct == 4
    assert a.untrimmed == 2
    assert (a.min_length, a.max_length) == (2, 4)


@pytest.mark.parametrize(
    "value",
    ["无", "暂无", "N/A", "n/a", "NA", "NULL", "null", "None", "-", "--", "—", "/", "?", "？", "***", "0000",
     "00000000", "0000-00-00", " 无 ", "#N/A"],
)
def test_placeholders_are_recognised(value):
    assert bool(placeholder_mask(pd.Series([value], dtype="string")).iloc[0])


@pytest.mark.parametrize(
    "value", ["无锡市", "0", "0.00", "000", "13800138000", "-1", "Nanjing", "NAV", "a-b", "2024-01-01", "x"]
)
def test_real_values_are_not_placeholders(value):
    assert not bool(placeholder_mask(pd.Series([value], dtype="string")).iloc[0])


def test_non_text_columns_and_empty_tables():
    numbers = profile_table(pd.DataFrame({"n": [1, 2, 2, None], 7: ["a", "b", "c", "d"]}), kinds=False)
    assert [c.name for c in numbers.columns] == ["n", "7"]
    n = _column(numbers, "n")
    assert (n.filled, n.empty, n.distinct) == (3, 1, 2)
    empty = profile_table(_frame({"a": []}), kinds=False)
    a = _column(empty, "a")
    assert (a.rows, a.filled, a.fill_rate, a.min_length, a.top) == (0, 0, 0.0, None, ())
    assert empty.fill_rate == 0.0
    assert empty.source == ""


def test_table_summary():
    table = _frame({"a": ["x", "y", None, "无"], "b": [None, None, None, None]})
    profile = profile_table(table, kinds=False)
    assert profile.cells == 8
    assert profile.filled_cells == 2
    assert profile.fill_rate == pytest.approx(0.25)
    assert profile.placeholder_cells == 1
    assert profile.empty_columns == ["b"]
    summary = profile.to_dict()["summary"]
    assert summary == {
        "columns": 2,
        "cells": 8,
        "filled_cells": 2,
        "placeholder_cells": 1,
        "fill_rate": 0.25,
        "empty_columns": ["b"],
        "columns_with_invalid": [],
        "read_issues": 0,
        "read_notes": [],
    }


PLACEHOLDERS_DRAWN = ["无", "N/A", "-", "0000"]
cell = st.one_of(
    st.none(),
    st.sampled_from(["", " ", *PLACEHOLDERS_DRAWN]),
    st.text(alphabet="ab 北京1", min_size=1, max_size=4),  # cannot spell a placeholder
)


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, max_size=30), st.integers(min_value=0, max_value=6))
def test_stats_agree_with_a_plain_python_count(values, top):
    stats = column_stats(pd.Series(values, dtype="string"), top=top)
    filled = [v for v in values if v is not None and v.strip() and v not in PLACEHOLDERS_DRAWN]
    empty = [v for v in values if v is None or not v.strip()]
    assert stats.filled == len(filled)
    assert stats.empty == len(empty)
    assert stats.filled + stats.placeholder + stats.empty == len(values)
    assert stats.distinct == len(set(filled))
    expected = sorted(((v, filled.count(v)) for v in set(filled)), key=lambda vc: (-vc[1], vc[0]))[:top]
    assert [(v.value, v.count) for v in stats.top] == expected
    if filled:
        assert (stats.min_length, stats.max_length) == (min(map(len, filled)), max(map(len, filled)))


# --- kinds (crmtool.cleanse.detect) -------------------------------------------------------------------


def test_kind_and_valid_share_come_from_the_detector_without_placeholders():
    pytest.importorskip("crmtool.cleanse.detect", reason="crmtool.cleanse.detect not written yet")
    mobiles = ["13800138000", "13912345678", "15011112222", "18600001111", "1380013800", "无", "-", None]
    profile = profile_table(_frame({"手机": mobiles}))
    phone = _column(profile, "手机")
    assert phone.kind is not None
    assert phone.kind.kind == "mobile"
    assert phone.kind.valid_share == pytest.approx(4 / 5)
    assert "1380013800" in phone.kind.invalid_examples
    assert "无" not in phone.kind.invalid_examples and "-" not in phone.kind.invalid_examples
    assert profile.columns_with_invalid == ["手机"]


def test_to_dict_is_json_and_rounded():
    profile = profile_table(_frame({"a": ["x", "y", "z"]}), kinds=False)
    data = json.loads(json.dumps(profile.to_dict(), ensure_ascii=False))
    column = data["columns"][0]
    assert column["fill_rate"] == 1.0
    assert column["top"] == [{"value": "x", "count": 1}, {"value": "y", "count": 1}, {"value": "z", "count": 1}]
    assert column["kind"] is None
    third = profile_table(_frame({"a": ["x", None, None]}), kinds=False).to_dict()["columns"][0]
    assert third["fill_rate"] == 0.3333


# --- files and the command ------------------------------------------------------------------------------


ROWS = [
    ["公司名称", "手机", "邮箱", "备注"],
    ["北京星河科技有限公司", "13800138000", "info@xinghe.cn", ""],
    ["上海明珠贸易有限公司", "1380013800", "sales@mingzhu", "老客户"],
    ["无", "13912345678", "N/A", ""],
    ["北京星河科技有限公司", "-", "", ""],
]


@pytest.fixture()
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "客户.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(ROWS)
    return path


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    for row in ROWS:
        ws.append(row)
    contacts = wb.create_sheet("联系人")
    for row in [["姓名", "手机"], ["张三", "13800138000"], ["李四", "无"], ["王五", "13912345678"]]:
        contacts.append(row)
    path = tmp_path / "crm.xlsx"
    wb.save(path)
    return path


def test_profile_files_reads_with_read_table(csv_file):
    report = profile_files([csv_file], kinds=False)
    assert len(report.tables) == 1
    table = report.tables[0]
    assert table.source == "客户.csv"
    assert table.rows == 4
    assert [c.name for c in table.columns] == ROWS[0]
    company = _column(table, "公司名称")
    assert (company.filled, company.placeholder, company.empty, company.distinct) == (3, 1, 0, 2)
    assert company.top[0].value == "北京星河科技有限公司" and company.top[0].count == 2
    assert _column(table, "备注").filled == 1


def test_json_output_equals_library_to_dict(csv_file, workbook):
    result = runner.invoke(app, ["profile", str(csv_file), str(workbook), "--json", "--no-kinds", "--top", "3"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    expected = profile_files([csv_file, workbook], top=3, kinds=False).to_dict()
    assert printed == expected
    assert [t["source"] for t in printed["tables"]] == ["客户.csv", "crm.xlsx"]


def test_all_sheets_gives_one_table_per_sheet(workbook):
    result = runner.invoke(app, ["profile", str(workbook), "--all-sheets", "--json", "--no-kinds"])
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    assert [(t["sheet"], t["rows"]) for t in tables] == [("客户", 4), ("联系人", 3)]
    mobile = tables[1]["columns"][1]
    assert (mobile["name"], mobile["filled"], mobile["placeholder"]) == ("手机", 2, 1)


def test_sheet_option_picks_one_sheet(workbook):
    result = runner.invoke(app, ["profile", str(workbook), "--sheet", "联系人", "--json", "--no-kinds"])
    assert result.exit_code == 0, result.output
    assert [t["sheet"] for t in json.loads(result.stdout)["tables"]] == ["联系人"]


def test_rich_table_shows_columns_and_figures(csv_file, monkeypatch):
    from rich.console import Console

    import crmtool.console

    monkeypatch.setattr(crmtool.console, "out", Console(width=200, soft_wrap=True))
    result = runner.invoke(app, ["profile", str(csv_file), "--no-kinds"])
    assert result.exit_code == 0, result.output
    for text in ["公司名称", "手机", "邮箱", "备注", "75.0%", "+1 placeholder", "北京星河科技有限公司 ×2"]:
        assert text in result.stdout


def test_html_option_writes_a_self_contained_page(csv_file, tmp_path):
    out = tmp_path / "report" / "profile.html"
    result = runner.invoke(app, ["profile", str(csv_file), "--no-kinds", "--html", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tables"][0]["rows"] == 4
    page = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert "Noto Sans CJK SC" in page
    assert "北京星河科技有限公司" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(""", page), "page must not load anything"
    assert page.count('data-chart="overview"') == 1
    assert '<rect class="filled"' in page


def test_html_escapes_cell_values():
    table = _frame({"<b>名称</b>": ["<script>alert(1)</script>", "a&b"]})
    page = render_html(ProfileReport((profile_table(table, kinds=False),)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;名称&lt;/b&gt;" in page


def test_unreadable_file_propagates_input_error(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError):
        profile_files([missing])
    result = runner.invoke(app, ["profile", str(missing)])
    assert isinstance(result.exception, InputError)


def test_unreadable_file_exits_3_with_one_line(tmp_path, capsys):
    from crmtool.cli import main

    code = main(["profile", str(tmp_path / "nope.csv")])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err.strip().startswith("error:")
    assert len(captured.err.strip().splitlines()) == 1


def test_sheet_and_all_sheets_exclude_each_other(workbook):
    result = runner.invoke(app, ["profile", str(workbook), "--sheet", "客户", "--all-sheets"])
    assert isinstance(result.exception, ConfigError)
