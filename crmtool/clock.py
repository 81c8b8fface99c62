"""Timestamps as every record of crmtool writes them: UTC, ISO 8601, to the second."""

from __future__ import annotations

import datetime as dt


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
