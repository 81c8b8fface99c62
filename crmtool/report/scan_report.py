"""The scan report: one self-contained HTML page per `crmtool scan --html`, for the CRM admin.

`write_scan_html(scan, history, out)` takes the scan result dict exactly as `crmtool scan --format json`
prints it and the `_crm_scan_history` table as a DataFrame.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.report.render import render, write_page

if TYPE_CHECKING:
    import pandas as pd

TEMPLATE = "scan_report.html.j2"


def render_scan_html(scan: dict, history: "pd.DataFrame | None", *, generated_at: datetime | None = None,
                     masked: bool = True) -> str:
    from crmtool.report.scan_view import build_scan_view

    view = build_scan_view(scan, history)
    return render(TEMPLATE, view=view, title=view.title, report_kind="scan", generated_at=generated_at, masked=masked)


def write_scan_html(scan: dict, history: "pd.DataFrame", out: Path, *, masked: bool = True) -> Path:
    """Write the page to `out` atomically and return its path."""
    return write_page(Path(out), render_scan_html(scan, history, masked=masked))
