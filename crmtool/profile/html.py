"""The profile as one self-contained HTML page a consultant can send to a client.

Everything is inline (CSS, SVG charts, a few lines of script to sort tables); no CDN, no web fonts,
so it opens offline from an e-mail attachment. The font stack lists CJK fonts so Chinese renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from crmtool.profile.model import ColumnProfile, ProfileReport

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "profile.html.j2"

CHART_LABEL_CHARS = 14
"""Column names longer than this are cut in the chart labels (the detail table shows them whole)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One stacked bar as fractions of its full width: filled, placeholder, empty (or valid, invalid)."""

    segments: tuple[tuple[str, float], ...]
    """(css class, share) pairs; shares add up to 1, or the tuple is empty when there is nothing to draw."""

    def offsets(self) -> list[tuple[str, float, float]]:
        """(css class, start, width) for each segment, in percent of the bar width."""
        start, result = 0.0, []
        for css, share in self.segments:
            width = round(share * 100, 3)
            result.append((css, round(start, 3), width))
            start += width
        return result


def fill_bar(column: ColumnProfile) -> Bar:
    if not column.rows:
        return Bar(())
    return Bar(
        (("filled", column.fill_rate), ("placeholder", column.placeholder_rate), ("empty", column.empty_rate))
    )


def valid_bar(column: ColumnProfile) -> Bar:
    if column.kind is None or not column.kind.has_rule or not column.filled:
        return Bar(())
    share = column.kind.valid_share
    return Bar((("valid", share), ("invalid", 1.0 - share)))


def chart_label(name: str) -> str:
    return name if len(name) <= CHART_LABEL_CHARS else name[: CHART_LABEL_CHARS - 1] + "…"


def render_html(report: ProfileReport, *, title: str | None = None, generated_at: datetime | None = None) -> str:
    """The page as a string. `generated_at` is injectable so tests get a stable page."""
    from crmtool import __version__
    from crmtool.templates import template_environment

    env = template_environment(TEMPLATE_DIR)
    env.globals.update(fill_bar=fill_bar, valid_bar=valid_bar, chart_label=chart_label)
    generated = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M %Z").strip()
    return env.get_template(TEMPLATE_NAME).render(
        report=report,
        title=title or default_title(report),
        generated=generated,
        version=__version__,
    )


def write_html(report: ProfileReport, path: str | Path, **options) -> Path:
    """Write the page (UTF-8) and return its path; the parent directory is created if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report, **options), encoding="utf-8")
    return target


def default_title(report: ProfileReport) -> str:
    sources = list(dict.fromkeys(t.source for t in report.tables))
    if not sources:
        return "Data profile"
    if len(sources) == 1:
        return f"Data profile: {sources[0]}"
    return f"Data profile: {sources[0]} and {len(sources) - 1} more"
