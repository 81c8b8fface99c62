"""Real-time check for contacts and leads, beside the accounts' MatchIndex (realtime.py).

`ContactIndex` has MatchIndex's interface (`build`, `add_rows`, `sync`, `remove`, `live_rows`, `compacted`,
`lookup`, `store_size`, `pending_size`), so that a `realtime.LiveIndex` keeps it in step with the store's
`contacts` table the same way. It holds every stored contact's keys (contacts.contact_keys, computed once)
and, per contact block rule in force, a dict from the block key to row numbers: `mobile` (every mobile,
E.164), `email`, `name_account` and `pinyin_account` (the key and the account), `name` (the full name's
key; used for a record or a stored row without an account). A lookup forms the rule's blocks as
blocking.CONTACT_BLOCK_RULES forms them for one new record (a block of more than `max_block` records, the
record included, is skipped; the name rule keeps the record's 10 nearest, same landline then same title
first, and every stored row without an account), then scores the (record, candidate) pairs with the batch
functions (ContactKeys, contact_patterns, the pattern table, decide with the contact hard rules and the
reviewers' answers, the contact entity constraints of cluster.py): the decisions of `crmtool dedupe
--object contacts --against STORE` for that record (tests/dedupe/test_realtime_objects.py).

`lead_answer` links one lead as crmtool.dedupe.cross does: its person fields against the contacts (without
accounts on either side, as cross compares them), its company against the accounts, combined by cross's
`resolve_links`. `Checker` routes a request by its `object` to the LiveIndex of that object.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from crmtool.dedupe.realtime import Candidate, LiveIndex, LiveRows, RecordError

CONTACT_FIELDS = ("name", "mobile", "phone", "email", "account_id", "title", "department")
LEAD_FIELDS = ("name", "mobile", "phone", "email", "title", "department", "company", "credit_code", "address")
OBJECTS = ("accounts", "contacts", "leads")
_NEAREST = 10  # blocking.NEIGHBOURS: the name rule's pairs kept per record
_KEY_RULES = (("mobile", "mobiles"), ("email", "email"), ("name_account", None), ("pinyin_account", None))


def _text(value) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


def one_contact_keys(record: dict) -> dict:
    """contacts.contact_keys of one record (CONTACT_FIELDS: text or None) as a dict, without pandas: the same
    functions on the same cells (held equal to contact_keys by a test)."""
    from crmtool.dedupe.contacts import email_key, name_parts, phone_parts, plain_key

    def cell(name):
        value = record.get(name)
        return value if isinstance(value, str) and value.strip() else None

    name = cell("name")
    parts = name_parts(name) if name is not None else None
    out = dict(zip(("name_key", "pinyin_key", "surname", "latin", "full"),
                   parts if parts is not None else (None, None, None, None, None), strict=True))
    out["latin"], out["full"] = bool(out["latin"]), bool(out["full"])
    mobiles, landline, extension = [], None, None
    for source in ("mobile", "phone"):
        value = cell(source)
        found = phone_parts(value) if value is not None else None
        if found is None:
            continue
        mobiles += [m for m in found[0] if m not in mobiles]
        if landline is None and found[1]:
            landline, extension = found[1][0]
    out["mobile1"] = mobiles[0] if mobiles else None
    out["mobile2"] = mobiles[1] if len(mobiles) > 1 else None
    email = cell("email")
    found = email_key(email) if email is not None else None
    out["email"] = found[0] if found else None
    out["work_email"] = found[0] if found and found[1] else None
    for column, key in (("account_id", "account"), ("title", "title"), ("department", "department")):
        value = cell(column)
        out[key] = plain_key(value) if value is not None else None
    out["landline"], out["extension"], out["mobiles"] = landline, extension, mobiles
    return out


def _codes(values: list) -> np.ndarray:
    seen: dict = {}
    return np.array([-1 if v is None else seen.setdefault(v, len(seen)) for v in values], dtype=np.int32)


def pair_keys_of(keys: list[dict]):
    """contacts.ContactKeys of a few records' key dicts (ContactKeys.from_keys without a frame: codes are
    only compared for equality, so any numbering does)."""
    import pyarrow as pa

    from crmtool.dedupe.contacts import ContactKeys

    n = len(keys)
    column = {c: [k[c] for k in keys] for c in ("name_key", "pinyin_key", "surname", "mobile1", "mobile2", "email",
                                                 "work_email", "account", "title", "department", "landline",
                                                 "extension")}
    mobiles = _codes(column["mobile1"] + column["mobile2"])
    emails = _codes(column["email"])
    work = np.array([w is not None for w in column["work_email"]], dtype=bool)
    return ContactKeys(
        name=_codes(column["name_key"]), pinyin=_codes(column["pinyin_key"]), surname=_codes(column["surname"]),
        latin=np.array([k["latin"] for k in keys], dtype=bool), full=np.array([k["full"] for k in keys], dtype=bool),
        mobile1=mobiles[:n], mobile2=mobiles[n:], email=emails, work_email=np.where(work, emails, -1),
        account=_codes(column["account"]), title=_codes(column["title"]), department=_codes(column["department"]),
        landline=_codes(column["landline"]), extension=_codes(column["extension"]),
        name_len=np.array([len(v) if v is not None else 0 for v in column["name_key"]], dtype=np.int16),
        name_text=pa.array(column["name_key"], type=pa.string()))


class ContactIndex(LiveRows):
    """The store's contacts, their keys and block dicts; `lookup` answers one contact (see the module
    docstring). Not thread-safe: LiveIndex serialises access."""

    FIELDS = CONTACT_FIELDS
    REQUIRED = "every contact needs the person's name"

    def __init__(self, settings=None):
        from crmtool.dedupe.pipeline import COMPARISONS, DedupeSettings, _tables
        from crmtool.dedupe.rules import builtin_rules

        self.settings = settings or DedupeSettings.from_rules(builtin_rules("contacts"))
        if self.settings.compare != "contact":
            raise ValueError("ContactIndex needs the contact comparison set's settings")
        self.rules = set(self.settings.blocks)
        self.tables = _tables(self.settings)
        self.fingerprint_fields = COMPARISONS["contact"].fingerprint_fields
        self._reasons: dict[tuple, str] = {}
        self.keys: list[dict] = []  # per row: contact_keys' columns
        self.row_key: list[str] = []
        self.names: list[str | None] = []
        self.accounts: list[str | None] = []  # the account_id as stored
        self.alive = np.zeros(0, dtype=bool)
        self.pending = np.zeros(0, dtype=bool)
        self.fp = np.zeros(0, dtype=np.uint64)  # every contact field: what a refresh compares
        self.review_fp = np.zeros(0, dtype=np.uint64)  # the reviewer fingerprint (decisions.py)
        self.maps: dict[str, dict[str, list[int]]] = {m: {} for m in ("key", "mobile", "email", "name_account",
                                                                       "pinyin_account", "name")}

    @classmethod
    def build(cls, store_rows: pd.DataFrame, settings=None, *, key: str = "contact_id") -> ContactIndex:
        index = cls(settings)
        index.add_rows(store_rows, key=key)
        return index

    @property
    def nbytes(self) -> int:
        import sys

        rows = sum(sys.getsizeof(k) + sum(sys.getsizeof(v) for v in k.values()) for k in self.keys[:1000])
        per_row = rows / max(1, min(1000, len(self.keys)))
        maps = sum(sys.getsizeof(m) + sum(sys.getsizeof(k) + 64 for k in m) for m in self.maps.values())
        return int(per_row * len(self.keys) + maps)

    @staticmethod
    def _fields(rows: pd.DataFrame, key: str) -> pd.DataFrame:
        fields = pd.DataFrame({key: rows[key].astype("string")})
        for c in CONTACT_FIELDS:
            fields[c] = rows[c].astype("string") if c in rows.columns else pd.Series(pd.NA, index=rows.index, dtype="string")
        return fields

    @staticmethod
    def _blocks(k: dict) -> dict[str, list[str]]:
        """The block keys of one record's contact keys, per rule (blocking.CONTACT_BLOCK_RULES)."""
        name = k["name_key"] if k["full"] else None  # contact_block_table's name_key: full names only
        out = {"mobile": list(k["mobiles"] or []), "email": [k["email"]] if k["email"] is not None else []}
        account = k["account"]
        out["name_account"] = [f"{name}|{account}"] if name is not None and account is not None else []
        out["pinyin_account"] = ([f"{k['pinyin_key']}|{account}"] if k["pinyin_key"] is not None and account is not None
                                 else [])
        out["name"] = [name] if name is not None and len(name) >= 2 else []
        return out

    @staticmethod
    def _key_dicts(rows: pd.DataFrame) -> list[dict]:
        from crmtool.dedupe.contacts import contact_keys

        keys = contact_keys(rows)
        columns = {c: keys[c].tolist() for c in keys.columns}
        out = []
        for i in range(len(keys)):
            d = {c: _text(columns[c][i]) for c in keys.columns}
            d["full"], d["latin"] = bool(d["full"]), bool(d["latin"])
            d["mobiles"] = list(columns["mobiles"][i]) if columns["mobiles"][i] is not None else []
            out.append(d)
        return out

    def add_rows(self, rows: pd.DataFrame, *, key: str, pending: bool = False) -> np.ndarray:
        from crmtool.dedupe.decisions import fingerprint_values

        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        rows = rows.reset_index(drop=True)
        fields = self._fields(rows, key)
        keys = self._key_dicts(fields[list(CONTACT_FIELDS)])
        self.remove(fields[key].tolist())
        start = len(self.keys)
        ids = np.arange(start, start + len(fields), dtype=np.int64)
        for i, (row_key, name, account, k) in enumerate(zip(fields[key].tolist(), fields["name"].tolist(),
                                                            fields["account_id"].tolist(), keys, strict=True)):
            row = start + i
            self.keys.append(k)
            self.row_key.append(row_key)
            self.names.append(_text(name))
            self.accounts.append(_text(account))
            self.maps["key"].setdefault(row_key, []).append(row)
            for rule, values in self._blocks(k).items():
                for v in values:
                    self.maps[rule].setdefault(v, []).append(row)
        self.alive = np.concatenate([self.alive, np.ones(len(fields), dtype=bool)])
        self.pending = np.concatenate([self.pending, np.full(len(fields), pending)])
        self.fp = np.concatenate([self.fp, fingerprint_values(fields, CONTACT_FIELDS)])
        self.review_fp = np.concatenate([self.review_fp, fingerprint_values(fields, self.fingerprint_fields)])
        return ids

    def remove(self, keys: list[str]) -> int:
        rows = self.live_rows(keys)
        rows = rows[rows >= 0]
        self.alive[rows] = False
        return len(rows)

    def live_rows(self, keys: list[str]) -> np.ndarray:
        out = np.full(len(keys), -1, dtype=np.int64)
        for j, k in enumerate(keys):
            live = [r for r in self.maps["key"].get(k, ()) if self.alive[r]]
            if live:
                out[j] = live[-1]
        return out

    def sync(self, rows: pd.DataFrame, *, key: str, full: bool) -> dict:
        """As MatchIndex.sync: rows whose key is new or whose fields changed are (re)indexed; with `full`
        the stored keys `rows` lacks are removed."""
        from crmtool.dedupe.decisions import fingerprint_values

        rows = rows.reset_index(drop=True)
        keys = rows[key].astype("string").tolist()
        live = self.live_rows(keys)
        same = np.zeros(len(rows), dtype=bool)
        known = live >= 0
        if len(rows):
            fp = fingerprint_values(self._fields(rows, key), CONTACT_FIELDS)
            same[known] = (self.fp[live[known]] == fp[known]) & ~self.pending[live[known]]
        removed = 0
        if full:
            keep = np.zeros(len(self.alive), dtype=bool)
            keep[live[known]] = True
            gone = np.flatnonzero(self.alive & ~self.pending & ~keep)
            self.alive[gone] = False
            removed = len(gone)
        self.add_rows(rows[~same], key=key)
        return {"added": int((~known).sum()), "changed": int((known & ~same).sum()), "removed": removed}

    def compacted(self) -> ContactIndex:
        """A new index of the live rows only; keys are not computed again."""
        fresh = ContactIndex(self.settings)
        for row in np.flatnonzero(self.alive).tolist():
            new = len(fresh.keys)
            k = self.keys[row]
            fresh.keys.append(k)
            fresh.row_key.append(self.row_key[row])
            fresh.names.append(self.names[row])
            fresh.accounts.append(self.accounts[row])
            fresh.maps["key"].setdefault(self.row_key[row], []).append(new)
            for rule, values in self._blocks(k).items():
                for v in values:
                    fresh.maps[rule].setdefault(v, []).append(new)
        live = self.alive
        fresh.alive = np.ones(int(live.sum()), dtype=bool)
        fresh.pending, fresh.fp, fresh.review_fp = self.pending[live], self.fp[live], self.review_fp[live]
        return fresh

    # lookup -------------------------------------------------------------------------------------------

    def _live(self, rule: str, value: str) -> list[int]:
        return [r for r in self.maps[rule].get(value, ()) if self.alive[r]]

    def candidates(self, k: dict, *, accounts: bool = True) -> list[int]:
        """The live rows the contact block rules in force pair with a record of keys `k`, in row order.
        `accounts` False: the accounts of the record and of the stored rows are left out (cross.py's lead
        comparison: no account rules, every record without an account)."""
        max_block = self.settings.max_block
        blocks = self._blocks(k if accounts else {**k, "account": None})
        found: set[int] = set()
        for rule, _ in _KEY_RULES:
            if rule not in self.rules or (not accounts and rule in ("name_account", "pinyin_account")):
                continue
            for value in blocks[rule]:
                rows = self._live(rule, value)
                if len(rows) + 1 <= max_block:
                    found.update(rows)
        if "name" in self.rules and blocks["name"]:
            rows = self._live("name", blocks["name"][0])
            is_open = [True] * len(rows) if not accounts else [self.keys[r]["account"] is None for r in rows]
            record_open = k["account"] is None or not accounts
            if rows and len(rows) + 1 <= max_block and (record_open or any(is_open)):
                found.update(r for r, o in zip(rows, is_open, strict=True) if o)  # each keeps the record
                if record_open:
                    def near(r):
                        other = self.keys[r]
                        return (2 * int(k["landline"] is not None and k["landline"] == other["landline"])
                                + int(k["title"] is not None and k["title"] == other["title"]))
                    found.update(sorted(rows, key=lambda r: (-near(r), r))[:_NEAREST])
        return sorted(found)

    def lookup(self, record: dict, *, exclude_key: str | None = None, entities: bool = True,
               accounts: bool = True) -> list[Candidate]:
        """The live contacts a record (CONTACT_FIELDS: text or None) is or may be, best first; as
        MatchIndex.lookup. `accounts` False: compared without the account (see `candidates`)."""
        from crmtool.dedupe.cluster import cluster
        from crmtool.dedupe.contacts import contact_constraints, contact_patterns
        from crmtool.dedupe.decide import DECISIONS, RULES, decide

        record = {c: (None if record.get(c) is None else str(record.get(c))) for c in CONTACT_FIELDS}
        if not accounts:
            record["account_id"] = None
        own = one_contact_keys(record)
        rows = self.candidates(own, accounts=accounts)
        if exclude_key is not None:
            mine = set(self.maps["key"].get(exclude_key, ()))
            rows = [r for r in rows if r not in mine]
        if not rows:
            return []
        others = [self.keys[r] for r in rows]
        ck = pair_keys_of([own] + ([{**o, "account": None} for o in others] if not accounts else others))
        k = len(rows)
        a, b = np.zeros(k, dtype=np.int32), np.arange(1, k + 1, dtype=np.int32)
        pattern = contact_patterns(ck, a, b)
        weight = self.tables.patterns.weight[pattern].astype(np.float32)
        reviewed = None
        if self.settings.decisions:
            from crmtool.dedupe.decisions import answers, fingerprint_values

            mine_fp = fingerprint_values(pd.DataFrame([record]).astype("string"), self.fingerprint_fields)
            reviewed = answers(np.concatenate([mine_fp, self.review_fp[rows]]), a, b, self.settings.decisions)
        decision, rule = decide(self.tables.decisions, pattern, reviewed)
        decision, rule = decision.copy(), rule.copy()
        is_match = decision == DECISIONS.index("match")
        refused = np.zeros(k, dtype=np.int8)
        if entities and is_match.any():
            strong = self.tables.decisions.strong[pattern[is_match]] | (rule[is_match] == RULES.index("rule:reviewed_yes"))
            _, refusal = cluster(k + 1, a[is_match], b[is_match], weight[is_match], strong=strong,
                                 **contact_constraints(ck, self.settings.hard_rules))
            refused[is_match] = refusal
            decision[refused > 0] = DECISIONS.index("non-match")
        score = np.round(weight.astype(np.float64), 2)
        out = []
        for j in np.flatnonzero(decision != DECISIONS.index("non-match")).tolist():
            p = int(pattern[j])
            if p not in self._reasons:
                self._reasons[p] = self.tables.patterns.reasons(p)
            parts = [self._reasons[p]] + ([RULES[rule[j]]] if rule[j] else [])
            row = rows[j]
            out.append(Candidate(self.row_key[row], self.names[row], float(score[j]), DECISIONS[decision[j]],
                                 "; ".join(x for x in parts if x), bool(self.pending[row]), account=self.accounts[row],
                                 contact=True))
        out.sort(key=lambda c: (-c.score, c.key))
        return out


# leads ----------------------------------------------------------------------------------------------------


def parse_lead(obj: dict) -> dict:
    """A lead request's fields (LEAD_FIELDS: text or None); RecordError for what cannot be answered."""
    fields = {}
    for name in LEAD_FIELDS:
        value = obj.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
            raise RecordError(f"{name}: expected text, got {type(value).__name__}")
        fields[name] = None if value is None or not str(value).strip() else str(value)
    if fields["name"] is None and fields["company"] is None:
        raise RecordError("name, company: missing (a lead needs the person's name or the company name)")
    if isinstance(obj.get("id"), (dict, list)):
        raise RecordError("id: expected text or a number")
    if obj.get("add"):
        raise RecordError("add: only accounts and contacts can be added")
    return fields


def lead_links(lead: dict, *, accounts=None, contacts=None) -> list[dict]:
    """One lead's links as crmtool.dedupe.cross decides them (its `resolve_links` on this lead's candidates):
    dicts with object, key, account, score, decision, reasons, best first. `accounts`, `contacts`: a
    MatchIndex and a ContactIndex (either may be None)."""
    from crmtool.canon.blank import is_blank
    from crmtool.dedupe.cross import Link, company_reason, contact_reason, resolve_links

    company_rows, people_rows = [], []
    person = {c: lead.get(c) for c in ("name", "mobile", "phone", "email", "title", "department")}
    if contacts is not None and any(person[c] for c in ("name", "mobile", "phone", "email")):
        for c in contacts.lookup(person, accounts=False):
            people_rows.append(Link("lead", "contacts", c.key, c.account, c.score, c.decision,
                                    contact_reason(c.reasons, c.key, c.account)))
    if accounts is not None and lead.get("company"):
        record = {"name": lead["company"], "credit_code": lead.get("credit_code"), "phone": lead.get("phone"),
                  "address": lead.get("address")}
        for c in accounts.lookup(record, refused_as_review=True):
            company_rows.append(Link("lead", "accounts", c.key, c.key, c.score, c.decision,
                                     company_reason(c.key, c.reasons)))
    has_company = accounts is not None and isinstance(lead.get("company"), str) and not is_blank(lead["company"])
    links = resolve_links(company_rows, people_rows, has_company)
    links.sort(key=lambda r: ({"match": 0, "review": 1}[r.decision], -r.score, r.object != "contacts", r.target_key))
    return [{"object": r.object, "key": r.target_key, "account": r.account_key, "score": r.score,
             "decision": r.decision, "reasons": r.reasons} for r in links]


# routing ----------------------------------------------------------------------------------------------


class Checker:
    """The real-time check for every object: a LiveIndex per object of the store (accounts at once,
    contacts at once when the store holds any, else on the first request that needs them), a request
    routed by its `object` (accounts by default; leads to both). Has LiveIndex's interface (answer,
    health, poll, start, close, context manager)."""

    def __init__(self, target_factory, *, keys: dict[str, str], settings: dict, refresh: float = 1.0, warn=None):
        self.target_factory = target_factory  # object name → a store target (read-only, not opened)
        self.keys = keys  # object name → its external id
        self.settings = settings  # object name → DedupeSettings (accounts, contacts)
        self.refresh = refresh
        self.warn = warn
        self.lives: dict[str, LiveIndex] = {}
        self._lock = threading.Lock()
        self._started = False

    def _new(self, name: str) -> LiveIndex:
        from crmtool.dedupe.realtime import MatchIndex

        return LiveIndex(self.target_factory(name), object_name=name, key=self.keys[name],
                         settings=self.settings[name], refresh=self.refresh, warn=self.warn,
                         index_class=ContactIndex if name == "contacts" else MatchIndex)

    def build(self) -> Checker:
        self.lives["accounts"] = self._new("accounts").build()
        probe = self._new("contacts")
        with probe.target:
            held = probe.target.change_marker("contacts")[0]
        if held:
            self.lives["contacts"] = probe.build()
        return self

    def live(self, name: str) -> LiveIndex:
        with self._lock:
            if name not in self.lives:
                self.lives[name] = self._new(name).build()
                if self._started:
                    self.lives[name].start()
            return self.lives[name]

    @property
    def main(self) -> LiveIndex:
        return self.lives["accounts"]

    def answer(self, obj: object) -> dict:
        kind = obj.get("object", "accounts") if isinstance(obj, dict) else "accounts"
        ident = obj.get("id") if isinstance(obj, dict) and not isinstance(obj.get("id"), (dict, list)) else None
        if kind not in OBJECTS:
            error = f"object {kind!r}: only {', '.join(OBJECTS)} can be checked"
            return {"id": ident, "error": error} if ident is not None else {"error": error}
        if kind != "leads":
            return self.live(kind).answer(obj)
        try:
            lead = parse_lead(obj)
        except RecordError as exc:
            return {"id": ident, "error": str(exc)} if ident is not None else {"error": str(exc)}
        accounts, contacts = self.live("accounts"), self.live("contacts")
        for live in (accounts, contacts):
            if live.refresh == 0:
                live.poll()
        with accounts.locked() as account_index, contacts.locked() as contact_index:
            links = lead_links(lead, accounts=account_index, contacts=contact_index)
        decisions = {c["decision"] for c in links}
        best = "match" if "match" in decisions else "review" if decisions else "non-match"
        answer = {"decision": best, "candidates": links}
        return {"id": ident, **answer} if ident is not None else answer

    def health(self) -> dict:
        out = self.main.health()
        out["objects"] = {name: live.health() for name, live in sorted(self.lives.items())}
        return out

    def poll(self, *, force: bool = False) -> bool:
        return any([live.poll(force=force) for live in list(self.lives.values())])

    def start(self) -> Checker:
        self._started = True
        for live in self.lives.values():
            live.start()
        return self

    def close(self) -> None:
        for live in self.lives.values():
            live.close()

    def __enter__(self) -> Checker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
