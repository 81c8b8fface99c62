"""The SVG chart helpers: geometry follows the data, every mark is labelled, client text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from crmtool.report import charts

EVIL = "<script>alert(1)</script>"


def parse(svg) -> ET.Element:
    """The chart must be well-formed XML (it is inline SVG in an HTML page)."""
    return ET.fromstring(str(svg))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter("rect") if r.get("class") == "bar"]


def test_hbar_widths_are_proportional_and_labelled():
    items = [charts.BarItem("phone.format", 30), charts.BarItem("credit_code.checksum", 15),
             charts.BarItem("email.invalid", 3)]
    root = parse(charts.hbar_chart(items, title="Issues by rule", kind="issues"))
    assert root.get("role") == "img" and root.get("data-chart") == "issues"
    assert root.find("title").text == "Issues by rule"
    widths = [float(b.get("width")) for b in bars(root)]
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)
    assert widths[1] == pytest.approx(5 * widths[2], rel=0.02)
    texts = [t.text for t in root.iter("text")]
    assert "phone.format" in texts and "30" in texts and "3" in texts
    assert [b.find("title").text for b in bars(root)] == ["phone.format: 30", "credit_code.checksum: 15",
                                                         "email.invalid: 3"]


def test_hbar_fixed_scale_baseline_and_missing_value():
    items = [charts.BarItem("name", 0.5, baseline=0.25), charts.BarItem("phone", None)]
    root = parse(charts.hbar_chart(items, title="t", fmt=charts.fmt_pct, max_value=1.0))
    (bar,) = bars(root)
    track = next(r for r in root.iter("rect") if r.get("class") == "track")
    assert float(bar.get("width")) == pytest.approx(float(track.get("width")) / 2, abs=0.1)
    tick = next(root.iter("line"))
    assert float(tick.get("x1")) == pytest.approx(float(track.get("x")) + float(track.get("width")) / 4, abs=0.1)
    assert tick.find("title").text == "before: 25.0%"
    assert "—" in [t.text for t in root.iter("text")]


def test_labels_are_escaped_everywhere():
    svg = str(charts.hbar_chart([charts.BarItem(EVIL, 1, note=EVIL)], title=EVIL, caption=EVIL))
    svg += str(charts.funnel_chart([charts.FunnelStep(EVIL, 3, ((EVIL, 1),))], title=EVIL))
    svg += str(charts.line_chart([charts.Point(EVIL, 0.5)], title=EVIL, threshold_label=EVIL, threshold=0.4))
    svg += str(charts.stacked_chart([(EVIL, [charts.Segment(EVIL, 2, charts.BLUE)])], title=EVIL))
    svg += str(charts.gauge(50, title=EVIL, subtitle=EVIL))
    svg += str(charts.legend([(EVIL, charts.BLUE)]))
    assert "<script" not in svg
    assert svg.count("&lt;script&gt;") >= 12


def test_funnel_bars_shrink_with_the_rows_and_drops_are_written():
    steps = [charts.FunnelStep("read", 100), charts.FunnelStep("deduplicated", 80, (("merged", 20),)),
             charts.FunnelStep("loaded", None, note="not run")]
    root = parse(charts.funnel_chart(steps, title="funnel"))
    groups = [g for g in root.iter("g") if g.get("class") == "funnel-step"]
    assert [g.get("data-count") for g in groups] == ["100", "80", ""]
    widths = [float(r.get("width")) for r in root.iter("rect") if r.get("class") == "step"]
    assert widths[1] == pytest.approx(widths[0] * 0.8, rel=0.01)
    outline = next(r for r in root.iter("rect") if r.get("class") == "not-run")
    assert outline.get("stroke-dasharray")
    texts = [t.text for t in root.iter("text")]
    assert "−20 merged" in texts and "not run" in texts and "100" in texts


def test_line_chart_marks_anomalies_and_threshold():
    points = [charts.Point(f"2026-01-{d:02d}", 0.97) for d in range(1, 20)] + [charts.Point("2026-01-20", 0.86, True)]
    root = parse(charts.line_chart(points, title="completeness", threshold=0.95, threshold_label="min",
                                   caption="完整性"))
    line = next(x for x in root.iter("line") if x.get("class") == "threshold")
    assert line.get("stroke-dasharray")
    poly = next(root.iter("polyline"))
    coords = [tuple(map(float, p.split(","))) for p in poly.get("points").split()]
    assert len(coords) == 20
    assert coords[-1][1] > float(line.get("y1")) > coords[0][1], "the drop is drawn below the threshold line"
    (anomaly,) = [g for g in root.iter("g") if g.get("class") == "anomaly"]
    assert anomaly.get("data-label") == "2026-01-20"
    assert anomaly.find("title").text == "anomaly · 2026-01-20: 86.0%"
    captions = [t.text for t in root.iter("text") if t.get("class") == "caption"]
    assert captions == ["完整性 · 86.0%"]


def test_line_chart_without_values_says_so():
    root = parse(charts.line_chart([charts.Point("a", None)], title="t"))
    assert "no history" in [t.text for t in root.iter("text")]
    assert root.find("polyline") is None


@pytest.mark.parametrize("values, bounds", [([0.5, 0.5], (0.0, 1.0)), ([], None), ([0.2, 0.9], (0.0, 1.0))])
def test_range_contains_the_values_and_never_collapses(values, bounds):
    lo, hi = charts._range(values, bounds)
    assert hi > lo
    for v in values:
        assert lo <= v <= hi


def test_gauge_colour_and_threshold_tick():
    good = parse(charts.gauge(85, title="health", threshold=80))
    bad = parse(charts.gauge(70, title="health", threshold=80))
    value = lambda root: next(p for p in root.iter("path") if p.get("class") == "gauge-value")  # noqa: E731
    assert value(good).get("stroke") == charts.GOOD
    assert value(bad).get("stroke") == charts.BAD
    assert any(x.get("class") == "gauge-threshold" for x in good.iter("line"))
    assert "85.0" in [t.text for t in good.iter("text")]
    assert "—" in [t.text for t in parse(charts.gauge(None, title="h")).iter("text")]


def test_stacked_segments_share_the_track():
    root = parse(charts.stacked_chart([("accounts", [charts.Segment("loaded", 6, charts.BLUE),
                                                     charts.Segment("merged", 2, charts.ORANGE),
                                                     charts.Segment("rejected", 0, charts.VERMILLION)])],
                                      title="t"))
    segments = [r for r in root.iter("rect") if r.get("class") == "segment"]
    assert [s.get("data-segment") for s in segments] == ["loaded", "merged"]
    assert float(segments[0].get("width")) == pytest.approx(3 * float(segments[1].get("width")), rel=0.01)
    assert "8" in [t.text for t in root.iter("text")]


def test_palette_is_okabe_ito():
    assert set(charts.PALETTE) == {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442"}
    assert re.fullmatch(r"#[0-9A-F]{6}", charts.GOOD)
