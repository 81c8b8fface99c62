"""Golden records: one surviving value per field per cluster, each remembering the row it came from.

Survivorship, per field: a valid value first (a valid credit code, a name with an organisation form,
a phone that parses, an address with a street part, any non-empty value for other columns), then
source priority (lower number wins), then the most recent row (`recency` column, if given), then
the most complete row, then the smallest row key (so ties are broken the same way every run).
The survivor row of a cluster (`is_survivor`) is the best row by the same order, judged on the row
as a whole (valid code, completeness).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATA_FIELDS = ("name", "credit_code", "phone", "address")


def _validity(table: pd.DataFrame, keys: pd.DataFrame, column: str) -> np.ndarray:
    present = table[column].notna().to_numpy() & (table[column].astype("string").str.strip() != "").fillna(False).to_numpy()
    if column == "credit_code":
        return present & keys["code_valid"].to_numpy()
    if column == "name":
        return present & keys["org_form"].notna().to_numpy() & keys["trade"].notna().to_numpy()
    if column == "phone":
        return present & (keys["phones"].map(len).to_numpy() > 0)
    if column == "address":
        return present & keys["address"].notna().to_numpy()
    return present


def _order_frame(table: pd.DataFrame, key: str, cluster_id: np.ndarray, *, source_priority: dict | None,
                 recency: str | None) -> pd.DataFrame:
    data = [c for c in table.columns if not c.startswith("_") and c != key]
    frame = pd.DataFrame({
        "cluster_id": cluster_id,
        "key": table[key].astype(str).to_numpy(),
        "completeness": table[data].notna().sum(axis=1).to_numpy() if data else 0,
        "priority": (table["_source"].map(source_priority).fillna(1e9).to_numpy()
                     if source_priority and "_source" in table.columns else 0.0),
        "recent": (pd.to_datetime(table[recency], errors="coerce", format="mixed").to_numpy()
                   if recency and recency in table.columns else np.datetime64("NaT")),
    })
    return frame


def survivors(table: pd.DataFrame, keys: pd.DataFrame, key: str, cluster_id: np.ndarray, *,
              source_priority: dict | None = None, recency: str | None = None) -> np.ndarray:
    """Boolean per row: the base row of its cluster's golden record."""
    frame = _order_frame(table, key, cluster_id, source_priority=source_priority, recency=recency)
    frame["valid"] = keys["code_valid"].to_numpy()
    frame["pos"] = np.arange(len(frame))
    best = frame.sort_values(["cluster_id", "valid", "priority", "recent", "completeness", "key"],
                             ascending=[True, False, True, False, False, True], na_position="last")
    first = best.drop_duplicates("cluster_id")["pos"].to_numpy()
    out = np.zeros(len(frame), dtype=bool)
    out[first] = True
    return out


def golden_records(table: pd.DataFrame, keys: pd.DataFrame, key: str, cluster_id: np.ndarray, *,
                   source_priority: dict | None = None, recency: str | None = None) -> pd.DataFrame:
    """One row per cluster: every data column's surviving value and `<column>__from` (its row key)."""
    frame = _order_frame(table, key, cluster_id, source_priority=source_priority, recency=recency)
    columns = [c for c in table.columns if not c.startswith("_") and c != key]
    result = pd.DataFrame({"cluster_id": pd.unique(frame["cluster_id"])}).sort_values("cluster_id")
    for column in columns:
        f = frame.assign(valid=_validity(table, keys, column), present=table[column].notna().to_numpy(),
                         value=table[column].to_numpy())
        f = f[f["present"]]
        best = f.sort_values(["cluster_id", "valid", "priority", "recent", "completeness", "key"],
                             ascending=[True, False, True, False, False, True], na_position="last")
        best = best.drop_duplicates("cluster_id").set_index("cluster_id")
        result[column] = result["cluster_id"].map(best["value"]).astype("string")
        result[f"{column}__from"] = result["cluster_id"].map(best["key"]).astype("string")
    return result.reset_index(drop=True)
