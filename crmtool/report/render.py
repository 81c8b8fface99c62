"""The Jinja environment the reports share: autoescaping on (client data may hold `<script>`), strict
undefined (a template typo fails a test, not a page), number filters, and an atomic writer."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from crmtool.atomic import atomic_path
from crmtool.report import charts

TEMPLATE_DIR = Path(__file__).parent / "templates"

LOWER_IS_BETTER = frozenset({"duplicate_rate"})
"""KPIs where a smaller figure is the better one (a delta down is good news)."""
SCORE_KPIS = frozenset({"health"})
"""KPIs on a 0–100 scale; the others are shares in 0..1."""
KPI_ORDER = ("health", "completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness")
KPI_LABELS = {
    "health": "健康分 Health",
    "completeness": "完整性 Completeness",
    "validity": "有效性 Validity",
    "uniqueness": "唯一性 Uniqueness",
    "duplicate_rate": "重复率 Duplicate rate",
    "consistency": "一致性 Consistency",
    "timeliness": "及时性 Timeliness",
}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value) -> str:
    return "—" if missing(value) else f"{int(value):,}"


def pct(value, digits: int = 1) -> str:
    return "—" if missing(value) else f"{float(value) * 100:.{digits}f}%"


def kpi_value(value, kpi: str) -> str:
    """A KPI as people read it: health as a score, duplicate rate with two decimals, shares in percent."""
    if missing(value):
        return "—"
    if kpi in SCORE_KPIS:
        return f"{float(value):.1f}"
    return pct(value, 2 if kpi in LOWER_IS_BETTER else 1)


def kpi_delta(before, after, kpi: str) -> tuple[str, str]:
    """(text, tone) of the change: `+3.2 pp` for shares (percentage points), `+4.0` for scores;
    tone is good / bad / same taking the KPI's direction into account, or none when a side is missing."""
    if missing(before) or missing(after):
        return "—", "none"
    diff = float(after) - float(before)
    shown = diff if kpi in SCORE_KPIS else diff * 100
    unit = "" if kpi in SCORE_KPIS else " pp"
    if abs(shown) < 0.05:
        return f"±0.0{unit}", "same"
    better = diff < 0 if kpi in LOWER_IS_BETTER else diff > 0
    return f"{shown:+.1f}{unit}", "good" if better else "bad"


def timestamp(value) -> str:
    """An ISO timestamp as `2026-01-02 03:04 UTC` (minutes are enough on paper); other text as is."""
    if missing(value) or value == "":
        return "—"
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def size(value) -> str:
    if missing(value):
        return "—"
    value = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return str(value)


@lru_cache(maxsize=1)
def environment():
    from crmtool.templates import template_environment

    env = template_environment(TEMPLATE_DIR)
    env.filters.update(num=count, pct=pct, kpi=kpi_value, ts=timestamp, size=size)
    env.globals.update(kpi_delta=kpi_delta, charts=charts, missing=missing)
    return env


def render(template: str, *, masked: bool = True, **context) -> str:
    """The page; `masked` (the default: a report is meant to be sent) scrubs every ID number, phone,
    e-mail and credit code from the rendered page and says so on it (docs/mask.md)."""
    from crmtool import __version__

    generated_at = context.pop("generated_at", None) or datetime.now(timezone.utc)
    page = environment().get_template(template).render(
        version=__version__, generated=timestamp(generated_at), masked=masked, **context
    )
    if not masked:
        return page
    from crmtool.mask import scrub_text

    return scrub_text(page)


def write_page(path: Path, page: str) -> Path:
    """Write the page whole or not at all (a half-written report must never be signed)."""
    path = Path(path)
    with atomic_path(path, suffix=".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
