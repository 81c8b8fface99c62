"""The reports in a real browser (Debian chromium, headless): they render their charts and figures,
Chinese text shows, the screenshots are not blank, no script error or console message, and the run
report prints to one page per section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_checks import CHROMIUM, chromium, console_problems, external_references, hex_rgb, png_colours
from report_fixtures import build_dry_run, build_full_run, build_gate_stopped_run, history_frame, scan_dict

from crmtool.report import charts, write_run_report, write_scan_html

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)"),
]

BLUE, ORANGE, VERMILLION = hex_rgb(charts.BLUE), hex_rgb(charts.ORANGE), hex_rgb(charts.VERMILLION)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reports")
    return {
        "full": write_run_report(build_full_run(tmp / "full")),
        "dry": write_run_report(build_dry_run(tmp / "dry")),
        "gate": write_run_report(build_gate_stopped_run(tmp / "gate")),
        "scan": write_scan_html(scan_dict(), history_frame(), tmp / "scan" / "scan.html"),
    }


def dump(page: Path, tmp_path: Path) -> str:
    run = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    html_tag = re.search(r"<html[^>]*>", run.stdout).group(0)
    assert 'data-js-ready="1"' in html_tag, "the page did not finish loading its scripts"
    assert "data-js-errors" not in html_tag, html_tag
    assert console_problems(run.stderr) == []
    return run.stdout


def screenshot(page: Path, tmp_path: Path, height: int = 2400) -> dict[tuple[int, int, int], int]:
    png = tmp_path / "shot.png"
    run = chromium(tmp_path / "profile", f"--screenshot={png}", f"--window-size=1280,{height}", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_problems(run.stderr) == []
    width, got_height, colours = png_colours(png.read_bytes())
    assert (width, got_height) == (1280, height)
    assert len(colours) > 50, f"screenshot looks blank ({len(colours)} colours)"
    top = sorted(colours.values(), reverse=True)
    assert top[0] < 0.9 * width * height, "one colour covers nearly the whole screenshot"
    return colours


def charts_in(dom: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for kind in re.findall(r'<svg class="chart[^"]*" data-chart="([^"]+)"', dom):
        found[kind] = found.get(kind, 0) + 1
    return found


def kpi(dom: str, name: str) -> str:
    match = re.search(rf'data-kpi="{re.escape(name)}">([^<]*)<', dom)
    assert match, f"KPI {name} missing"
    return match.group(1).strip()


def test_run_report_renders_charts_figures_and_chinese(pages, tmp_path):
    dom = dump(pages["full"], tmp_path)
    assert charts_in(dom) == {"reconciliation": 1, "funnel": 2, "field-completeness": 2, "field-validity": 2,
                              "issues-by-rule": 1, "issues-by-column": 1, "verify": 1, "load": 1}
    funnel = re.search(r'<svg class="chart" data-chart="funnel".*?</svg>', dom, re.S).group(0)
    assert re.findall(r'data-count="(\d*)"', funnel) == ["8", "7", "5", "5", "4", "4"]
    assert [kpi(dom, k) for k in ("source_rows", "loaded", "merged", "rejected", "issues")] == ["13", "8", "2", "3", "8"]
    assert kpi(dom, "accounts.completeness.after") == "92.0%"
    assert kpi(dom, "accounts.health.before") == "68.4"
    for text in ("迁移报告", "星河集团 CRM 迁移", "客户清单.xlsx", "王经理", "签字确认 Sign-off"):
        assert text in dom
    assert len(re.findall(r"<script\b", dom)) == 2, "client data must not become a script element"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;科技有限公司" in dom
    assert external_references(pages["full"].read_text(encoding="utf-8")) == []


def test_run_report_screenshot_shows_the_coloured_charts(pages, tmp_path):
    colours = screenshot(pages["full"], tmp_path)
    assert colours.get(BLUE, 0) > 5000, "the loaded bars and funnel are not drawn"
    assert colours.get(ORANGE, 0) > 500, "the merged segment is not drawn"
    assert colours.get(VERMILLION, 0) > 500, "the rejected segment is not drawn"


def test_dry_run_report_is_labelled(pages, tmp_path):
    dom = dump(pages["dry"], tmp_path)
    assert 'data-headline="dry_run"' in dom and "试运行 DRY RUN" in dom
    assert re.search(r'<rect class="not-run"', dom), "the load step is drawn as not run"
    assert "load" not in charts_in(dom)
    assert kpi(dom, "loaded") == "8"
    assert ORANGE in screenshot(pages["dry"], tmp_path, height=900), "the dashed dry-run banner is not drawn"


def test_gate_stopped_report_says_not_run(pages, tmp_path):
    dom = dump(pages["gate"], tmp_path)
    assert 'data-headline="gate_stopped"' in dom and 'data-gate="stopped"' in dom
    assert "未运行 Not run: the quality gate failed, so nothing was loaded." in dom
    assert charts_in(dom)["funnel"] == 2 and "reconciliation" not in charts_in(dom)
    colours = screenshot(pages["gate"], tmp_path, height=900)
    assert VERMILLION in colours and BLUE in colours


def test_scan_report_renders_gauges_trends_and_anomalies(pages, tmp_path):
    dom = dump(pages["scan"], tmp_path)
    assert charts_in(dom) == {"gauge": 3, "trend": 14, "worst-completeness": 1, "worst-validity": 1}
    assert len(re.findall(r'<g class="anomaly"', dom)) == 2
    assert kpi(dom, "health") == "79.3"
    assert kpi(dom, "accounts.completeness") == "86.0%" and kpi(dom, "contacts.duplicate_rate") == "3.10%"
    assert re.search(r'data-card="accounts.completeness" data-passed="false"', dom)
    for text in ("数据健康扫描", "北京星河科技", "字段异常 Fields with anomalies"):
        assert text in dom
    assert len(re.findall(r"<script\b", dom)) == 2
    assert external_references(pages["scan"].read_text(encoding="utf-8")) == []
    colours = screenshot(pages["scan"], tmp_path)
    assert colours.get(BLUE, 0) > 2000 and colours.get(VERMILLION, 0) > 500


def test_run_report_prints_one_page_per_section(pages, tmp_path):
    pdf = tmp_path / "report.pdf"
    run = chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", pages["full"].as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages_printed = max(int(n) for n in re.findall(rb"/Count (\d+)", data))
    assert pages_printed >= 9, f"{pages_printed} pages: sections and the sign-off should each start a page"


def test_the_error_probe_catches_a_broken_script(pages, tmp_path):
    """Guards the checks above: the same page with a failing script is flagged both ways."""
    broken = tmp_path / "broken.html"
    text = pages["full"].read_text(encoding="utf-8")
    broken.write_text(text.replace("</body>", "<script>noSuchFunction();</script></body>"), encoding="utf-8")
    run = chromium(tmp_path / "profile", "--dump-dom", broken.as_uri())
    html_tag = re.search(r"<html[^>]*>", run.stdout).group(0)
    assert "noSuchFunction" in html_tag
    assert any("Uncaught" in line for line in console_problems(run.stderr))
