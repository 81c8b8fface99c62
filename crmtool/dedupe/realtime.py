"""Real-time check: which stored accounts one record duplicates, answered from an index built once.

`MatchIndex` holds the store's records as batch dedupe sees them (keys.record_keys, one Arrow row
each) and, per block rule in force, an inverted index from block key to row numbers, so that a
lookup touches only its own candidates. A lookup then runs the batch code on them: the record's keys
(keys.one_record_keys, held to record_keys by a test), the candidate rows of each rule as
blocking.py forms them, comparison patterns and weights (scoring.PairKeys, comparison_patterns,
PatternTable), decisions with the hard rules and the reviewers' answers (decide.py, decisions.py),
and the entity constraints of cluster.py. A lookup therefore decides what `crmtool dedupe --against
STORE` decides for that record when it is the only new row (tests/dedupe/test_realtime.py holds
the two to each other on generated hard records).

Blocking for one record, rule by rule (blocking.py has the batch SQL):
- code, org_code, phone (every line key), trade (2+ characters): the stored rows sharing the key; a
  key shared by more than `max_block` rows, the record included, is skipped as batch skips it;
- trade_del1 on the distinct (trade key, place) values of 4+ characters: the values sharing a
  position-keyed deletion with the record's (a substitution), the values one character longer whose
  deletion is the record's value, and the values one character shorter that are a deletion of it,
  each block bounded by `max_block` records as batch bounds it; then their rows, where the record or
  the row has no valid credit code. Batch keeps each record's 10 nearest one-edit neighbours and a
  pair when either record keeps it; a stored record's only new neighbour is the record looked up, so
  every such pair is kept here too.
Block keys are 64-bit hashes (pandas' SipHash of the key text) as in batch (DuckDB's hash): a
collision can only add a candidate, which the scoring judges on the real values.

`LiveIndex` keeps a MatchIndex in step with a store (a crmtool.load target, duck-typed: this floor
does not import the load) and with records added by lookups (`"add": true`): it polls the store's
change marker (`Target.stamp`, `change_marker`), reads the rows loaded since the last poll
(`fetch_loaded_since`), and falls back to a full re-read (diffed by fingerprint, so unchanged rows
keep their keys) when the increment does not account for the change. See docs/dedupe.md,
"Real-time check".
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MATCH_FIELDS = ("name", "credit_code", "phone", "address")
KEY_COLUMNS = ("name_norm", "trade", "region", "province", "org_form", "branch", "code", "code_valid", "org_code",
               "division", "phones", "address", "address_province", "address_city", "address_district", "house",
               "phone_province", "phone_city", "mobile")  # keys.record_keys' columns after `_key`
TEXT = pa.large_string()  # what record_keys' Arrow-backed text columns hold: taken over without a copy
_TYPES = {c: TEXT for c in KEY_COLUMNS} | {"code_valid": pa.bool_(), "phones": pa.list_(pa.string()), "house": pa.int32()}
SCHEMA = pa.schema([("_key", TEXT), ("_name", TEXT)] + [(c, _TYPES[c]) for c in KEY_COLUMNS])
SEP = "\x1f"
ONE_BY_ONE = 200  # rows added at once below this get their keys one record at a time (keys.one_record_keys)
_MERGE_AT = 4096  # entries added to a multimap at once from this many go into its sorted base


def _hash(values) -> np.ndarray:
    """64-bit hashes of key texts (the same in build and lookup: pandas' SipHash with its fixed key)."""
    array = np.asarray(values, dtype=object)
    if not len(array):
        return np.zeros(0, dtype=np.uint64)
    return pd.util.hash_array(array, categorize=False).astype(np.uint64)


class _MultiMap:
    """64-bit key hashes → int64 ids: a sorted base (two numpy arrays) and a dict of what came since."""

    def __init__(self):
        self.keys = np.zeros(0, dtype=np.uint64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.extra: dict[int, list[int]] = {}
        self.n_extra = 0

    def add(self, hashes: np.ndarray, ids: np.ndarray) -> None:
        if len(hashes) >= _MERGE_AT or self.n_extra + len(hashes) > max(_MERGE_AT, len(self.keys) // 8):
            self._merge(hashes, ids)
            return
        for h, i in zip(hashes.tolist(), ids.tolist(), strict=True):
            self.extra.setdefault(h, []).append(i)
        self.n_extra += len(hashes)

    def _merge(self, hashes: np.ndarray, ids: np.ndarray) -> None:
        parts_h, parts_i = [self.keys, np.asarray(hashes, dtype=np.uint64)], [self.ids, np.asarray(ids, dtype=np.int64)]
        if self.extra:
            parts_h.append(np.fromiter((h for h, v in self.extra.items() for _ in v), dtype=np.uint64, count=self.n_extra))
            parts_i.append(np.fromiter((i for v in self.extra.values() for i in v), dtype=np.int64, count=self.n_extra))
        keys, ids = np.concatenate(parts_h), np.concatenate(parts_i)
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], ids[order]
        self.extra, self.n_extra = {}, 0

    def get_many(self, hashes: np.ndarray) -> list[np.ndarray]:
        """The ids of each hash (several per hash, in the order they were added within base and extra)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        lo = np.searchsorted(self.keys, hashes, side="left")
        hi = np.searchsorted(self.keys, hashes, side="right")
        out = []
        for h, a, b in zip(hashes.tolist(), lo.tolist(), hi.tolist(), strict=True):
            found = self.ids[a:b]
            more = self.extra.get(h)
            out.append(np.concatenate([found, np.asarray(more, dtype=np.int64)]) if more else found)
        return out

    def first(self, hashes: np.ndarray) -> np.ndarray:
        """The first id of each hash, -1 where there is none (vectorised: for unique keys such as values)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        pos = np.searchsorted(self.keys, hashes, side="left")
        inside = pos < len(self.keys)
        hit = np.zeros(len(hashes), dtype=bool)
        hit[inside] = self.keys[pos[inside]] == hashes[inside]
        out = np.where(hit, self.ids[np.minimum(pos, max(len(self.ids) - 1, 0))] if len(self.ids) else -1, -1)
        if self.extra:
            for j in np.flatnonzero(~hit).tolist():
                more = self.extra.get(int(hashes[j]))
                if more:
                    out[j] = more[0]
        return out.astype(np.int64)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.ids.nbytes + 64 * self.n_extra


@dataclass
class Candidate:
    """One stored record a looked-up record may duplicate."""

    key: str
    name: str | None
    score: float
    decision: str  # match | review (non-matches are not candidates)
    reasons: str
    pending: bool = False  # an added record the store does not hold yet
    account: str | None = None  # a contact's account (its account_id as stored)
    contact: bool = False  # a stored contact: the answer says its account (null when it has none)

    def to_dict(self) -> dict:
        out = {"key": self.key, "name": self.name, "score": self.score, "decision": self.decision,
               "reasons": self.reasons}
        if self.contact:
            out["account"] = self.account
        if self.pending:
            out["pending"] = True
        return out


def _place(keys: dict) -> str:
    """The trade_del1 place of one record's keys: blocking.block_table's `place`, as text."""
    loc = keys["address_city"] if keys["address_city"] is not None else keys["phone_city"]
    city = loc if loc is not None else (keys["region"] if keys["branch"] is None else None)
    if city is not None:
        return "c:" + city
    return "p:" + keys["province"] if keys["province"] is not None else ""


def _places(table: pa.Table) -> pa.Array:
    """`_place` for every row of a key table."""
    table = table.combine_chunks()
    column = lambda name: (table.column(name).chunk(0) if table.column(name).num_chunks
                           else pa.array([], TEXT)).cast(pa.string())
    loc = pc.coalesce(column("address_city"), column("phone_city"))
    name_city = pc.if_else(pc.is_null(column("branch")), column("region"), pa.nulls(len(table), pa.string()))
    city = pc.coalesce(loc, name_city)
    by_city = pc.binary_join_element_wise(pa.scalar("c:"), city, "")
    by_province = pc.binary_join_element_wise(pa.scalar("p:"), column("province"), "")
    return pc.coalesce(by_city, by_province, pa.scalar(""))


def _deletion(text: pa.Array, i: int) -> pa.Array:
    """Each text with its i-th character (1-based) deleted."""
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, i - 1), pc.utf8_slice_codeunits(text, i), "")


def _text(values) -> pa.Array:
    """Text values (a pandas array, without a copy when Arrow-backed, or a list) as one TEXT array."""
    if isinstance(values, pd.api.extensions.ExtensionArray):
        array = pa.array(values)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        return array.cast(TEXT)
    return pa.array(list(values), type=TEXT, from_pandas=True)


def keys_table(keys: pd.DataFrame | list[dict], row_keys, names) -> pa.Table:
    """Record keys (a record_keys frame, or one_record_keys dicts) with their row keys and names, as SCHEMA."""
    columns = {"_key": _text(row_keys), "_name": _text(names)}
    if isinstance(keys, pd.DataFrame):
        for c in KEY_COLUMNS:
            values = keys[c]
            if c in ("code_valid", "house"):
                columns[c] = pa.array(values.to_numpy(), type=_TYPES[c])
            else:
                array = pa.array(values.array)
                columns[c] = (array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array).cast(_TYPES[c])
    else:
        for c in KEY_COLUMNS:
            columns[c] = pa.array([k[c] for k in keys], type=_TYPES[c])
    return pa.table(columns, schema=SCHEMA)


class LiveRows:
    """Row counts of an index whose rows carry `alive` (not replaced or deleted) and `pending` (added by
    lookups, not yet in the store) flags: what the service reports for every object's index."""

    alive: np.ndarray
    pending: np.ndarray

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def store_size(self) -> int:
        return int((self.alive & ~self.pending).sum())

    @property
    def pending_size(self) -> int:
        return int((self.alive & self.pending).sum())


class MatchIndex(LiveRows):
    """The store's records, their keys and per-rule block indexes; `lookup` answers one record.

    Rows are numbered in the order they were added; a replaced or removed row stays as a dead row
    (`alive` false) until `compacted`. Not thread-safe: LiveIndex serialises access."""

    FIELDS = MATCH_FIELDS  # what a request and a stored row carry (realtime_objects.ContactIndex: its own)
    REQUIRED = "every record needs the company name"

    def __init__(self, settings=None):
        from crmtool.dedupe.pipeline import DedupeSettings, _tables

        self.settings = settings or DedupeSettings()
        self.rules = set(self.settings.blocks)
        self.tables = _tables(self.settings)
        self._reasons: dict[int, str] = {}  # pattern → its reasons text (PatternTable.reasons, once each)
        self.chunks: list[pa.Table] = []
        self._table: pa.Table | None = None
        self.alive = np.zeros(0, dtype=bool)
        self.pending = np.zeros(0, dtype=bool)
        self.fp = np.zeros(0, dtype=np.uint64)  # decisions.fingerprint_values of the matching fields
        self.open = np.zeros(0, dtype=bool)  # no valid credit code (trade_del1's `open`)
        self.value = np.zeros(0, dtype=np.int64)  # the row's (trade, place) value, -1 when trade < 4 characters
        self.value_n = np.zeros(0, dtype=np.int64)  # live rows per value
        self.maps = {name: _MultiMap() for name in ("key", "code", "org_code", "phone", "trade", "value",
                                                     "value_rows", "sub", "ins")}

    # building ---------------------------------------------------------------------------------------

    @classmethod
    def build(cls, store_rows: pd.DataFrame, settings=None, *, key: str = "account_id") -> MatchIndex:
        """An index of the store's rows (`key` and the columns of MATCH_FIELDS, any may be absent)."""
        index = cls(settings)
        index.add_rows(store_rows, key=key)
        return index

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            if len(self.chunks) > 8:  # increments: one chunk of them beside the big first one
                self.chunks = [self.chunks[0], pa.concat_tables(self.chunks[1:]).combine_chunks()]
            self._table = pa.concat_tables(self.chunks) if self.chunks else SCHEMA.empty_table()
        return self._table

    def add_rows(self, rows: pd.DataFrame, *, key: str, pending: bool = False) -> np.ndarray:
        """Add rows (`key` + MATCH_FIELDS) as new index rows, replacing the live row of each key; their keys
        are computed here. Returns the new row numbers."""
        from crmtool.dedupe.decisions import fingerprint_values
        from crmtool.dedupe.keys import one_record_keys, record_keys

        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        rows = rows.reset_index(drop=True)
        fields = pd.DataFrame({key: rows[key].astype("string")})
        for c in MATCH_FIELDS:
            fields[c] = rows[c].astype("string") if c in rows.columns else pd.Series(pd.NA, index=rows.index, dtype="string")
        if len(fields) < ONE_BY_ONE:
            records = [{c: (None if pd.isna(v) else v) for c, v in zip(MATCH_FIELDS, values, strict=True)}
                       for values in fields[list(MATCH_FIELDS)].itertuples(index=False, name=None)]
            keys = [one_record_keys(r) for r in records]
        else:
            keys = record_keys(fields, key, processes=self.settings.processes)
        table = keys_table(keys, fields[key].array, fields["name"].array)
        self.remove(fields[key].tolist())
        return self._append(table, fingerprint_values(fields), np.full(len(fields), pending))

    def _append(self, table: pa.Table, fp: np.ndarray, pending: np.ndarray) -> np.ndarray:
        start, m = len(self.alive), len(table)
        rows = np.arange(start, start + m, dtype=np.int64)
        self.chunks.append(table)
        self._table = None
        code = table.column("code")
        self.alive = np.concatenate([self.alive, np.ones(m, dtype=bool)])
        self.pending = np.concatenate([self.pending, np.asarray(pending, dtype=bool)])
        self.fp = np.concatenate([self.fp, np.asarray(fp, dtype=np.uint64)])
        valid = pc.and_(pc.is_valid(code), table.column("code_valid")).to_numpy(zero_copy_only=False)
        self.open = np.concatenate([self.open, ~valid])
        self.maps["key"].add(_hash(table.column("_key").to_numpy(zero_copy_only=False)), rows)
        for rule, column, min_len in (("code", "code", 1), ("org_code", "org_code", 1), ("trade", "trade", 2)):
            if rule not in self.rules:
                continue
            values = table.column(column)
            has = pc.fill_null(pc.greater_equal(pc.utf8_length(values), min_len), False).to_numpy(zero_copy_only=False)
            self.maps[rule].add(_hash(values.filter(pa.array(has)).to_numpy(zero_copy_only=False)), rows[has])
        if "phone" in self.rules:
            phones = table.column("phones").combine_chunks() if isinstance(table.column("phones"), pa.ChunkedArray) \
                else table.column("phones")
            parent = pc.list_parent_indices(phones).to_numpy(zero_copy_only=False)
            self.maps["phone"].add(_hash(pc.list_flatten(phones).to_numpy(zero_copy_only=False)), rows[parent])
        self.value = np.concatenate([self.value, self._values(table, rows)])
        return rows

    def _values(self, table: pa.Table, rows: np.ndarray) -> np.ndarray:
        """The trade_del1 value of each new row: existing values by their hash, new ones numbered and indexed
        (their substitution and insertion keys)."""
        out = np.full(len(rows), -1, dtype=np.int64)
        if "trade_del1" not in self.rules:
            return out
        trade = table.column("trade").combine_chunks().cast(pa.string())
        length = pc.fill_null(pc.utf8_length(trade), 0).to_numpy(zero_copy_only=False)
        long = np.flatnonzero(length >= 4)
        if not len(long):
            return out
        trade = trade.take(pa.array(long))
        place = _places(table).take(pa.array(long))
        text = pc.binary_join_element_wise(trade, place, SEP).to_numpy(zero_copy_only=False)
        hashes = _hash(text)
        ids = self.maps["value"].first(hashes)
        new = np.flatnonzero(ids < 0)
        if len(new):
            distinct, first, inverse = np.unique(hashes[new], return_index=True, return_inverse=True)
            new_ids = len(self.value_n) + np.arange(len(distinct), dtype=np.int64)
            ids[new] = new_ids[inverse.reshape(-1)]
            self.maps["value"].add(distinct, new_ids)
            self.value_n = np.concatenate([self.value_n, np.zeros(len(distinct), dtype=np.int64)])
            self._index_values(trade.take(pa.array(new[first])), place.take(pa.array(new[first])), new_ids)
        out[long] = ids
        np.add.at(self.value_n, ids, 1)
        self.maps["value_rows"].add(ids.astype(np.uint64), rows[long])
        return out

    def _index_values(self, trade: pa.Array, place: pa.Array, ids: np.ndarray) -> None:
        """Substitution keys (position, deletion, place) of new values; insertion keys (deletion, place)
        of those of 5+ characters, one per distinct deletion (blocking.py's nb_d, k and k2)."""
        length = pc.utf8_length(trade).to_numpy(zero_copy_only=False)
        sub_h, sub_i, ins_h, ins_i = [], [], [], []
        for i in range(1, int(length.max()) + 1 if len(length) else 1):
            sel = np.flatnonzero(length >= i)
            t, p = trade.take(pa.array(sel)), place.take(pa.array(sel))
            rest = _deletion(t, i)
            sub_h.append(_hash(pc.binary_join_element_wise(pa.scalar(str(i)), rest, p, SEP).to_numpy(zero_copy_only=False)))
            sub_i.append(ids[sel])
            # one insertion key per distinct deletion: deleting either of two equal neighbouring characters
            # gives the same text, so the i-th deletion is new unless the i-th character repeats the one before
            five = length[sel] >= 5
            if i > 1:
                repeat = pc.equal(pc.utf8_slice_codeunits(t, i - 1, i), pc.utf8_slice_codeunits(t, i - 2, i - 1))
                five &= ~repeat.to_numpy(zero_copy_only=False)
            ins_h.append(_hash(pc.binary_join_element_wise(rest, p, SEP).filter(pa.array(five)).to_numpy(zero_copy_only=False)))
            ins_i.append(ids[sel][five])
        self.maps["sub"].add(np.concatenate(sub_h), np.concatenate(sub_i))
        self.maps["ins"].add(np.concatenate(ins_h), np.concatenate(ins_i))

    def remove(self, keys: list[str]) -> int:
        """Mark the live rows of these keys dead; returns how many there were."""
        rows = self.live_rows(keys)
        rows = rows[rows >= 0]
        self._kill(rows)
        return len(rows)

    def _kill(self, rows: np.ndarray) -> None:
        rows = rows[self.alive[rows]]
        self.alive[rows] = False
        values = self.value[rows]
        np.subtract.at(self.value_n, values[values >= 0], 1)

    def live_rows(self, keys: list[str]) -> np.ndarray:
        """The live row of each key, -1 for none."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if not len(keys) or not len(self.alive):
            return out
        found = self.maps["key"].get_many(_hash(keys))
        for j, rows in enumerate(found):
            if len(rows):
                live = rows[self.alive[rows]]
                if len(live):
                    out[j] = live[-1]
        return out

    def sync(self, rows: pd.DataFrame, *, key: str, full: bool) -> dict:
        """Bring the stored part of the index to `rows` (store rows: `key` + MATCH_FIELDS): rows whose key
        is new or whose matching fields changed are (re)indexed, unchanged ones kept; with `full`, rows is
        the whole store and stored keys it lacks are removed. A pending row of a key the store now shows
        is replaced by the store's row."""
        from crmtool.dedupe.decisions import fingerprint_values

        rows = rows.reset_index(drop=True)
        keys = rows[key].astype("string").tolist()
        live = self.live_rows(keys)
        same = np.zeros(len(rows), dtype=bool)
        known = live >= 0
        if len(rows):
            fp = fingerprint_values(rows)
            same[known] = (self.fp[live[known]] == fp[known]) & ~self.pending[live[known]]
        removed = 0
        if full:
            keep = np.zeros(len(self.alive), dtype=bool)
            keep[live[known]] = True
            gone = np.flatnonzero(self.alive & ~self.pending & ~keep)
            self._kill(gone)
            removed = len(gone)
        changed = rows[~same]
        self.add_rows(changed, key=key)
        return {"added": int((~known).sum()), "changed": int((known & ~same).sum()), "removed": removed}

    def compacted(self) -> MatchIndex:
        """A new index of the live rows only (the dead rows of replaced and removed records dropped); keys
        are not computed again."""
        live = np.flatnonzero(self.alive)
        fresh = MatchIndex(self.settings)
        fresh._append(self.table.take(pa.array(live)).combine_chunks(), self.fp[live], self.pending[live])
        return fresh

    @property
    def nbytes(self) -> int:
        arrays = (self.alive, self.pending, self.fp, self.open, self.value, self.value_n)
        return self.table.nbytes + sum(a.nbytes for a in arrays) + sum(m.nbytes for m in self.maps.values())

    # lookup -----------------------------------------------------------------------------------------

    def candidates(self, keys: dict) -> tuple[np.ndarray, np.ndarray]:
        """(row numbers, found by the phone rule) of the live rows the block rules in force pair with a
        record of these keys (keys.one_record_keys), in row order."""
        max_block = self.settings.max_block
        queries: list[tuple[str, str]] = []  # (map, key text)
        trade, code = keys["trade"], keys["code"]
        if "code" in self.rules and code is not None:
            queries.append(("code", code))
        if "org_code" in self.rules and keys["org_code"] is not None:
            queries.append(("org_code", keys["org_code"]))
        if "phone" in self.rules:
            queries += [("phone", p) for p in keys["phones"]]
        if "trade" in self.rules and trade is not None and len(trade) >= 2:
            queries.append(("trade", trade))
        neighbour = "trade_del1" in self.rules and trade is not None and len(trade) >= 4
        if neighbour:
            place = _place(keys)
            value_text = f"{trade}{SEP}{place}"
            deletions = [trade[:i - 1] + trade[i:] for i in range(1, len(trade) + 1)]
            queries.append(("value", value_text))
            queries.append(("ins", value_text))  # longer values that delete to this one
            queries += [("sub", f"{i}{SEP}{rest}{SEP}{place}") for i, rest in enumerate(deletions, start=1)]
            if len(trade) >= 5:
                shorter = list(dict.fromkeys(f"{rest}{SEP}{place}" for rest in deletions))
                queries += [("value", s) for s in shorter] + [("ins", s) for s in shorter]
        hashes = _hash([text for _, text in queries])
        found: dict[str, list[np.ndarray]] = {}
        for (name, _), h in zip(queries, hashes.tolist(), strict=True):
            found.setdefault(name, []).append(self.maps[name].get_many(np.array([h], dtype=np.uint64))[0])

        rows: list[np.ndarray] = []
        phone_rows: list[np.ndarray] = []
        for rule in ("code", "org_code", "phone", "trade"):
            for block in found.get(rule, []):
                block = block[self.alive[block]]
                if len(block) + 1 <= max_block:
                    (phone_rows if rule == "phone" else rows).append(block)
        if neighbour:
            rows += self._neighbours(found, len(trade) >= 5, keys, max_block)
        everything = np.unique(np.concatenate(rows + phone_rows)) if rows or phone_rows else np.zeros(0, dtype=np.int64)
        phone = np.isin(everything, np.concatenate(phone_rows)) if phone_rows else np.zeros(len(everything), dtype=bool)
        return everything, phone

    def _neighbours(self, found: dict, longer: bool, keys: dict, max_block: int) -> list[np.ndarray]:
        """trade_del1's rows for one record (see the module docstring)."""
        n = self.value_n
        values = found["value"]
        own_ids = values[0]
        own = int(own_ids[0]) if len(own_ids) else -1
        own_n = int(n[own]) if own >= 0 else 0
        neighbours: list[np.ndarray] = []
        for ids in found["sub"]:  # substitutions: values sharing (position, deletion, place)
            if int(n[ids].sum()) + 1 <= max_block:  # the record's own value, if stored, is among them
                neighbours.append(ids[ids != own])
        longer_ids = found["ins"][0]  # values one character longer that delete to this one
        if len(longer_ids) and own_n + 1 + int(n[longer_ids].sum()) <= max_block:
            neighbours.append(longer_ids)
        if longer:  # values one character shorter that this one deletes to
            shorter_values, shorter_longer = values[1:], found["ins"][1:]
            for ids, above in zip(shorter_values, shorter_longer, strict=True):
                if len(ids) and int(n[ids[0]]) + int(n[above].sum()) + 1 <= max_block:
                    neighbours.append(ids[:1])
        if not neighbours:
            return []
        ids = np.unique(np.concatenate(neighbours))
        ids = ids[n[ids] > 0]
        if not len(ids):
            return []
        rows = np.concatenate(self.maps["value_rows"].get_many(ids.astype(np.uint64)))
        rows = rows[self.alive[rows]]
        code_open = keys["code"] is None or not keys["code_valid"]
        return [rows if code_open else rows[self.open[rows]]]

    def lookup(self, record: dict, *, exclude_key: str | None = None, entities: bool = True,
               refused_as_review: bool = False) -> list[Candidate]:
        """The live rows a record (MATCH_FIELDS: text or None) duplicates or may duplicate, best first.

        `exclude_key`: the record's own key in the store, never its own candidate. `entities`: refuse,
        as batch clustering does, a match that would put two valid codes, branches, places, name regions
        or mobiles into the record's entity (strongest first); False gives the pair decisions alone.
        `refused_as_review`: such a refused match is a review with `rule:cluster_constraint (…)` in its
        reasons (cross.py's reading of a lead's company that could be two accounts)."""
        from crmtool.dedupe.cluster import REFUSALS, cluster
        from crmtool.dedupe.decide import DECISIONS, RULES, decide
        from crmtool.dedupe.keys import one_record_keys
        from crmtool.dedupe.pipeline import _entity_constraints
        from crmtool.dedupe.scoring import PairKeys, comparison_patterns

        keys = one_record_keys(record)
        rows, phone = self.candidates(keys)
        if exclude_key is not None and len(rows):
            own = self.maps["key"].get_many(_hash([exclude_key]))[0]
            mine = np.isin(rows, own)
            rows, phone = rows[~mine], phone[~mine]
        if not len(rows):
            return []
        table = self.table
        small = pa.concat_tables([keys_table([keys], [exclude_key], [record.get("name")]),
                                  table.take(pa.array(rows))])
        pair_keys = PairKeys.from_keys(small)
        k = len(rows)
        a, b = np.zeros(k, dtype=np.int32), np.arange(1, k + 1, dtype=np.int32)
        pattern = comparison_patterns(pair_keys, a, b, phone)
        weight = self.tables.patterns.weight[pattern].astype(np.float32)
        reviewed = None
        if self.settings.decisions:
            from crmtool.dedupe.decisions import answers, fingerprint_values

            fp = np.concatenate([fingerprint_values(pd.DataFrame([record]).astype("string")), self.fp[rows]])
            reviewed = answers(fp, a, b, self.settings.decisions)
        decision, rule = decide(self.tables.decisions, pattern, reviewed)
        decision, rule = decision.copy(), rule.copy()
        refused = np.zeros(k, dtype=np.int8)
        is_match = decision == DECISIONS.index("match")
        if entities and is_match.any():
            constraints = _entity_constraints(pair_keys, self.settings.hard_rules)
            strong = self.tables.decisions.strong[pattern[is_match]] | (rule[is_match] == RULES.index("rule:reviewed_yes"))
            _, refusal = cluster(k + 1, a[is_match], b[is_match], weight[is_match], strong=strong, **constraints)
            refused[is_match] = refusal
            decision[refused > 0] = DECISIONS.index("review" if refused_as_review else "non-match")
        keep = np.flatnonzero(decision != DECISIONS.index("non-match"))
        names = small.column("_name").to_pylist()
        row_keys = small.column("_key").to_pylist()
        score = np.round(weight.astype(np.float64), 2)
        out = []
        for j in keep.tolist():
            p = int(pattern[j])
            if p not in self._reasons:
                self._reasons[p] = self.tables.patterns.reasons(p)
            parts = ([self._reasons[p]] + ([RULES[rule[j]]] if rule[j] else [])
                     + ([f"rule:cluster_constraint ({REFUSALS[refused[j]]})"] if refused[j] else []))
            out.append(Candidate(row_keys[j + 1], names[j + 1], float(score[j]), DECISIONS[decision[j]],
                                 "; ".join(p for p in parts if p), bool(self.pending[rows[j]])))
        out.sort(key=lambda c: (-c.score, c.key))
        return out


# Requests -----------------------------------------------------------------------------------------------


class RecordError(ValueError):
    """A request that cannot be answered (its message is the error object's)."""


@dataclass
class Request:
    fields: dict  # MATCH_FIELDS → text or None
    id: object = None
    key: str | None = None  # the record's own key in the store (the object's external id)
    add: bool = False


def parse_request(obj: object, *, key: str, objects: tuple[str, ...] = ("accounts",),
                  fields: tuple[str, ...] = MATCH_FIELDS,
                  required: str = "every record needs the company name") -> Request:
    """A request object: the record's fields, `object` (default accounts), optional `id` (echoed),
    `<key>` (its own key in the store) and `add`. RecordError for what cannot be answered."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object (the record's fields), got {type(obj).__name__}")
    ident = obj.get("id")
    if isinstance(ident, (dict, list)):
        raise RecordError("id: expected text or a number")
    kind = obj.get("object", "accounts")
    if kind not in objects:
        raise RecordError(f"object {kind!r}: only {', '.join(objects)} can be checked (for now)")
    names, fields = fields, {}
    for name in names:
        value = obj.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
            raise RecordError(f"{name}: expected text, got {type(value).__name__}")
        fields[name] = None if value is None else str(value)
    if fields["name"] is None or not fields["name"].strip():
        raise RecordError(f"name: missing ({required})")
    own = obj.get(key)
    if own is not None and (isinstance(own, bool) or not isinstance(own, (str, int))):
        raise RecordError(f"{key}: expected text")
    add = obj.get("add", False)
    if not isinstance(add, bool):
        raise RecordError("add: expected true or false")
    if add and own is None:
        raise RecordError(f"add: needs {key}, the key the record will have in the store")
    return Request(fields, ident, None if own is None else str(own), add)


# The live index -----------------------------------------------------------------------------------------


@dataclass
class LiveState:
    marker: tuple | None = None
    stamp: object = None
    built_at: float = 0.0
    refreshed_at: float = 0.0
    polls: int = 0
    increments: int = 0
    resyncs: int = 0
    last_error: str | None = None
    build_seconds: float = 0.0
    history: list = field(default_factory=list)


class LiveIndex:
    """A MatchIndex kept in step with a store (a crmtool.load Target: open/close as a context manager,
    `fetch`, `fetch_loaded_since`, `change_marker`, `stamp`), refreshed at most every `refresh` seconds:
    before a lookup when `refresh` is 0, else by a background thread (`start`).

    Thread-safe: lookups and refreshes take one lock; the store is read outside it."""

    def __init__(self, target, *, object_name: str = "accounts", key: str = "account_id", settings=None,
                 refresh: float = 1.0, warn=None, index_class=None):
        if refresh < 0:
            raise ValueError("refresh must be >= 0 seconds")
        self.target = target
        self.object_name = object_name
        self.key = key
        self.settings = settings
        self.refresh = refresh
        self.warn = warn  # called with a message when a refresh fails (the old index keeps answering)
        self.state = LiveState()
        self.index_class = index_class or MatchIndex  # MatchIndex, or one with its interface (ContactIndex)
        self.index: MatchIndex | None = None
        self._lock = threading.Lock()  # the index
        self._poll_lock = threading.Lock()  # one refresh at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def build(self) -> LiveIndex:
        """Read the store and build the index (errors of the store propagate: nothing to answer from)."""
        started = time.perf_counter()
        stamp = self.target.stamp()
        with self.target:
            marker = self.target.change_marker(self.object_name)
            rows = self.target.fetch(self.object_name)
        rows = rows[[c for c in dict.fromkeys((self.key, *self.index_class.FIELDS)) if c in rows.columns]]
        index = self.index_class.build(rows, self.settings, key=self.key)
        del rows
        with self._lock:
            self.index = index
            self.state.marker, self.state.stamp = marker, stamp
            self.state.built_at = self.state.refreshed_at = time.time()
            self.state.build_seconds = time.perf_counter() - started
        return self

    def start(self) -> LiveIndex:
        """Refresh in a background thread every `refresh` seconds (nothing to start when it is 0)."""
        if self.refresh > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="crmtool-match-refresh", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> LiveIndex:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.refresh):
            self.poll()

    def poll(self, *, force: bool = False) -> bool:
        """Bring the index up to the store if it changed (`force`: re-read it whole); False when nothing
        changed or the store could not be read (the old index keeps answering, `state.last_error` says why)."""
        with self._poll_lock:
            try:
                return self._poll(force)
            except Exception as exc:  # noqa: BLE001 - a store that is away for a moment must not stop the answers
                message = f"refresh failed, answering from the index of {self._when()}: {str(exc).splitlines()[0]}"
                if message != self.state.last_error and self.warn is not None:
                    self.warn(message)
                self.state.last_error = message
                return False

    def _when(self) -> str:
        return time.strftime("%H:%M:%S", time.localtime(self.state.refreshed_at))

    def _poll(self, force: bool) -> bool:
        state = self.state
        state.polls += 1
        stamp = self.target.stamp()
        if not force and stamp is not None and stamp == state.stamp:
            return False
        with self.target:
            marker = self.target.change_marker(self.object_name)
            if not force and marker == state.marker:
                state.stamp, state.last_error = stamp, None
                return False
            since = state.marker[1] if state.marker else None
            incremental = not force and since is not None and marker[1] is not None and marker[1] >= since
            rows = (self.target.fetch_loaded_since(self.object_name, since) if incremental
                    else self.target.fetch(self.object_name))
        with self._lock:
            found = self.index.sync(rows, key=self.key, full=not incremental)
            consistent = self.index.store_size == marker[0]
        explained = marker[1] != since or found["added"] + found["changed"] > 0
        if incremental and not (consistent and explained):
            # deletes, rows put back with an older _crm_loaded_at (a rollback), or rows written without
            # one: the rows loaded since the last poll do not account for the change, so read them all
            with self.target:
                marker = self.target.change_marker(self.object_name)
                rows = self.target.fetch(self.object_name)
            with self._lock:
                self.index.sync(rows, key=self.key, full=True)
            incremental = False
        with self._lock:
            if len(self.index.alive) > 2 * max(len(self.index), 50_000):
                self.index = self.index.compacted()
            state.marker, state.stamp, state.last_error = marker, stamp, None
            state.refreshed_at = time.time()
            if incremental:
                state.increments += 1
            else:
                state.resyncs += 1
        return True

    def answer(self, obj: object) -> dict:
        """The answer to one request object: `candidates` (and `id`, `decision`, `added`), or `error`."""
        ident = obj.get("id") if isinstance(obj, dict) and not isinstance(obj.get("id"), (dict, list)) else None
        try:
            request = parse_request(obj, key=self.key, objects=(self.object_name,), fields=self.index_class.FIELDS,
                                    required=self.index_class.REQUIRED)
        except RecordError as exc:
            return _with_id(ident, {"error": str(exc)})
        if self.refresh == 0:
            self.poll()
        with self._lock:
            found = self.index.lookup(request.fields, exclude_key=request.key)
            if request.add:
                frame = pd.DataFrame([{self.key: request.key, **request.fields}]).astype("string")
                self.index.add_rows(frame, key=self.key, pending=True)
        decisions = {c.decision for c in found}
        best = "match" if "match" in decisions else "review" if decisions else "non-match"
        answer = _with_id(request.id, {"decision": best, "candidates": [c.to_dict() for c in found]})
        if request.add:
            answer["added"] = True
        return answer

    @contextmanager
    def locked(self):
        """The index, held for the caller alone (a lead's lookups in two indexes)."""
        with self._lock:
            yield self.index

    def health(self) -> dict:
        with self._lock:
            index = self.index
            return {"status": "ok" if self.state.last_error is None else "stale",
                    "object": self.object_name, "records": index.store_size if index else 0,
                    "pending": index.pending_size if index else 0,
                    "built_at": _iso(self.state.built_at), "refreshed_at": _iso(self.state.refreshed_at),
                    "build_seconds": round(self.state.build_seconds, 3), "refresh_seconds": self.refresh,
                    "increments": self.state.increments, "resyncs": self.state.resyncs,
                    "last_error": self.state.last_error}


def _with_id(ident, body: dict) -> dict:
    return {"id": ident, **body} if ident is not None else body


def _iso(seconds: float) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(seconds)) if seconds else None
