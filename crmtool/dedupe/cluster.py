"""Entities from match decisions: connected components that never join contradicting records.

Matched pairs are merged strongest first (union-find). A merge joins two whole entities, so it must
agree with both entities, not only with the two records of the linking pair. It is refused when the
entity would hold
- two different valid credit codes,
- two different branch tags (or a branch and its head office),
- without a code or phone agreement on the linking pair, two of any of: name regions, places (where
  the records' addresses or area codes say they are, else their name's region), mobiles;
- for people (the contact set): two accounts; without a mobile or e-mail agreement on the linking
  pair, two mobiles or two work (company-domain) e-mail addresses.

So one wrong link cannot pull a second entity in (a chain 博启（成都） – 博启 – 博信（成都）, whose two
ends have their own mobiles, stops at the link that would join them). This is "connected
components, then split clusters holding two codes or two regions" done in one pass: splitting after
the fact has to guess where to cut; refusing the weakest link never does. Each refused pair says
which of these it would have broken (`REFUSALS`).

Only a connected component of the matched pairs whose records hold two values of one of these
attributes can refuse a link; every other component is one entity whatever the order. So the
components are found with numpy first, and the merge loop (Python, a few microseconds a pair) runs
only over the pairs of the contradicting components: 1.5% of the half million matched pairs of the
million-record hard set.

Cluster ids are the smallest row key in the cluster: stable across re-runs of the same data and
readable ("this row and everything merged into it").
"""

from __future__ import annotations

import numpy as np

SOFT = ("name_region", "place", "mobile", "work_email")  # may grow past one value only through a strong link
SINGLE = ("valid_code", "account")  # an entity holds at most one (a record without one joins any)
EXACT = ("branch",)  # every record of an entity has the same (a head office's "none" included)
REFUSALS = ("", "valid_code", "branch", "name_region", "place", "mobile", "account", "work_email")
"""Why a matched pair was not merged (0: it was); codes are stable (company results name the first five)."""


def cluster(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, *, strong: np.ndarray,
            soft: dict[str, np.ndarray], code: np.ndarray | None = None, branch: np.ndarray | None = None,
            single: dict[str, np.ndarray] | None = None, exact: dict[str, np.ndarray] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """(component root per record, refusal code per pair: 0 merged (or already one entity), else an
    index into REFUSALS).

    Every attribute is an integer code per record, -1 for none. `single` (SINGLE names: a valid credit
    code, an account) holds one value per entity, `exact` (EXACT: a branch tag) one value that all its
    records share; `code` and `branch` are the company set's single valid_code and exact branch. `soft`
    (SOFT names) holds a value, or a set once a strong link (`strong`: the pair's code or phone, or for
    people its mobile or e-mail, agrees) joined two.
    """
    single = dict(single or {})
    exact = dict(exact or {})
    if code is not None:
        single["valid_code"] = code
    if branch is not None:
        exact["branch"] = branch
    soft = {name: soft[name] for name in SOFT if name in soft}
    component = components(n, a, b)
    # Only components holding two values of an attribute can refuse a merge; in the others every link
    # merges, so their entities are the components. The merge loop runs on the rest, in the same order,
    # with the same outcome: components do not touch each other.
    ask = np.flatnonzero(_contradicting(component, a, b, single, exact, soft)[component[a]])
    nodes, ends = np.unique(np.concatenate([a[ask], b[ask]]), return_inverse=True)  # those records, numbered 0…
    ends = ends.reshape(-1)

    def sub(attrs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: v[nodes] for k, v in attrs.items()}

    roots, refused = _merge(len(nodes), ends[:len(ask)], ends[len(ask):], weight[ask], strong=strong[ask],
                            single=sub(single), exact=sub(exact), soft=sub(soft))
    out = np.zeros(len(a), dtype=np.int8)
    out[ask] = refused
    component[nodes] = nodes[roots]
    return component, out


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per record, the smallest record of its connected component in the graph of pairs (a[i], b[i]):
    every link hooks the larger root under the smaller, then pointer jumping, until no link joins two
    roots."""
    label = np.arange(n, dtype=np.int64)
    while len(a):
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            break
        a, b, la, lb = a[differ], b[differ], la[differ], lb[differ]
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        label = _roots(label)
    return label


def _contradicting(component: np.ndarray, a: np.ndarray, b: np.ndarray, single: dict[str, np.ndarray],
                   exact: dict[str, np.ndarray], soft: dict[str, np.ndarray]) -> np.ndarray:
    """Per component label, whether its records hold two values of an attribute (for an `exact` one,
    none counts as a value): the smallest and the largest value differ."""
    linked = np.zeros(len(component), dtype=bool)
    linked[a] = linked[b] = True
    members = np.flatnonzero(linked)
    members = members[np.argsort(component[members], kind="stable")]
    label = component[members]
    starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]]) if len(label) else np.zeros(0, dtype=np.int64)
    out = np.zeros(len(component), dtype=bool)
    if not len(starts):
        return out
    big = np.iinfo(np.int64).max
    checks = [(v, False) for v in single.values()] + [(v, True) for v in exact.values()] + \
             [(v, False) for v in soft.values()]
    for values, none_counts in checks:
        v = values[members].astype(np.int64)
        low = v if none_counts else np.where(v >= 0, v, big)
        high = v if none_counts else np.where(v >= 0, v, -1)
        lows, highs = np.minimum.reduceat(low, starts), np.maximum.reduceat(high, starts)
        out[label[starts]] |= (lows < highs)
    return out


def _merge(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, *, strong: np.ndarray,
           single: dict[str, np.ndarray], exact: dict[str, np.ndarray], soft: dict[str, np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray]:
    """The merge loop (see `cluster`) over the pairs given, strongest first."""
    parent = list(range(n))
    singles = [(REFUSALS.index(k), v.tolist()) for k, v in single.items()]
    exacts = [(REFUSALS.index(k), v.tolist()) for k, v in exact.items()]
    soft_codes = [REFUSALS.index(name) for name in soft]
    values = [v.tolist() for v in soft.values()]
    order = np.lexsort((b, a, -weight))
    refused = np.zeros(len(a), dtype=np.int8)
    # the finds are written out (no calls): this loop runs once per pair of a contradicting component
    for i, x, y, strong_link in zip(order.tolist(), a[order].tolist(), b[order].tolist(), strong[order].tolist()):
        ra = x
        while parent[ra] != ra:
            ra = parent[ra]
        while parent[x] != ra:
            parent[x], x = ra, parent[x]
        rb = y
        while parent[rb] != rb:
            rb = parent[rb]
        while parent[y] != rb:
            parent[y], y = rb, parent[y]
        if ra == rb:
            continue
        why = 0
        for code_of, held in singles:
            ca, cb = held[ra], held[rb]
            if ca >= 0 and cb >= 0 and ca != cb:
                why = code_of
                break
        if not why:
            for code_of, held in exacts:
                if held[ra] != held[rb]:
                    why = code_of
                    break
        if why:
            refused[i] = why
            continue
        differ = [j for j, v in enumerate(values) if v[rb] != -1 and v[rb] != v[ra]]
        if differ and not strong_link:
            clash = next((j for j in differ if values[j][ra] != -1), None)
            if clash is not None:
                refused[i] = soft_codes[clash]
                continue
        parent[rb] = ra
        for _, held in singles:
            if held[ra] < 0:
                held[ra] = held[rb]
        for j in differ:
            values[j][ra] = _join(values[j][ra], values[j][rb])
    return _roots(np.asarray(parent, dtype=np.int64)), refused


def _join(x, y):
    """Two entities' values of one attribute joined: a value (-1: none), or a set when they differ."""
    if y == -1 or y == x:
        return x
    if x == -1:
        return y
    return (x if isinstance(x, set) else {x}) | (y if isinstance(y, set) else {y})


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
