"""Golden records: one surviving value per field per cluster, each remembering the row it came from.

Survivorship, per field: a valid value first (a valid credit code, a name with an organisation form,
a phone that parses, an address with a street part, any non-empty value for other columns), then
source priority (lower number wins), then the most recent row (`recency` column, if given), then
the most complete row, then the smallest row key (so ties are broken the same way every run).
The survivor row of a cluster (`is_survivor`) is the best row by the same order, judged on the row
as a whole (valid code, completeness).

Clusters are integer labels here and row keys are ranks, so every choice is one `np.lexsort`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATA_FIELDS = ("name", "credit_code", "phone", "address")


def validity_flags(keys: pd.DataFrame) -> dict[str, np.ndarray]:
    """What makes a matching field's value valid, per row, from the record keys (see the module docstring)."""
    from crmtool.dedupe.scoring import phone_count

    return {
        "credit_code": keys["code_valid"].to_numpy(dtype=bool),
        "name": keys["org_form"].notna().to_numpy() & keys["trade"].notna().to_numpy(),
        "phone": phone_count(keys) > 0,
        "address": keys["address"].notna().to_numpy(),
    }


def _validity(table: pd.DataFrame, flags: dict[str, np.ndarray], column: str) -> np.ndarray:
    present = (table[column].astype("string").str.strip() != "").fillna(False).to_numpy(dtype=bool)
    return present & flags[column] if column in flags else present


def _data_columns(table: pd.DataFrame, key: str) -> list[str]:
    return [c for c in table.columns if not c.startswith("_") and c != key]


def _tie_breaks(table: pd.DataFrame, key_rank: np.ndarray, *, key: str, source_priority: dict | None,
                recency: str | None) -> list[np.ndarray]:
    """Sort keys after validity, most important first: priority, recency (newest first), completeness, key."""
    data = _data_columns(table, key)
    n = len(table)
    ties = []  # a key that is the same for every row orders nothing: only the ones asked for
    if source_priority and "_source" in table.columns:
        ties.append(table["_source"].map(source_priority).astype("Float64").fillna(1e9).to_numpy(dtype=float))
    if recency and recency in table.columns:
        when = pd.to_datetime(table[recency], errors="coerce", format="mixed")
        ties.append(np.where(when.isna(), np.inf, -when.to_numpy().astype("datetime64[ns]").astype(np.int64).astype(float)))
    completeness = sum((table[c].notna().to_numpy() for c in data), np.zeros(n, dtype=np.int64))
    return [*ties, -completeness, key_rank]


def _best(cluster: np.ndarray, valid: np.ndarray, ties: list[np.ndarray], rows: np.ndarray | None = None) -> np.ndarray:
    """Position of the best row per cluster (among `rows`, if given), ordered by cluster label."""
    rows = np.arange(len(cluster)) if rows is None else rows
    order = rows[np.lexsort([t[rows] for t in reversed(ties)] + [~valid[rows], cluster[rows]])]
    labels = cluster[order]
    first = np.r_[True, labels[1:] != labels[:-1]] if len(order) else np.zeros(0, dtype=bool)
    return order[first]


def survivors(table: pd.DataFrame, flags: dict[str, np.ndarray], key: str, cluster: np.ndarray, key_rank: np.ndarray, *,
              source_priority: dict | None = None, recency: str | None = None, base: str = "credit_code") -> np.ndarray:
    """Boolean per row: the base row of its cluster's golden record (`base`: the flag that ranks a row first,
    a valid credit code for companies, a full name with a mobile or e-mail for people)."""
    ties = _tie_breaks(table, key_rank, key=key, source_priority=source_priority, recency=recency)
    out = np.zeros(len(table), dtype=bool)
    out[_best(cluster, flags[base], ties)] = True
    return out


def golden_records(table: pd.DataFrame, flags: dict[str, np.ndarray], key: str, cluster: np.ndarray, key_rank: np.ndarray, *,
                   clusters: np.ndarray | None = None, source_priority: dict | None = None,
                   recency: str | None = None) -> pd.DataFrame:
    """One row per cluster, ordered by cluster_id: every data column's surviving value and `<column>__from`
    (its row key). A cluster's label is the position of the row whose key is its cluster_id;
    `clusters`: the labels wanted (default: all)."""
    ties = _tie_breaks(table, key_rank, key=key, source_priority=source_priority, recency=recency)
    labels = np.unique(cluster if clusters is None else clusters)
    labels = labels[np.argsort(key_rank[labels], kind="stable")]
    slot_of = np.full(len(table), -1, dtype=np.int64)
    slot_of[labels] = np.arange(len(labels))
    row_keys = table[key].astype("string").array
    result = pd.DataFrame({"cluster_id": row_keys.take(labels)})
    for column in _data_columns(table, key):
        rows = np.flatnonzero(table[column].notna().to_numpy() & (slot_of[cluster] >= 0))
        best = _best(cluster, _validity(table, flags, column), ties, rows)
        pick = np.full(len(labels), -1, dtype=np.int64)
        pick[slot_of[cluster[best]]] = best
        result[column] = pd.Series(table[column].array.take(pick, allow_fill=True)).astype("string")
        result[f"{column}__from"] = row_keys.take(pick, allow_fill=True)
    return result
