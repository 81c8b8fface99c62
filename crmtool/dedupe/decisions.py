"""Reviewer decisions (是/否 per pair), stored in a DuckDB file and reused by later runs.

A pair is identified by the fingerprints of its two records (a hash of name, credit code, phone and
address as entered), not by row keys: the same two records judged once are never judged again,
even in another file or under other keys, and a record that changed is judged afresh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_FILE = "dedupe_decisions.duckdb"
FINGERPRINT_FIELDS = ("name", "credit_code", "phone", "address")
YES, NO = "是", "否"


def fingerprint_values(table: pd.DataFrame, fields: tuple[str, ...] = FINGERPRINT_FIELDS) -> np.ndarray:
    """A 64-bit fingerprint per row of the matching fields as entered (`fields`: the company set's by default)."""
    parts = [table[c].astype("string").fillna("\x00") if c in table.columns else pd.Series("\x00", index=table.index)
             for c in fields]
    joined = parts[0].str.cat(parts[1:], sep="\x1f")
    return pd.util.hash_pandas_object(joined, index=False).to_numpy().astype(np.uint64)


def fingerprints(table: pd.DataFrame) -> np.ndarray:
    """A 16-hex-digit fingerprint per row of the matching fields as entered."""
    return _hex(fingerprint_values(table))


def _hex(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%016x", values.astype(np.uint64)).astype(object)


def pair_id(fp_a: np.ndarray, fp_b: np.ndarray) -> np.ndarray:
    """Order-free id of a pair of fingerprints (hex strings, or the 64-bit values)."""
    if fp_a.dtype == np.uint64:
        fp_a, fp_b = _hex(fp_a), _hex(fp_b)
    fp_a, fp_b = fp_a.astype(str), fp_b.astype(str)
    swap = fp_a > fp_b
    lo, hi = np.where(swap, fp_b, fp_a), np.where(swap, fp_a, fp_b)
    return np.char.add(np.char.add(lo, ":"), hi).astype(object)


def answers(fp: np.ndarray, a: np.ndarray, b: np.ndarray, decisions: dict[str, str]) -> np.ndarray | None:
    """The stored 是/否 (or None) per pair (a[i], b[i]) of rows with 64-bit fingerprints `fp`; None when
    nothing is stored. Only pairs whose both fingerprints occur in the store get a pair id built."""
    if not decisions:
        return None
    known = np.unique(np.array([v for pid in decisions for v in _halves(pid)], dtype=np.uint64))
    out = np.full(len(a), None, dtype=object)
    ask = np.flatnonzero(np.isin(fp[a], known) & np.isin(fp[b], known))
    if len(ask):
        out[ask] = [decisions.get(p) for p in pair_id(fp[a[ask]], fp[b[ask]])]
    return out


def _halves(pid: str) -> list[int]:
    try:
        return [int(h, 16) for h in pid.split(":") if len(h) <= 16]
    except ValueError:  # a pair id edited by hand: it can never match, skip it
        return []


def _connect(path: Path, read_only: bool = False):
    from crmtool.engine import DuckDBEngine

    engine = DuckDBEngine(str(path), read_only=read_only)
    if not read_only:
        engine.execute("""CREATE TABLE IF NOT EXISTS review_decisions (
            pair_id VARCHAR PRIMARY KEY, key_a VARCHAR, key_b VARCHAR, decision VARCHAR,
            decided_at TIMESTAMP DEFAULT current_timestamp, source VARCHAR)""")
    return engine


def load_decisions(path: Path | None) -> dict[str, str]:
    """pair_id → 是/否; empty when there is no store yet."""
    if path is None or not Path(path).exists():
        return {}
    with _connect(Path(path), read_only=True) as engine:
        exists = engine.sql("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'review_decisions'")
        if not exists.column("n")[0].as_py():
            return {}
        rows = engine.sql("SELECT pair_id, decision FROM review_decisions").to_pylist()
    return {r["pair_id"]: r["decision"] for r in rows}


def save_decisions(path: Path, decisions: pd.DataFrame, source: str = "") -> int:
    """Upsert rows with pair_id, key_a, key_b, decision (是/否); returns how many were stored."""
    frame = decisions[decisions["decision"].isin([YES, NO])][["pair_id", "key_a", "key_b", "decision"]].copy()
    frame["source"] = source
    with _connect(Path(path)) as engine:
        engine.register("incoming", frame)
        engine.execute("""INSERT INTO review_decisions (pair_id, key_a, key_b, decision, source)
            SELECT pair_id, key_a, key_b, decision, source FROM incoming
            ON CONFLICT (pair_id) DO UPDATE SET decision = excluded.decision, key_a = excluded.key_a,
            key_b = excluded.key_b, source = excluded.source, decided_at = now()""")
    return len(frame)
