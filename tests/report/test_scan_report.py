"""The scan report from a scan result dict and a 20-scan history whose last scan drops sharply."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
from browser_checks import external_references
from report_fixtures import EVIL, SCAN_COUNT, history_frame

from crmtool.report import write_scan_html
from crmtool.report.scan_report import render_scan_html
from crmtool.report.scan_view import Threshold, build_scan_view, threshold_for

WHEN = datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc)


def cards(view, obj):
    return {c.kpi: c for c in next(o for o in view.objects if o.object == obj).cards}


def trend_svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r'<svg class="chart trend".*?</svg>', page, re.S)]


def caption(svg: ET.Element) -> str:
    return next(t.text for t in svg.iter("text") if t.get("class") == "caption")


def test_kpi_cards_show_value_threshold_and_pass_fail(scan, history):
    view = build_scan_view(scan, history)
    accounts, contacts = cards(view, "accounts"), cards(view, "contacts")
    assert (accounts["completeness"].value, accounts["completeness"].passed) == (0.86, False)
    assert accounts["completeness"].threshold == Threshold(0.95, "min")
    assert accounts["completeness"].anomaly and not accounts["validity"].anomaly
    assert accounts["validity"].passed is True
    assert accounts["uniqueness"].passed is None and accounts["uniqueness"].threshold is None
    assert contacts["duplicate_rate"].threshold == Threshold(0.02, "max") and contacts["duplicate_rate"].passed is False
    assert accounts["duplicate_rate"].passed is True
    assert accounts["health"].passed is False and contacts["health"].passed is True
    assert "consistency" not in contacts, "a KPI the scan could not measure (None) has no card"
    assert view.health == 79.3 and view.health_threshold == Threshold(80.0, "min")


@pytest.mark.parametrize("thresholds, expected", [
    ({"completeness": 0.9}, Threshold(0.9, "min")),
    ({"completeness": {"max": 0.5}}, Threshold(0.5, "max")),
    ({"completeness": 0.9, "accounts": {"completeness": 0.8}}, Threshold(0.8, "min")),
    ({"completeness": 0.9, "objects": {"accounts": {"completeness": {"min": 0.7}}}}, Threshold(0.7, "min")),
    ({"validity": 0.9}, None),
])
def test_threshold_shapes(thresholds, expected):
    assert threshold_for(thresholds, "accounts", "completeness") == expected


def test_duplicate_rate_threshold_is_a_maximum():
    assert threshold_for({"duplicate_rate": 0.02}, "accounts", "duplicate_rate") == Threshold(0.02, "max")
    assert Threshold(0.02, "max").passes(0.01) and not Threshold(0.02, "max").passes(0.03)


def test_trends_end_with_the_current_scan_and_mark_the_anomaly(scan, history):
    page = render_scan_html(scan, history, generated_at=WHEN)
    svgs = trend_svgs(page)
    by_caption = {caption(s): s for s in svgs}
    completeness = by_caption["完整性 Completeness · 86.0%"]
    anomalies = [g for g in completeness.iter("g") if g.get("class") == "anomaly"]
    assert [g.get("data-label") for g in anomalies] == ["2026-01-20"]
    points = next(completeness.iter("polyline")).get("points").split()
    assert len(points) == SCAN_COUNT
    threshold = next(x for x in completeness.iter("line") if x.get("class") == "threshold")
    assert float(points[-1].split(",")[1]) > float(threshold.get("y1")) > float(points[0].split(",")[1])
    field = by_caption["accounts.phone · 有效性 Validity · 71.0%"]
    assert len([g for g in field.iter("g") if g.get("class") == "anomaly"]) == 1
    marked = [caption(s) for s in svgs if any(g.get("class") == "anomaly" for g in s.iter("g"))]
    assert sorted(marked) == ["accounts.phone · 有效性 Validity · 71.0%", "完整性 Completeness · 86.0%"]
    assert len(svgs) == 7 + 6 + 1, "accounts: 7 KPIs, contacts: 6 (no consistency), 1 field with an anomaly"


def test_current_scan_is_added_when_the_history_does_not_have_it(scan):
    view = build_scan_view(scan, history_frame(include_current=False))
    assert view.scans_in_history == SCAN_COUNT
    page = render_scan_html(scan, history_frame(include_current=False), generated_at=WHEN)
    assert "完整性 Completeness · 86.0%" in [caption(s) for s in trend_svgs(page)]


def test_history_rows_marked_as_anomalies_are_drawn_too(scan, history):
    history = history.assign(anomaly=(history["scan_id"] == "scan-005") & (history["kpi"] == "uniqueness")
                             & (history["field"] == "") & (history["object"] == "contacts"))
    page = render_scan_html(scan, history, generated_at=WHEN)
    uniqueness = [s for s in trend_svgs(page) if caption(s).startswith("唯一性")]
    labels = [[g.get("data-label") for g in s.iter("g") if g.get("class") == "anomaly"] for s in uniqueness]
    assert labels == [[], ["2026-01-05"]]


def test_worst_fields_lowest_first(scan, history):
    view = build_scan_view(scan, history)
    assert [(r.object, r.field) for r in view.worst_fields] == [
        ("accounts", "phone"), ("contacts", "mobile"), ("accounts", "credit_code"), ("contacts", "name"),
        ("accounts", "name")]
    assert len(view.worst_charts) == 2


def test_findings_and_new_duplicates_are_listed_and_escaped(scan, history):
    page = render_scan_html(scan, history, generated_at=WHEN)
    assert page.count('data-kind="threshold"') == 2 and page.count('data-kind="anomaly"') == 2
    assert "accounts 完整性 86.0% 低于阈值 95.0%" in page
    assert "ACC-1203 北京星河科技" in page
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert external_references(page) == []
    assert '<html lang="zh-CN">' in page and "✗ 未达标 Failed: 2 threshold(s) missed" in page


def test_scan_without_history_or_findings(scan):
    scan.update(findings=[], new_duplicates=[], status="healthy")
    page = render_scan_html(scan, None, generated_at=WHEN)
    assert "✓ 健康 Healthy" in page and "No findings" in page and "No new duplicates" in page
    assert len(trend_svgs(page)) == 13, "one point per chart: the current scan"
    page = render_scan_html({}, pd.DataFrame(), generated_at=WHEN)
    assert "No objects were scanned." in page and "No history yet" in page
    assert "the scan history lacks the column(s) scan_id, scanned_at, object, field, kpi, value" in page


def test_write_scan_html_is_atomic_and_returns_the_path(scan, history, tmp_path):
    out = tmp_path / "reports" / "scan.html"
    assert write_scan_html(scan, history, out) == out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'data-report="scan"' in text
    assert [p.name for p in out.parent.iterdir()] == ["scan.html"]


def test_the_scans_own_checks_decide_pass_and_fail(scan, history):
    """`crmtool scan` also lists every check it made (passed or not) and `fail_under`; they win."""
    scan["thresholds"]["fail_under"] = 85
    scan["checks"] = [
        {"object": "accounts", "field": None, "kpi": "validity", "value": 0.97, "threshold": 0.98, "kind": "threshold",
         "passed": False, "message": "accounts validity 97.00% is below the threshold 98.00%"},
        {"object": None, "field": None, "kpi": "health", "value": 79.3, "threshold": 85.0, "kind": "threshold",
         "passed": False, "message": "store health 79.30 is below the threshold 85.00"},
    ]
    view = build_scan_view(scan, history)
    validity = cards(view, "accounts")["validity"]
    assert (validity.threshold, validity.passed) == (Threshold(0.98, "min"), False)
    assert cards(view, "accounts")["completeness"].passed is False, "no check listed: the findings decide"
    assert view.health_threshold == Threshold(85.0, "min")
    del scan["checks"]
    assert build_scan_view(scan, history).health_threshold == Threshold(85.0, "min"), "fail_under wins"


def test_field_thresholds_missed_are_shown_with_the_object_and_the_field(scan, history):
    scan["findings"].append({"object": "contacts", "field": "mobile", "kpi": "completeness", "value": 0.74,
                             "threshold": 0.9, "kind": "threshold", "message": "contacts.mobile completeness low"})
    scan.update(new_duplicates_total=250, notes=["opportunities: not in the store, skipped"])
    scan["objects"]["accounts"]["fields"]["website"] = {"completeness": 0.0, "validity": None, "uniqueness": None}
    view = build_scan_view(scan, history)
    assert [(r.object, r.field) for r in view.worst_fields][:2] == [("contacts", "mobile"), ("accounts", "phone")]
    assert view.empty_fields == ["accounts.website"]
    (finding,) = next(o for o in view.objects if o.object == "contacts").field_findings
    assert finding["field"] == "mobile"
    mobile = next(r for r in view.worst_fields if (r.object, r.field) == ("contacts", "mobile"))
    assert mobile.failing == ["completeness"]
    page = render_scan_html(scan, history, generated_at=WHEN)
    assert 'data-field-findings="contacts"' in page and "mobile completeness 74.0% (threshold 90.0%)" in page
    assert '<tr data-field="contacts.mobile" class="fail-row">' in page
    assert "(the first 2 of 250)" in page and "opportunities: not in the store, skipped" in page
    assert "1 field(s) hold no value in any row (in the model, not used in this store): accounts.website" in page


def test_history_with_naive_timestamps_as_the_store_returns_them(scan):
    """read_history gives scanned_at as naive UTC datetimes; the current scan has an ISO string."""
    history = history_frame(include_current=False)
    history["scanned_at"] = pd.to_datetime(history["scanned_at"]).dt.tz_convert(None)
    page = render_scan_html(scan, history, generated_at=WHEN)
    completeness = next(s for s in trend_svgs(page) if caption(s) == "完整性 Completeness · 86.0%")
    assert len(next(completeness.iter("polyline")).get("points").split()) == SCAN_COUNT
    assert [g.get("data-label") for g in completeness.iter("g") if g.get("class") == "anomaly"] == ["2026-01-20"]
