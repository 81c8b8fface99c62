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


def cluster(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, *, code: np.ndarray, branch: np.ndarray,
            city: np.ndarray, strong: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(component root per record, whether each pair was actually merged).

    `code` (a valid credit code), `branch` (branch tag) and `city` are integer codes per record, -1 for
    none; `strong`: the pair's code or phone agrees. A component holds at most one valid code and one
    branch tag (merges that would add a second are refused), so those are kept as one value per root;
    cities can grow past one only through strong links, so they are a value, or a set once that happens.
    """
    parent = list(range(n))
    codes, branches, cities = code.tolist(), branch.tolist(), city.tolist()
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
        return value if isinstance(value, set) else ({value} if value >= 0 else set())

    for i in order.tolist():
        ra, rb = find(a_list[i]), find(b_list[i])
        if ra == rb:
            merged[i] = True
            continue
        ca, cb = codes[ra], codes[rb]
        if (ca >= 0 and cb >= 0 and ca != cb) or branches[ra] != branches[rb]:
            continue
        ta, tb = cities[ra], cities[rb]
        joined = ta if tb == -1 or tb == ta else tb if ta == -1 else as_set(ta) | as_set(tb)
        if isinstance(joined, set) and len(joined) > 1 and not strong_list[i]:
            continue
        parent[rb] = ra
        codes[ra] = ca if ca >= 0 else cb
        cities[ra] = joined
        merged[i] = True
    return _roots(np.asarray(parent, dtype=np.int64)), merged


def _roots(parent: np.ndarray) -> np.ndarray:
    """Every record's root, by pointer jumping over the whole parent array at once."""
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


def cluster_ids(roots: np.ndarray, key_rank: np.ndarray) -> np.ndarray:
    """Per record, the position of its component's smallest row key (`key_rank`: rank of each row's key)."""
    order = np.argsort(key_rank, kind="stable")  # positions by key
    first = np.full(len(roots), -1, dtype=np.int64)
    # walk positions in key order; the first one seen for a root is its smallest key
    r = roots[order]
    _, first_idx = np.unique(r, return_index=True)
    first[r[first_idx]] = order[first_idx]
    return first[roots]
