"""Candidate pairs: blocking rules as SQL, run through the engine, with a count per rule.

Each rule is an expression giving zero or more block keys per record; two records sharing a key
are a candidate pair. Rules (in the order their pairs are credited, Splink-style):

- code: the normalised credit code (valid or not);
- org_code: the organisation-code part (positions 9-17), which survives a typo in the region part;
- phone: a subscriber number (mobile digits, landline local number);
- trade: the trade-name key (北京华信科技有限公司, 华信（北京）科技 and 華信科技 all give 华信科技);
- trade_del1: the trade key with one character deleted (a deletion neighbourhood): every pair of
  trade keys within one edit shares such a key, so one-character typos meet without an n-gram scan.
  The key includes the city (or the province when the name has no city), so that the neighbourhood
  stays near-linear in the data size: a typo alone is never enough to merge, and across cities it
  would meet the region rule anyway. (With the province only, a million generated records gave 18
  million one-edit-neighbourhood pairs, almost all "?信源科技" look-alikes; the byte-distance
  prefilter in PAIR_FILTERS drops those inside the join.)

A block key shared by more than `max_block` records is skipped and reported (a placeholder value such
as 有限公司 would otherwise make a quadratic block).

Incremental matching: records carry `store` (already in the CRM). Pairs are only formed where at
least one side is new, so the store is never compared with itself.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCK_RULES: dict[str, str] = {
    "code": "SELECT rid, store, code AS bk FROM keys WHERE code IS NOT NULL",
    "org_code": "SELECT rid, store, org_code AS bk FROM keys WHERE org_code IS NOT NULL",
    "phone": "SELECT rid, store, unnest(phones) AS bk FROM keys",
    "trade": "SELECT rid, store, trade AS bk FROM keys WHERE length(trade) >= 2",
    "trade_del1": (
        "SELECT DISTINCT rid, store, trade, substr(trade, 1, i - 1) || substr(trade, i + 1) || '|' || coalesce(region, province, '') AS bk "
        "FROM (SELECT rid, store, trade, region, province, unnest(range(1, length(trade) + 1)) AS i FROM keys "
        "WHERE length(trade) >= 4)"
    ),
}

# Extra conditions on a rule's pairs, applied inside the join so that the pairs they drop are never
# materialised. DuckDB's levenshtein counts UTF-8 bytes, so it is only used as a safe superset here:
# two trade keys one BMP character apart are at most 3 bytes apart; rapidfuzz does the real scoring.
PAIR_FILTERS: dict[str, str] = {
    "trade_del1": "levenshtein(l.trade, r.trade) <= 3",
}


@dataclass
class BlockingResult:
    pairs: object  # pyarrow Table: a, b (row numbers, a < b unless b is a store row), rules (list of rule names)
    counts: list[dict]  # per rule: rule, pairs (all it produced), new_pairs (not found by an earlier rule), skipped_keys


def rule_sql(rule: str, body: str, max_block: int) -> str:
    """Pairs of one rule: self-join of its block keys, big blocks skipped, store × store excluded."""
    extra = f" AND {PAIR_FILTERS[rule]}" if rule in PAIR_FILTERS else ""
    return f"""
    WITH b AS ({body}),
    ok AS (SELECT bk FROM b GROUP BY bk HAVING count(*) <= {int(max_block)} AND bool_or(NOT store))
    SELECT DISTINCT l.rid AS a, r.rid AS b, '{rule}' AS rule
    FROM b l JOIN b r ON l.bk = r.bk
    WHERE l.bk IN (SELECT bk FROM ok) AND NOT l.store AND (r.store OR l.rid < r.rid){extra}
    """


def skipped_sql(body: str, max_block: int) -> str:
    return f"SELECT count(*) AS n FROM (SELECT bk FROM ({body}) GROUP BY bk HAVING count(*) > {int(max_block)})"


def block(engine, keys, *, rules: dict[str, str] | None = None, max_block: int = 1000) -> BlockingResult:
    """Candidate pairs over `keys` (record_keys output with `rid` and `store` columns)."""
    rules = rules or BLOCK_RULES
    engine.register("keys", keys)
    engine.execute("CREATE OR REPLACE TEMP TABLE rule_pairs (a BIGINT, b BIGINT, rule VARCHAR, ord INTEGER)")
    for order, (name, body) in enumerate(rules.items()):
        engine.execute(f"INSERT INTO rule_pairs SELECT a, b, rule, {order} FROM ({rule_sql(name, body, max_block)})")
    counts = engine.sql("""
        WITH first AS (SELECT a, b, min(ord) AS ord FROM rule_pairs GROUP BY a, b)
        SELECT p.rule, p.ord, count(*) AS pairs, count(*) FILTER (WHERE f.ord = p.ord) AS new_pairs
        FROM rule_pairs p JOIN first f USING (a, b) GROUP BY p.rule, p.ord ORDER BY p.ord
    """).to_pylist()
    found = {c["rule"]: c for c in counts}
    report = []
    for name, body in rules.items():
        skipped = engine.sql(skipped_sql(body, max_block)).column("n")[0].as_py()
        c = found.get(name, {"pairs": 0, "new_pairs": 0})
        report.append({"rule": name, "pairs": int(c["pairs"]), "new_pairs": int(c["new_pairs"]),
                       "skipped_keys": int(skipped)})
    pairs = engine.sql("SELECT a, b, list(rule ORDER BY ord) AS rules FROM rule_pairs GROUP BY a, b ORDER BY a, b")
    engine.execute("DROP TABLE rule_pairs")
    engine.con.unregister("keys")
    return BlockingResult(pairs, report)
