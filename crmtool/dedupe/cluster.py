"""Entities from match decisions: connected components that never join two different valid codes.

Matched pairs are merged strongest first (union-find). A merge that would put two different valid
credit codes, two different branch tags (or a branch and its head office), or two different name
regions (unless the linking pair's code or phone agrees) into one entity is refused. This is
"connected components, then split clusters holding two codes" done in one pass: splitting after
the fact has to guess where to cut; refusing the weakest link never does.

Cluster ids are the smallest row key in the cluster: stable across re-runs of the same data and
readable ("this row and everything merged into it").
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def cluster(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, keys: pd.DataFrame,
            strong: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(component root per record, whether each pair was actually merged). `strong`: code/phone agree.

    A component holds at most one valid code and one branch tag (merges that would add a second are
    refused), so those are kept as one value per root; cities can grow past one only through strong
    links, so they are a value, or a set once that happens.
    """
    parent = np.arange(n).tolist()
    code = keys["code"].where(keys["code_valid"]).astype(object)
    codes = code.where(code.notna(), None).tolist()
    branch = keys["branch"].astype(object)
    branches = branch.where(branch.notna(), "").tolist()
    city = keys["region"].astype(object)
    cities = city.where(city.notna(), None).tolist()
    order = np.lexsort((b, a, -weight))
    merged = np.zeros(len(a), dtype=bool)
    a_list, b_list, strong_list = a.tolist(), b.tolist(), strong.tolist()

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def as_set(value) -> set:
        return value if isinstance(value, set) else ({value} if value is not None else set())

    for i in order.tolist():
        ra, rb = find(a_list[i]), find(b_list[i])
        if ra == rb:
            merged[i] = True
            continue
        ca, cb = codes[ra], codes[rb]
        if (ca is not None and cb is not None and ca != cb) or branches[ra] != branches[rb]:
            continue
        ta, tb = cities[ra], cities[rb]
        joined = ta if tb is None or tb == ta else tb if ta is None else as_set(ta) | as_set(tb)
        if isinstance(joined, set) and len(joined) > 1 and not strong_list[i]:
            continue
        parent[rb] = ra
        codes[ra] = ca if ca is not None else cb
        cities[ra] = joined
        merged[i] = True
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    return roots, merged


def cluster_ids(roots: np.ndarray, row_keys: pd.Series) -> np.ndarray:
    """The smallest row key of each record's component."""
    frame = pd.DataFrame({"root": roots, "key": row_keys.astype(str).to_numpy()})
    return frame.groupby("root")["key"].transform("min").to_numpy()
