"""Helpers for dedupe tests: small account tables and pairwise metrics against a truth."""

from __future__ import annotations

import pandas as pd
import pytest


def accounts(rows: list[dict]) -> pd.DataFrame:
    """A table as read produces it: every cell text, missing = <NA>; `id` is the row key."""
    frame = pd.DataFrame(rows)
    for column in ("name", "credit_code", "phone", "address"):
        if column not in frame.columns:
            frame[column] = None
    return frame.astype("string")


def pairwise(truth: pd.Series, predicted: pd.Series) -> tuple[float, float]:
    """(precision, recall) of the pairs implied by two labellings of the same rows."""
    def pairs(labels: pd.Series) -> int:
        sizes = labels.value_counts()
        return int((sizes * (sizes - 1) // 2).sum())

    both = truth.astype(str) + "\x1f" + predicted.astype(str)
    tp, predicted_pairs, true_pairs = pairs(both), pairs(predicted), pairs(truth)
    return (tp / predicted_pairs if predicted_pairs else 1.0), (tp / true_pairs if true_pairs else 1.0)


@pytest.fixture
def make_accounts():
    return accounts
