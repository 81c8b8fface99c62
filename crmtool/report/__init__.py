"""Reports people can look at: the run report a client signs and the scan report a CRM admin reads.

Both are single self-contained HTML pages (inline CSS and SVG charts, no network). Reading the inputs
(run_data.py), computing the figures (run_view.py, scan_view.py), drawing (charts.py) and rendering
(render.py + templates/) are separate, so each can be tested alone. See docs/reports.md.
"""

from crmtool.report.run_report import write_run_report
from crmtool.report.scan_report import write_scan_html

__all__ = ["write_run_report", "write_scan_html"]
