"""The command line as a contract: exit codes, light start, JSON output, every command documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crmtool.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "pyarrow", "duckdb", "great_expectations", "psycopg", "openpyxl", "python_calamine", "rapidfuzz", "phonenumbers")


def test_exit_codes_are_the_documented_contract():
    assert [int(c) for c in (ExitCode.OK, ExitCode.GATE_FAILED, ExitCode.USAGE, ExitCode.INPUT_UNREADABLE, ExitCode.TARGET_FAILED)] == [0, 1, 2, 3, 4]
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert re.search(rf"\|\s*{int(code)}\s*\|", doc), f"exit code {int(code)} is not in docs/cli.md"


def test_help_imports_no_heavy_package():
    code = "import sys\nfrom crmtool.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('HEAVY:' + ','.join(m for m in %r if m in sys.modules))" % (HEAVY,)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:", f"imported at start: {done.stdout}"


def test_console_script_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "crmtool", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("crmtool ")


def test_usage_errors_are_exit_2(cli):
    assert cli("read").code == 2
    assert cli("read", "x.csv", "--no-such-option").code == 2
    assert cli("no-such-command").code == 2


def _app_commands() -> list[str]:
    from crmtool.cli import app

    import typer.main

    group = typer.main.get_group(app)
    return sorted(group.commands)


def test_every_command_and_option_is_documented():
    import typer.main

    from crmtool.cli import app

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        assert f"crmtool {name}" in doc, f"`crmtool {name}` is not in docs/cli.md"
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in doc, f"{name} {option} is not in docs/cli.md"


def test_readme_mentions_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in _app_commands():
        assert f"crmtool {name}" in readme or f"`{name}`" in readme, name


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "客户.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"名称": ["甲公司", "乙公司"], "手机": [13800138000, 13900139000]}).to_excel(writer, sheet_name="客户", index=False)
        pd.DataFrame({"姓名": ["张三"], "邮箱": ["zhang@example.cn"]}).to_excel(writer, sheet_name="联系人", index=False)
    return path


def test_read_json_equals_the_library_result(workbook, cli):
    from crmtool.read import read_table

    result = cli("read", workbook, "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    library = read_table(workbook)
    assert data["results"][0]["info"]["columns"] == library.info["columns"]
    assert [r["手机"] for r in data["results"][0]["rows"]] == ["13800138000", "13900139000"]
    assert [r["_row_id"] for r in data["results"][0]["rows"]] == library.table["_row_id"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_read_out_by_suffix_keeps_text(workbook, tmp_path, cli, suffix):
    out = tmp_path / f"out{suffix}"
    assert cli("read", workbook, "--out", out).code == 0
    if suffix == ".csv":
        back = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        back = pd.read_excel(out, dtype=str, engine="openpyxl")
    else:
        back = pd.read_parquet(out)
    assert back["手机"].tolist() == ["13800138000", "13900139000"]
    assert back["_row"].astype(str).tolist() == ["2", "3"]


def test_read_all_sheets_writes_one_sheet_each(workbook, tmp_path, cli):
    out = tmp_path / "all.xlsx"
    assert cli("read", workbook, "--all-sheets", "--out", out).code == 0
    sheets = pd.read_excel(out, sheet_name=None, dtype=str, engine="openpyxl")
    assert list(sheets) == ["客户", "联系人"]
    csv_out = tmp_path / "all.csv"
    assert cli("read", workbook, "--all-sheets", "--out", csv_out).code == 0
    assert "zhang@example.cn" in (tmp_path / "all.联系人.csv").read_text(encoding="utf-8-sig")
    assert "13800138000" in (tmp_path / "all.客户.csv").read_text(encoding="utf-8-sig")


def test_formula_text_is_neutralised_in_csv_but_numbers_are_not(tmp_path, cli):
    source = tmp_path / "in.csv"
    source.write_text('名称,电话,备注\n甲,+8613800138000,"=HYPERLINK(""http://x"")"\n乙,-12.5,@SUM(A1)\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli("read", source, "--out", out).code == 0
    back = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert back["备注"].tolist() == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    assert back["电话"].tolist() == ["+8613800138000", "-12.5"]
    xlsx = tmp_path / "out.xlsx"
    assert cli("read", source, "--out", xlsx).code == 0
    import openpyxl

    cell = openpyxl.load_workbook(xlsx)["data"]["G2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s", "xlsx keeps the text, as text"


def test_read_issues_csv(tmp_path, cli):
    path = tmp_path / "x.csv"
    path.write_text("2025年客户清单\n名称,城市\n甲,北京\n合计,1\n", encoding="utf-8")
    issues = tmp_path / "issues.csv"
    assert cli("read", path, "--issues", issues).code == 0
    frame = pd.read_csv(issues, dtype=str, encoding="utf-8-sig")
    assert set(frame["rule"]) == {"read.title_row", "read.total_row"}
    assert frame["_source"].unique().tolist() == ["x.csv"]


def test_bad_out_suffix_is_usage_error_and_writes_nothing(workbook, tmp_path, cli):
    out = tmp_path / "out.json"
    result = cli("read", workbook, "--out", out)
    assert result.code == 2 and ".json" in result.stderr
    assert list(tmp_path.iterdir()) == [workbook]
