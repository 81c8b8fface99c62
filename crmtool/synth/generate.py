"""`generate_accounts`: messy account records with a known truth of which records are the same company."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmtool.synth.entities import make_entities
from crmtool.synth.records import make_records

RECORD_COLUMNS = ["record_id", "name", "credit_code", "phone", "address", "contact", "email", "created", "amount"]
TRUTH_COLUMNS = ["record_id", "entity_id", "role", "mess", "canonical_name", "canonical_credit_code",
                 "relation", "related_entity_id"]
_POPULAR_SHARE = 0.25  # a quarter of the copies go to a small set of accounts entered again and again


def generate_accounts(n: int, *, seed: int = 0, duplicate_share: float = 0.3,
                      hard: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` account records and their truth, deterministic for a seed.

    records: RECORD_COLUMNS, every value text or <NA> (pandas "string" dtype), in random order.
    truth: one row per record: `entity_id` (records of one company share it), `role` ("first" for
    one record per entity, "duplicate" for the others), `mess` (`field:kind` tags joined by ";"),
    the entity's registered name and credit code, and for hard negatives `relation`
    (same_trade_other_city | same_trade_other_industry | branch) and the `related_entity_id` it imitates.

    `hard` adds look-alikes like those real data has and the default set lacks (entities.HARD_SHARE):
    relations neighbour_same_street and neighbour_other_district (one trade-name character apart, one
    city, several around one company) and short_other_city (a same-name company of another city whose
    records mostly carry the name without its region, but an address in its city). The same seed gives
    the same default set as before; a hard set is another set.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 <= duplicate_share < 1:
        raise ValueError("duplicate_share must be in [0, 1)")
    rng = np.random.default_rng(seed)
    n_dup = round(n * duplicate_share)
    n_entities = n - n_dup
    if n_entities == 0:
        return _frame({c: [] for c in RECORD_COLUMNS}), _frame({c: [] for c in TRUTH_COLUMNS})
    e = make_entities(rng, n_entities, hard=hard)
    entity, is_dup = _assign_duplicates(rng, n_entities, n_dup)
    order = rng.permutation(n)  # shuffle before building, so that no column needs reordering afterwards
    entity, is_dup = entity[order], is_dup[order]
    cols, mess = make_records(rng, e, entity, is_dup, hard=hard)
    width = max(6, len(str(n)))
    record_id = np.char.add("R", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)
    entity_ids = np.char.add("E", np.char.zfill(np.arange(1, n_entities + 1).astype(str), width)).astype(object)
    related = e["related"]
    per_entity = {  # converted to Arrow once per entity, then taken per record
        "entity_id": entity_ids,
        "canonical_name": e["name"],
        "canonical_credit_code": e["credit_code"],
        "relation": np.where(related >= 0, e["relation"], None),
        "related_entity_id": np.where(related >= 0, entity_ids[np.maximum(related, 0)], None),
    }
    truth = {
        "record_id": record_id,
        "role": np.where(is_dup, "duplicate", "first").astype(object),
        "mess": mess,
        **{k: _arrow(v).take(entity) for k, v in per_entity.items()},
    }
    records = {"record_id": record_id, **cols}
    return _frame(records)[RECORD_COLUMNS], _frame(truth)[TRUTH_COLUMNS]


def _assign_duplicates(rng: np.random.Generator, n_entities: int, n_dup: int) -> tuple[np.ndarray, np.ndarray]:
    """Entity index per record (every entity once, then the copies) and whether the record is a copy."""
    popular = rng.integers(0, max(1, n_entities // 50), size=n_dup)
    anyone = rng.integers(0, n_entities, size=n_dup)
    copies = np.where(rng.random(n_dup) < _POPULAR_SHARE, popular, anyone)
    entity = np.concatenate([np.arange(n_entities), copies])
    is_dup = np.concatenate([np.zeros(n_entities, dtype=bool), np.ones(n_dup, dtype=bool)])
    return entity, is_dup


def _arrow(values):
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=object), type=pa.large_string())


def _frame(columns: dict) -> pd.DataFrame:
    """Object arrays (None = missing) or Arrow arrays as Arrow-backed "string" columns, through pyarrow
    directly (several times faster than letting pandas validate a million Python strings)."""
    import pyarrow as pa

    return pd.DataFrame({
        k: pd.arrays.ArrowStringArray(v if isinstance(v, pa.Array) else _arrow(v)) for k, v in columns.items()
    })
