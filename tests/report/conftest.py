"""Fixtures for the report tests: run directories and scans from report_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import (RUN_ID, build_dry_run, build_full_run, build_gate_stopped_run, build_old_run,
                             history_frame, scan_dict)


@pytest.fixture
def full_run(tmp_path) -> Path:
    return build_full_run(tmp_path / RUN_ID)


@pytest.fixture
def dry_run(tmp_path) -> Path:
    return build_dry_run(tmp_path / "dry")


@pytest.fixture
def gate_run(tmp_path) -> Path:
    return build_gate_stopped_run(tmp_path / "gate")


@pytest.fixture
def old_run(tmp_path) -> Path:
    return build_old_run(tmp_path / "old")


@pytest.fixture
def scan() -> dict:
    return scan_dict()


@pytest.fixture
def history() -> pd.DataFrame:
    return history_frame()
