"""Candidate pairs: blocking rules as SQL, run through the engine, with a count per rule.

Each rule gives zero or more block keys per record; two records sharing a key are a candidate pair.
Rules (in the order their pairs are credited, Splink-style):

- code: the normalised credit code (valid or not);
- org_code: the organisation-code part (positions 9-17), which survives a typo in the region part;
- phone: a subscriber number (mobile digits, landline local number);
- trade: the trade-name key (北京华信科技有限公司, 华信（北京）科技 and 華信科技 all give 华信科技);
- trade_del1: trade keys (≥ 4 characters) exactly one edit apart in one place (where the address or
  the area code says the record is, else its name's city, else its name's province), where at least one
  of the two records has no valid credit code, and each record keeps its `NEIGHBOURS` nearest such
  neighbours (same house number, then same district first). Found through the deletion neighbourhood
  of the *distinct* (trade key, place) values:
  - a substitution: both values share "position + the value with that character deleted"
    (华信科技 and 华兴科技 share 2:华科技);
  - an insertion/deletion: the shorter value is the longer one with one character deleted
    (华信科技 and 华信信科技); two longer values never meet each other this way.
  The value pairs are then expanded to the records holding them.
  The per-record bound is what keeps the rule linear in the records: one city of real data can hold
  dozens of trade names one character from each other (博启, 博信, 博兴 … 科技), and without it the pairs
  grow with that density (6.7 million at a million records of one user's data); a true one-character
  variant scores as a match only with its address (or code) agreeing, which is what ranks it first.

Why trade_del1 is shaped like this (it is the one rule whose blocks grow with the data): keyed by
the deletion alone, every two names sharing any one-deletion key met, most of them two edits apart
and useless to the scoring (11.9 million pairs at a million generated records); as a self-join of
records, the copies of a popular name met once per character; and between two records that both
carry a valid credit code a one-character name difference decides nothing: equal codes meet in
the code rule, and different valid codes are a hard non-match. (An invalid code is usually a typo
of the right one, code_close +7, so such a record still takes part.) At a million records the rule
went from 4.7 million pairs to 1.5 million, and its SQL from minutes (spilling) to seconds.

Block keys are joined as 64-bit hashes (DuckDB's `hash`), not as text: half the memory of the joins
at a million records. A collision can only add a candidate pair, which the scoring then judges on
the real values.

A block key shared by more than `max_block` records is skipped and reported (a placeholder value such
as 有限公司 would otherwise make a quadratic block).

Incremental matching: records carry `store` (already in the CRM). Pairs are only formed where at
least one side is new, so the store is never compared with itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

# a and b of a record pair: a new row first, else the smaller row number
_ORIENT = ("CASE WHEN l.store OR (NOT r.store AND r.rid < l.rid) THEN r.rid ELSE l.rid END AS a, "
           "CASE WHEN l.store OR (NOT r.store AND r.rid < l.rid) THEN l.rid ELSE r.rid END AS b")


@dataclass(frozen=True)
class BlockRule:
    """One rule as SQL over the table `keys`: `pairs` gives distinct oriented (a, b), `skipped` the
    number of oversized blocks (column n). Both take {max_block}."""

    name: str
    pairs: str
    skipped: str
    setup: tuple[str, ...] = ()  # statements run first (temporary tables both queries read)
    cleanup: tuple[str, ...] = ()

    def pairs_sql(self, max_block: int) -> str:
        return self.pairs.format(max_block=int(max_block))

    def skipped_sql(self, max_block: int) -> str:
        return self.skipped.format(max_block=int(max_block))


def key_rule(name: str, body: str, *, several: bool = False) -> BlockRule:
    """Records sharing a block key: `body` gives rid, store, bk (compared as a 64-bit hash). The keys
    and the size of each block are stored once for the pairs and the skipped count. `several`: a record
    may have several keys (two records sharing two of them meet twice: DISTINCT)."""
    table = f"kr_{name}"
    setup = (f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT rid, store, hash(bk) AS bk FROM ({body})",
             f"""CREATE OR REPLACE TEMP TABLE {table}_n AS
                 SELECT bk, count(*) AS n, bool_or(NOT store) AS has_new FROM {table} GROUP BY bk""")
    pairs = f"""
    SELECT {"DISTINCT " if several else ""}l.rid AS a, r.rid AS b
    FROM {table} l JOIN {table} r ON l.bk = r.bk
    WHERE l.bk IN (SELECT bk FROM {table}_n WHERE n <= {{max_block}} AND has_new) AND NOT l.store
      AND (r.store OR l.rid < r.rid)
    """
    skipped = f"SELECT count(*) AS n FROM {table}_n WHERE n > {{max_block}}"
    return BlockRule(name, pairs, skipped, setup, (f"DROP TABLE {table}", f"DROP TABLE {table}_n"))


_OPEN = "code IS NULL OR NOT code_valid"  # no valid credit code
NEIGHBOURS = 10  # trade_del1 pairs kept per record (its nearest; see the module docstring)
_VALUE = "hash(trade, place)"  # a (trade key, place) value

# Statements run before the neighbour rule's pairs and skipped count, which both read their tables.
_NEIGHBOUR_SETUP = [
    f"""CREATE OR REPLACE TEMP TABLE nb_rec AS
        SELECT rid, store, {_OPEN} AS open, {_VALUE} AS vh, house, district FROM keys WHERE length(trade) >= 4""",
    f"""CREATE OR REPLACE TEMP TABLE nb_v AS
        SELECT {_VALUE} AS vh, any_value(trade) AS trade, any_value(place) AS place,
               count(*) AS n, bool_or({_OPEN}) AS has_open, bool_or(NOT store) AS has_new
        FROM keys WHERE length(trade) >= 4 GROUP BY vh""",
    # per value and character: the substitution key (position, remainder, place) and, for values of
    # 5+ characters, the insertion key (remainder, place), which is the key of the value one shorter
    """CREATE OR REPLACE TEMP TABLE nb_d AS
        SELECT vh, n, has_open, has_new, len, hash(i, substr(trade, 1, i - 1), substr(trade, i + 1), place) AS k,
               CASE WHEN len >= 5 THEN hash(substr(trade, 1, i - 1) || substr(trade, i + 1), place) END AS k2
        FROM (SELECT *, length(trade) AS len, unnest(range(1, length(trade) + 1)) AS i FROM nb_v)""",
    # the substitution keys with an open value; `values`: how many values share the key (one: no pair)
    """CREATE OR REPLACE TEMP TABLE nb_sub_size AS
        SELECT k, sum(n) AS size, bool_or(has_new) AS has_new, count(*) AS values
        FROM nb_d SEMI JOIN (SELECT k FROM nb_d WHERE has_open) o USING (k) GROUP BY k""",
    """CREATE OR REPLACE TEMP TABLE nb_ins AS
        SELECT DISTINCT s.vh AS v1, d.vh AS v2, s.n AS n1, d.n AS n2,
               s.has_open OR d.has_open AS has_open, s.has_new OR d.has_new AS has_new
        FROM nb_v s JOIN nb_d d ON d.k2 = s.vh WHERE d.len >= 5""",
    """CREATE OR REPLACE TEMP TABLE nb_ins_size AS
        SELECT v1, max(n1) + sum(n2) AS size, bool_or(has_new) AS has_new FROM nb_ins GROUP BY v1""",
]
_NEIGHBOUR_CLEANUP = [f"DROP TABLE nb_{t}" for t in ("rec", "v", "d", "sub_size", "ins", "ins_size")]

_NEIGHBOURS = f"""
    WITH small AS (SELECT k FROM nb_sub_size WHERE size <= {{max_block}} AND has_new AND values > 1),
    -- both sides cut to the keys in bounds before the join (Spark keeps the join order as written: the
    -- join of every key's values first would be quadratic in the largest key)
    sub AS (SELECT o.vh AS v1, x.vh AS v2
            FROM (SELECT k, vh FROM nb_d SEMI JOIN small USING (k) WHERE has_open) o
            JOIN (SELECT k, vh FROM nb_d SEMI JOIN small USING (k)) x ON o.k = x.k
            WHERE o.vh <> x.vh),
    vp AS (SELECT DISTINCT least(v1, v2) AS v1, greatest(v1, v2) AS v2 FROM (
             SELECT v1, v2 FROM sub
             UNION ALL SELECT v1, v2 FROM nb_ins
                 SEMI JOIN (SELECT v1 FROM nb_ins_size WHERE size <= {{max_block}} AND has_new) z USING (v1)
                 WHERE has_open)),
    -- materialised, so that the optimiser joins each side on its value, never the records directly
    half AS MATERIALIZED (SELECT nb_rec.*, vp.v2 FROM vp JOIN nb_rec ON nb_rec.vh = vp.v1),
    rp AS (SELECT {_ORIENT},
                  (l.house >= 0 AND l.house = r.house)::INT * 2 + (l.district >= 0 AND l.district = r.district)::INT AS near
           FROM half l JOIN nb_rec r ON r.vh = l.v2
           WHERE NOT (l.store AND r.store) AND (l.open OR r.open)),
    -- each pair once from each of its records, ranked among that record's pairs
    ends AS (SELECT a AS x, b AS y, a, b, near FROM rp UNION ALL SELECT b AS x, a AS y, a, b, near FROM rp)
    SELECT DISTINCT a, b FROM ends
    QUALIFY row_number() OVER (PARTITION BY x ORDER BY near DESC, y) <= {NEIGHBOURS}
    """

_NEIGHBOURS_SKIPPED = """
    SELECT (SELECT count(*) FROM nb_sub_size WHERE size > {max_block})
         + (SELECT count(*) FROM nb_ins_size WHERE size > {max_block}) AS n
    """

BLOCK_RULES: list[BlockRule] = [
    key_rule("code", "SELECT rid, store, code AS bk FROM keys WHERE code IS NOT NULL"),
    key_rule("org_code", "SELECT rid, store, org_code AS bk FROM keys WHERE org_code IS NOT NULL"),
    key_rule("phone", "SELECT rid, store, unnest(phones) AS bk FROM keys", several=True),
    key_rule("trade", "SELECT rid, store, trade AS bk FROM keys WHERE length(trade) >= 2"),
    BlockRule("trade_del1", _NEIGHBOURS, _NEIGHBOURS_SKIPPED, tuple(_NEIGHBOUR_SETUP), tuple(_NEIGHBOUR_CLEANUP)),
]


# Contacts (the contact comparison set; crmtool.dedupe.contacts.contact_block_table gives `keys`): a
# shared mobile or e-mail; the name or the pinyin key within one account; the name key alone only for
# a record without an account (two records at two accounts are two people, and the pairs of one account
# are the name_account rule's), in blocks of at most max_block records, and each such record keeps its
# NEIGHBOURS nearest (same landline, then same title first): a common name (张伟) would otherwise pair
# every record without an account with every 张伟, and the pairs grow with the square of the data.
_NAME_ALONE = f"""
    WITH k AS (SELECT rid, store, account IS NULL AS open, hash(name_key) AS bk, landline, title FROM keys
               WHERE name_key IS NOT NULL AND length(name_key) >= 2),
    ok AS (SELECT bk FROM k GROUP BY bk HAVING count(*) <= {{max_block}} AND bool_or(NOT store) AND bool_or(open)),
    rp AS (SELECT l.rid AS x, r.rid AS y,
                  CASE WHEN l.store OR (NOT r.store AND r.rid < l.rid) THEN r.rid ELSE l.rid END AS a,
                  CASE WHEN l.store OR (NOT r.store AND r.rid < l.rid) THEN l.rid ELSE r.rid END AS b,
                  (l.landline IS NOT NULL AND l.landline = r.landline)::INT * 2
                  + (l.title IS NOT NULL AND l.title = r.title)::INT AS near
           FROM k l JOIN k r ON l.bk = r.bk
           WHERE l.bk IN (SELECT bk FROM ok) AND l.open AND l.rid <> r.rid AND NOT (l.store AND r.store))
    SELECT DISTINCT a, b FROM rp
    QUALIFY row_number() OVER (PARTITION BY x ORDER BY near DESC, y) <= {NEIGHBOURS}
    """
_NAME_ALONE_SKIPPED = """
    SELECT count(*) AS n FROM (SELECT name_key FROM keys WHERE name_key IS NOT NULL AND length(name_key) >= 2
                               GROUP BY name_key HAVING count(*) > {max_block} AND bool_or(account IS NULL))
    """

CONTACT_BLOCK_RULES: list[BlockRule] = [
    key_rule("mobile", "SELECT rid, store, unnest(mobiles) AS bk FROM keys"),
    key_rule("email", "SELECT rid, store, email AS bk FROM keys WHERE email IS NOT NULL"),
    key_rule("name_account", "SELECT rid, store, name_key || '|' || account AS bk FROM keys "
                             "WHERE name_key IS NOT NULL AND account IS NOT NULL"),
    key_rule("pinyin_account", "SELECT rid, store, pinyin_key || '|' || account AS bk FROM keys "
                               "WHERE pinyin_key IS NOT NULL AND account IS NOT NULL"),
    BlockRule("name", _NAME_ALONE, _NAME_ALONE_SKIPPED),
]


def block_rules(names: tuple[str, ...] | list[str], compare: str = "company") -> list[BlockRule]:
    """The rules of BLOCK_RULES (or, for `compare` contact, CONTACT_BLOCK_RULES) by name, in the order
    given (a rules file's `blocking.rules`)."""
    by_name = {r.name: r for r in (CONTACT_BLOCK_RULES if compare == "contact" else BLOCK_RULES)}
    return [by_name[n] for n in names]


@dataclass
class BlockingResult:
    """Per-rule counts; the candidate pairs stay in the engine (table `candidate_pairs`) to be streamed."""

    counts: list[dict]  # per rule: rule, pairs (all it produced), new_pairs (not found by an earlier rule), skipped_keys
    engine: object = field(repr=False)
    total: int = 0

    def batches(self, rows: int = 500_000) -> Iterator:
        """Arrow record batches of a, b (row numbers; a < b unless b is a store row), phone (the phone
        rule found the pair), ordered by (a, b)."""
        return self.engine.batches("SELECT a, b, phone FROM candidate_pairs ORDER BY a, b", rows)

    def table(self):
        """All candidate pairs as one Arrow table (for small inputs and tests)."""
        return self.engine.sql("SELECT a, b, phone FROM candidate_pairs ORDER BY a, b")


def block_table(keys, store, codes=None):
    """The blocking input from record keys (keys.record_keys) as one Arrow table: rid, store, code,
    code_valid, org_code, place (where the record is, else its name's city, else its name's province;
    -1 for none), district and house as integer codes, trade, phones.

    `store`: per row, whether it is a store row. `codes`: the integer codes already made for scoring
    (scoring.PairKeys), to reuse."""
    import numpy as np
    import pyarrow as pa

    from crmtool.dedupe.scoring import Places, int_codes

    def nullable(values: np.ndarray):
        return pa.array(values, mask=values < 0, type=pa.int32())

    code = codes.code if codes is not None else int_codes(keys["code"])
    org = codes.org if codes is not None else int_codes(keys["org_code"])
    places = codes.place if codes is not None else Places.from_keys(keys)
    branch = codes.branch if codes is not None else int_codes(keys["branch"])
    city = places.evidence(branch)
    place = np.where(city >= 0, city, np.where(places.name_province >= 0, places.name_province + (1 << 20), -1))
    n = len(keys)
    return pa.table({
        "rid": pa.array(np.arange(n, dtype=np.int32)),
        "store": pa.array(np.broadcast_to(np.asarray(store, dtype=bool), n)),
        "code": nullable(code),
        "code_valid": pa.array(keys["code_valid"].to_numpy(dtype=bool)),
        "org_code": nullable(org),
        "place": pa.array(place.astype(np.int32)),
        "district": pa.array(places.district.astype(np.int32)),
        "house": pa.array(keys["house"].to_numpy(dtype=np.int32)),
        "trade": pa.array(keys["trade"], type=pa.string()),
        "phones": pa.array(keys["phones"]),
    })


def block(engine, table, *, rules: list[BlockRule] | None = None, max_block: int = 1000) -> BlockingResult:
    """Candidate pairs over `table` (`block_table`), left in the engine as `candidate_pairs (a, b, phone)`."""
    rules = BLOCK_RULES if rules is None else rules
    names = list(dict.fromkeys(r.name for r in rules))
    phone_ord = names.index("phone") if "phone" in names else -1
    engine.register("keys", table)
    engine.execute("CREATE OR REPLACE TEMP TABLE rule_pairs (a INTEGER, b INTEGER, ord TINYINT)")
    skipped = dict.fromkeys(names, 0)
    for rule in rules:
        for statement in rule.setup:
            engine.execute(statement)
        engine.execute(f"INSERT INTO rule_pairs SELECT a, b, {names.index(rule.name)} FROM ({rule.pairs_sql(max_block)})")
        skipped[rule.name] += engine.sql(rule.skipped_sql(max_block)).column("n")[0].as_py()
        for statement in rule.cleanup:
            engine.execute(statement)
    engine.unregister("keys")
    engine.execute(f"""CREATE OR REPLACE TEMP TABLE candidate_pairs AS
        SELECT a, b, min(ord) AS first, bool_or(ord = {phone_ord}) AS phone FROM rule_pairs GROUP BY a, b""")
    produced = _counts(engine, "SELECT ord AS k, count(*) AS n FROM rule_pairs GROUP BY ord")
    new = _counts(engine, "SELECT first AS k, count(*) AS n FROM candidate_pairs GROUP BY first")
    engine.execute("DROP TABLE rule_pairs")
    counts = [{"rule": name, "pairs": produced.get(i, 0), "new_pairs": new.get(i, 0), "skipped_keys": int(skipped[name])}
              for i, name in enumerate(names)]
    return BlockingResult(counts, engine, sum(new.values()))


def _counts(engine, query: str) -> dict[int, int]:
    result = engine.sql(query).to_pydict()
    return {int(k): int(n) for k, n in zip(result["k"], result["n"], strict=True)}
