"""Outputs appear whole or not at all."""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.atomic import atomic_path
from crmtool.tableio import write_table


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target, ".csv") as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_writer_error_leaves_no_output(tmp_path):
    frame = pd.DataFrame({"a": ["x" * 40000]})
    target = tmp_path / "out.xlsx"
    with pytest.raises(Exception):
        write_table(frame.assign(b=[object()]), target)
    assert list(tmp_path.iterdir()) == []
    write_table(pd.DataFrame({"a": ["1"]}), target)
    assert target.exists() and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
