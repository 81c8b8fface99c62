"""Tables for people that survive pipes: plain text off a terminal, padded by display width, never cut."""

from __future__ import annotations

from rich.cells import cell_len

from crmtool.console import plain_table


def test_plain_tables_align_by_display_width_and_keep_every_value():
    text = plain_table("t", ["名称", "rows"], [["北京华信科技有限公司上海分公司", "1,234"], ["ab", "5"]], right=["rows"])
    title, header, *rows = text.splitlines()
    assert title == "t" and header.startswith("名称")
    assert "北京华信科技有限公司上海分公司" in rows[0]
    assert cell_len(rows[0]) == cell_len(rows[1])  # right-aligned numbers end in one column
    assert rows[1].endswith(" 5") and rows[0].endswith("1,234")


def test_the_scan_to_a_pipe_marks_failed_kpis_without_colour(capsys):
    from crmtool.validate.scan_text import render_scan

    scan = {"store": "duckdb:///crm.duckdb", "scanned_at": "2026-12-03T00:00:00+00:00", "scan_id": "s1",
            "objects": {"accounts": {"rows": 10, "health": 71.5, "completeness": 0.8, "validity": 0.99,
                                     "fields": {"credit_code_of_the_registered_office": {
                                         "completeness": 0.5, "validity": 1.0, "uniqueness": None}}}},
            "findings": [{"object": "accounts", "field": "credit_code_of_the_registered_office", "kpi": "completeness",
                          "kind": "threshold", "message": "completeness 50.0% < 90.0%"}],
            "new_duplicates": [], "status": "unhealthy", "health": 71.5}
    render_scan(scan)
    out = capsys.readouterr().out
    assert "credit_code_of_the_registered_office" in out and "completeness" in out and "uniqueness" in out
    assert "✗ 50.0%" in out and "…" not in out and "\x1b[" not in out
