"""`<script>` written by a client in a header, a sheet name or a cell reaches every HTML report crmtool
writes (the run's report.html, the scan report, the profile report) only as escaped text: the only
script elements on a page are the page's own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

SHEET = "<script>alert(1)"  # Excel refuses / in a sheet name
HEADER = "<script>alert(2)</script>手机"
VALUE = "<script>alert(3)</script>科技有限公司"
EVILS = [SHEET, HEADER, VALUE, "<script>alert("]


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(["客户编号", "客户名称", HEADER, "负责人"])
    sheet.append(["A001", VALUE, "13800138000", VALUE])
    sheet.append(["A002", "北京华信科技有限公司", "13900139000", "<img src=x onerror=alert(4)>"])
    sheet.append(["A003", "上海东方贸易有限公司", VALUE, "张三"])
    book.save(path)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    _workbook(tmp_path / "客户.xlsx")
    (tmp_path / "accounts.yaml").write_text(
        "version: 1\nobject: accounts\n"
        f"source: {{file: 客户.xlsx, sheet: {json.dumps(SHEET)}}}\n"
        "fields:\n"
        "  account_id: {from: 客户编号}\n"
        "  name: {from: 客户名称, transforms: [company_name]}\n"
        f"  phone: {{from: {json.dumps(HEADER)}, transforms: [phone]}}\n"
        "  owner: {from: 负责人}\n",
        encoding="utf-8")
    (tmp_path / "migration.yaml").write_text(
        "name: 转义\nmappings: [accounts.yaml]\ntarget: duckdb:///crm.duckdb\nrun_dir: runs\n"
        "verify:\n  engines: [sql]\n", encoding="utf-8")
    return tmp_path


def _assert_escaped(page: str, own_scripts: int) -> None:
    for evil in EVILS:
        assert evil not in page
    assert "onerror=alert(4)>" not in page
    assert len(re.findall(r"<script\b", page)) == own_scripts, "only the page's own scripts"


def _own_scripts(page: str) -> int:
    """Script elements the template itself writes: they open with `<script>` or `<script type=…>` and
    hold no client text."""
    return len(re.findall(r"<script(?: [^>]*)?>(?!alert)", page))


def test_run_report_escapes_header_sheet_and_value(cli, project):
    done = cli("run", project / "migration.yaml", "--json", "--unmasked")
    assert done.code == 0, done.stderr
    page = Path(json.loads(done.stdout)["report"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in page, "the sheet name is shown, escaped"
    assert "&lt;script&gt;alert(2)&lt;/script&gt;手机" in page, "the header is shown, escaped"
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page, "the rejected phone is shown, escaped"
    _assert_escaped(page, _own_scripts(page))


def test_scan_report_escapes_text_from_the_store(cli, project, tmp_path):
    """The scan report shows the store's name and its objects' KPIs, no cell values: the store lives in a
    folder called `<script>alert(6)` and holds the client's rows."""
    assert cli("run", project / "migration.yaml", "--json").code == 0
    folder = tmp_path / "<script>alert(6)"
    folder.mkdir()
    (project / "crm.duckdb").rename(folder / "crm.duckdb")
    out = tmp_path / "scan.html"
    done = cli("scan", "--store", f"duckdb:///{folder}/crm.duckdb", "--html", out, "--unmasked", "--no-history",
               "--json")
    assert done.code in (0, 1), done.stderr
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(6)/crm.duckdb" in page, "the store is named, escaped"
    assert "<script>alert(6)" not in page
    _assert_escaped(page, _own_scripts(page))


def test_profile_report_escapes_header_sheet_and_value(cli, project, tmp_path):
    out = tmp_path / "profile.html"
    done = cli("profile", project / "客户.xlsx", "--html", out)
    assert done.code == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;手机" in page, "the header is shown, escaped"
    assert "&lt;script&gt;alert(1)" in page, "the sheet name is shown, escaped"
    assert "&lt;img src=x onerror=alert(4)&gt;" in page, "a value is shown, escaped"
    _assert_escaped(page, _own_scripts(page))
