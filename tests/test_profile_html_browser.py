"""The profile page in a real browser (Debian chromium, headless): it renders, the figures and charts
are in the DOM, the screenshot is not blank, and the page's script raises no errors."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from browser_checks import CHROMIUM, chromium, console_problems, png_colours

from crmtool.profile import profile_files
from crmtool.profile.html import write_html


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)",
    ),
]

ROWS = [
    ["客户名称", "手机", "邮箱", "成立日期", "备注"],
    ["北京星河科技有限公司", "13800138000", "info@xinghe.cn", "2015-03-02", ""],
    ["上海明珠贸易有限公司", "1380013800", "sales@mingzhu", "2018/7/1", "老客户"],
    ["无", "13912345678", "N/A", "", ""],
    ["深圳前海微众科技有限公司", "-", "", "2020-13-01", ""],
    ["北京星河科技有限公司", "15011112222", "hr@xinghe.cn", "2015-03-02", ""],
]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("profile-html")
    source = tmp / "客户.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(ROWS)
    report = profile_files([source])
    html = write_html(report, tmp / "profile.html", generated_at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
    return html, report


def test_dom_has_the_figures_and_charts_and_no_script_errors(page, tmp_path):
    html, report = page
    run = chromium(tmp_path / 'chromium-profile', "--dump-dom", html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    table = report.tables[0]

    assert _kpi(dom, "rows") == f"{table.rows:,}"
    assert _kpi(dom, "columns") == str(len(table.columns))
    assert _kpi(dom, "fill_rate") == f"{table.fill_rate * 100:.1f}%"
    assert _kpi(dom, "placeholder_cells") == str(table.placeholder_cells)
    assert _kpi(dom, "columns_with_invalid") == str(len(table.columns_with_invalid))

    chart = re.search(r'<svg class="chart" data-chart="overview".*?</svg>', dom, re.S)
    assert chart, "overview chart missing"
    assert chart.group(0).count('class="bar-row"') == len(table.columns)
    assert '<rect class="filled"' in chart.group(0)
    assert '<rect class="placeholder"' in chart.group(0)
    for column in table.columns:
        assert f'data-column="{column.name}"' in dom
        fill = re.search(rf'<tr data-column="{column.name}">.*?data-metric="fill">([^<]+)<', dom, re.S)
        assert fill and fill.group(1) == f"{column.fill_rate * 100:.1f}%"

    html_tag = re.search(r"<html[^>]*>", dom).group(0)
    assert 'data-js-ready="1"' in html_tag, "the page script did not run to its end"
    assert "data-js-errors" not in html_tag, html_tag
    assert console_problems(run.stderr) == []


def test_screenshot_is_not_blank(page, tmp_path):
    html, _ = page
    png = tmp_path / "profile.png"
    run = chromium(tmp_path / 'chromium-profile', f"--screenshot={png}", "--window-size=1280,2000", html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    width, height, colours = png_colours(png.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(colours) > 50, f"screenshot looks blank ({len(colours)} colours)"
    filled_green = (0x2F, 0x85, 0x5A)
    assert filled_green in colours, "the fill bars are not drawn"
    assert console_problems(run.stderr) == []


def _kpi(dom: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', dom)
    assert match, f"KPI {name} missing"
    return match.group(1).strip()


def test_the_error_probe_catches_a_broken_script(page, tmp_path):
    """Guards the check above: the same page with a failing script is flagged both ways."""
    html, _ = page
    broken = tmp_path / "broken.html"
    page_text = html.read_text(encoding="utf-8")
    broken.write_text(page_text.replace("</body>", "<script>noSuchFunction();</script></body>"), encoding="utf-8")
    run = chromium(tmp_path / 'chromium-profile', "--dump-dom", broken.as_uri())
    html_tag = re.search(r"<html[^>]*>", run.stdout).group(0)
    assert "noSuchFunction" in html_tag
    assert any("Uncaught" in line for line in console_problems(run.stderr))
