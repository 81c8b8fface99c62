"""The profile page in a real browser (Debian chromium, headless): it renders, the figures and charts
are in the DOM, the screenshot is not blank, and the page's script raises no errors."""

from __future__ import annotations

import csv
import re
import struct
import subprocess
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crmtool.profile import profile_files
from crmtool.profile.html import write_html

CHROMIUM = Path("/usr/bin/chromium")

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


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _console_problems(stderr: str) -> list[str]:
    """Console messages and uncaught errors chromium logged for the page (the page logs nothing itself)."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


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
    run = _chromium(tmp_path, "--dump-dom", html.as_uri())
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
    assert _console_problems(run.stderr) == []


def test_screenshot_is_not_blank(page, tmp_path):
    html, _ = page
    png = tmp_path / "profile.png"
    run = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2000", html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    width, height, colours = decode_png(png.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(colours) > 50, f"screenshot looks blank ({len(colours)} colours)"
    filled_green = (0x2F, 0x85, 0x5A)
    assert filled_green in colours, "the fill bars are not drawn"
    assert _console_problems(run.stderr) == []


def _kpi(dom: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', dom)
    assert match, f"KPI {name} missing"
    return match.group(1).strip()


def decode_png(data: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """A tiny PNG decoder (8-bit RGB/RGBA, not interlaced: what chromium writes): size and the set of RGB colours.

    Sub and Up rows are undone with numpy; Average and Paeth rows (a minority) byte by byte.
    """
    import numpy as np

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    image = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        image[y] = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, channels)
        previous = image[y]
    rgb = image.reshape(height, width, channels)[:, :, :3].astype(np.uint32)
    packed = np.unique((rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2])
    return width, height, {(int(v) >> 16, (int(v) >> 8) & 0xFF, int(v) & 0xFF) for v in packed}


def _unfilter(kind, line, prev, bpp):
    import numpy as np

    if kind == 0:
        return line
    if kind == 1:  # Sub: a running sum per channel, modulo 256
        return np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
    if kind == 2:  # Up
        return line + prev
    out, up = bytearray(line.tobytes()), prev.tobytes()
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 3:
            out[i] = (out[i] + (left + up[i]) // 2) & 0xFF
        elif kind == 4:
            corner = up[i - bpp] if i >= bpp else 0
            p = left + up[i] - corner
            pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
            out[i] = (out[i] + (left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner)) & 0xFF
        else:
            raise AssertionError(f"bad PNG filter {kind}")
    return np.frombuffer(bytes(out), dtype=np.uint8)


def test_the_error_probe_catches_a_broken_script(page, tmp_path):
    """Guards the check above: the same page with a failing script is flagged both ways."""
    html, _ = page
    broken = tmp_path / "broken.html"
    page_text = html.read_text(encoding="utf-8")
    broken.write_text(page_text.replace("</body>", "<script>noSuchFunction();</script></body>"), encoding="utf-8")
    run = _chromium(tmp_path, "--dump-dom", broken.as_uri())
    html_tag = re.search(r"<html[^>]*>", run.stdout).group(0)
    assert "noSuchFunction" in html_tag
    assert any("Uncaught" in line for line in _console_problems(run.stderr))
