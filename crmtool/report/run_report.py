"""The run report: `runs/<run-id>/report.html`, the page a consultant prints and the client signs.

`write_run_report(run_dir)` is what the pipeline calls at the end of a run; it never fails on a
missing or unreadable part of the run directory (the page says "not run" or names the part).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crmtool.report.render import render, write_page

TEMPLATE = "run_report.html.j2"
REPORT_NAME = "report.html"


def render_run_report(run_dir: str | Path, *, generated_at: datetime | None = None, masked: bool = True) -> str:
    """The page as a string; `generated_at` is injectable so tests get a stable page."""
    from crmtool.report.run_data import load_run
    from crmtool.report.run_view import build_run_view

    view = build_run_view(load_run(run_dir))
    return render(TEMPLATE, view=view, title=view.title, report_kind="run", generated_at=generated_at, masked=masked)


def write_run_report(run_dir: Path, *, masked: bool = True) -> Path:
    """Write run_dir/report.html (atomically) and return its path."""
    run_dir = Path(run_dir)
    return write_page(run_dir / REPORT_NAME, render_run_report(run_dir, masked=masked))
