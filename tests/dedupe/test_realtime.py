"""The real-time check (crmtool.dedupe.realtime, `crmtool match`, `crmtool serve`): one record's keys are
batch's, a lookup decides what `crmtool dedupe --against STORE` decides, rows written to the store
are seen by the next lookup, bad lines get an error object and the stream goes on, and the HTTP
endpoint answers the same over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from crmtool.dedupe.keys import one_record_keys, record_keys
from crmtool.dedupe.pipeline import DedupeSettings, dedupe
from crmtool.dedupe.realtime import MATCH_FIELDS, LiveIndex, MatchIndex, parse_request, RecordError
from crmtool.dedupe.rules import load_rules
from crmtool.load import open_target
from crmtool.model import load_object_model
from crmtool.synth import generate_accounts

FIELDS = list(MATCH_FIELDS)
ODD = pd.DataFrame({  # cells the generator does not make: odd spaces, full-width forms, numbers in many shapes
    "account_id": [f"X{i}" for i in range(12)],
    "name": [" 北京华信科技有限公司\u3000", "", None, "華信(北京)科技有限公司", "\x1f华信科技\x1f", "  ", "上海华信科技有限公司上海分公司",
             "a", "有限公司", "北京市华信科技有限公司", "华信科技", "（西安）博启科技有限公司"],
    "credit_code": [" 91110108MA01ABCD1X ", "", None, "９１１１０１０８ＭＡ０１ＡＢＣＤ１Ｘ", "MA01ABCD1", "123", "91110108MA01ABCD1",
                    "o1110108ma01abcd1x", None, None, "x", "91610100MA6TXXXX1X"],
    "phone": ["025-6593 7957", "", None, "+86 25 6593 7957", "(010)62345678转123", "13800138000 13900139000",
              "0755-88886666;021-55556666", "65937957.0", "１３８００１３８０００", "\n010-62345678\n", "0086 10 62345678",
              "028-66668888"],
    "address": ["  北京市 海淀区 中关村大街27号 ", "", None, "天津市南开区鞍山西道218号", "人民路293号3楼", "中国广东省佛山市禅城区季华路66号",
                "北京市朝阳区", "ab", "建国路88号SOHO现代城A座1205", "四川省成都市武侯区人民南路4段99999999999号",
                "\t上海市\n浦东新区\r世纪大道100号", "内蒙古自治区呼和浩特市新城区1号"],
}).astype("string")


def _record(row) -> dict:
    return {c: (None if pd.isna(row[c]) else str(row[c])) for c in FIELDS}


def _accounts(n: int, seed: int) -> pd.DataFrame:
    records, _ = generate_accounts(n, seed=seed, hard=True)
    return records.rename(columns={"record_id": "account_id"})[["account_id", *FIELDS]].astype("string")


def _load(url: str, rows: pd.DataFrame, run_id: str = "r1") -> None:
    from crmtool.load.stage import row_hash

    rows = rows.reset_index(drop=True).astype("string[pyarrow]")
    rows["_crm_hash"] = row_hash(rows, FIELDS)
    with open_target(url, load_object_model()) as target:
        target.ensure_schema(["accounts"])
        target.upsert("accounts", rows, run_id)


def _delete(url: str, keys: list[str]) -> None:
    with open_target(url, load_object_model()) as target:
        target.delete("accounts", keys)


def _live(url: str, settings=None, refresh: float = 0.0) -> LiveIndex:
    target = open_target(url, load_object_model())
    target.read_only = True
    return LiveIndex(target, settings=settings or DedupeSettings(processes=1), refresh=refresh).build()


def _keys(answer: dict) -> list[str]:
    return [c["key"] for c in answer["candidates"]]


# keys -------------------------------------------------------------------------------------------------


def test_one_record_keys_are_the_keys_record_keys_gives():
    table = pd.concat([_accounts(3000, seed=21), ODD], ignore_index=True)
    keys = record_keys(table, "account_id")
    mismatches = []
    for i, row in table.iterrows():
        one = one_record_keys(_record(row))
        for column, value in one.items():
            batch = keys[column].iloc[i]
            batch = (list(batch) if column == "phones" else bool(batch) if column == "code_valid"
                     else int(batch) if column == "house" else None if pd.isna(batch) else batch)
            if value != batch:
                mismatches.append((i, column, value, batch))
    assert mismatches == []


# the index against batch -----------------------------------------------------------------------------


def _batch_pairs(cli, tmp_path, lookups: pd.DataFrame, store: Path, rules: Path | None) -> dict:
    """`crmtool dedupe LOOKUPS --against STORE` → {(new key, stored key): (decision, score, reasons)} for the
    pairs it decides match or review (before the entity step: a match refused by the entities is a match)."""
    source = tmp_path / "lookups.csv"
    lookups.to_csv(source, index=False)
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    args = ["dedupe", source, "--key", "account_id", "--out", out, "--pairs", pairs, "--against", store]
    result = cli(*args, *(["--rules", rules] if rules else []))
    assert result.code == 0, result.stderr
    found = pd.read_csv(pairs, dtype=str, keep_default_na=False)
    new = set(lookups["account_id"])
    found = found[found["key_a"].isin(new) != found["key_b"].isin(new)]
    refused = found["reasons"].str.contains("rule:cluster_constraint", regex=False)
    found.loc[refused, "decision"] = "match"
    found["reasons"] = found["reasons"].str.replace(r"; rule:cluster_constraint \(\w+\)$", "", regex=True)
    out = {}
    for row in found.itertuples():
        a, b = (row.key_a, row.key_b) if row.key_a in new else (row.key_b, row.key_a)
        if row.decision != "non-match":
            out[(a, b)] = (row.decision, float(row.score), row.reasons)
    return out


RULES = """version: 1
levels:
  phone: {phone_match: 10}
  name: {trade_typo: 4}
hard_rules:
  must_link: [same_valid_code, same_phone]
thresholds: {match: 7, review: 2.5}
"""


@pytest.mark.parametrize("rules_text", [None, RULES], ids=["built-in rules", "a rules file"])
def test_a_lookup_decides_what_dedupe_against_the_store_decides(cli, tmp_path, rules_text):
    """300 generated hard records (duplicates of stored companies, one-character neighbours on one street,
    same names in other cities) looked up one by one in an index of 2,700 stored ones: every pair
    decision, score and reason is the batch's, with the built-in rules and with a rules file."""
    from crmtool.read import read_table

    rules = None
    if rules_text:
        rules = tmp_path / "rules.yaml"
        rules.write_text(rules_text, encoding="utf-8")
    records = _accounts(3000, seed=7)
    store = tmp_path / "crm.duckdb"
    _load(f"duckdb:///{store}", records.iloc[:2700])
    batch = _batch_pairs(cli, tmp_path, records.iloc[2700:], store, rules)
    lookups = read_table(tmp_path / "lookups.csv").table  # the values batch read from the file

    settings = DedupeSettings.from_rules(load_rules(rules), processes=1)
    live = _live(f"duckdb:///{store}", settings)
    assert live.index.store_size == 2700
    mine = {}
    for _, row in lookups.iterrows():
        for c in live.index.lookup(_record(row), entities=False):
            mine[(row["account_id"], c.key)] = (c.decision, c.score, c.reasons)
    assert len(batch) > 250 and {d for d, _, _ in batch.values()} == {"match", "review"}
    assert mine == batch


def test_entities_and_block_bounds_are_batch_s_for_one_new_record(make_accounts):
    """With the entity step (a second match that would put two places, mobiles or codes into the record's
    entity is refused) and tiny blocks (max_block 4: keys and one-edit neighbourhoods shared by more
    records are skipped), each lookup is `dedupe` of that one record against the store."""
    records = _accounts(1100, seed=3)
    store, new = records.iloc[:1000].reset_index(drop=True), records.iloc[1000:].reset_index(drop=True)
    doc = make_accounts([  # docs/dedupe.md, Entities: y1 matches y2 and y3, which cannot be one company
        {"account_id": "y2", "name": "永盛建材有限公司", "phone": "0757-83331234", "address": "广东省佛山市禅城区季华路66号"},
        {"account_id": "y3", "name": "东莞永盛建材有限公司", "phone": "0769-22221234", "address": "广东省东莞市南城街道鸿福路18号"}])
    store = pd.concat([store, doc[["account_id", *FIELDS]]], ignore_index=True)
    new = pd.concat([make_accounts([{"account_id": "y1", "name": "永盛建材有限公司"}])[["account_id", *FIELDS]], new],
                    ignore_index=True)
    found = {}
    for max_block in (1000, 4):
        settings = DedupeSettings(processes=1, max_block=max_block)
        index = MatchIndex.build(store, settings)
        found[max_block] = [len(index.candidates(one_record_keys(_record(new.iloc[i])))[0]) for i in range(len(new))]
        with_candidates = [i for i in range(len(new)) if index.lookup(_record(new.iloc[i]), entities=False)]
        for i in with_candidates[:7] + [i for i in range(len(new)) if i not in with_candidates][:1]:
            record = _record(new.iloc[i])
            result = dedupe(new.iloc[[i]], "account_id", settings, store=store)
            pairs = result.pairs.astype({"decision": "string", "reasons": "string"})
            batch = {r.key_b: (r.decision, r.score, r.reasons) for r in pairs.itertuples() if r.decision != "non-match"}
            assert {c.key: (c.decision, c.score, c.reasons) for c in index.lookup(record)} == batch, record
    assert sum(found[4]) < sum(found[1000]), "the small blocks were skipped"
    y1 = MatchIndex.build(store).lookup({"name": "永盛建材有限公司"})
    assert [(c.key, c.decision) for c in y1] == [("y2", "match")]
    assert {c.key for c in MatchIndex.build(store).lookup({"name": "永盛建材有限公司"}, entities=False)} == {"y2", "y3"}


def test_a_record_is_not_its_own_candidate_and_blank_fields_say_nothing():
    store = _accounts(500, seed=1)
    index = MatchIndex.build(store, DedupeSettings(processes=1))
    row = _record(store.iloc[0])
    assert store.iloc[0]["account_id"] in [c.key for c in index.lookup(row)]
    assert store.iloc[0]["account_id"] not in [c.key for c in index.lookup(row, exclude_key=store.iloc[0]["account_id"])]
    blank = {**row, "credit_code": "  ", "phone": "", "address": None}
    assert index.lookup(blank) == index.lookup({"name": row["name"]})


def test_a_reviewer_s_answer_decides_the_pair(make_accounts):
    """--decisions: a 否 stored by `crmtool review apply` for a pair takes it out of the candidates, a 是
    is a match by the reviewer's rule, as in batch."""
    from crmtool.dedupe.decisions import fingerprint_values, pair_id

    store = make_accounts([{"account_id": "A1", "name": "北京华信科技有限公司", "address": "北京市海淀区中关村大街27号"},
                           {"account_id": "A2", "name": "华信科技有限公司", "phone": "13800138000"}])
    record = {"name": "华信科技", "credit_code": None, "phone": None, "address": None}
    before = {c.key: c.decision for c in MatchIndex.build(store, DedupeSettings(processes=1)).lookup(record)}
    assert before == {"A1": "match", "A2": "match"}
    fp = fingerprint_values(pd.concat([pd.DataFrame([record]).astype("string"), store[FIELDS]], ignore_index=True))
    answers = {pair_id(fp[[0]], fp[[1]])[0]: "否", pair_id(fp[[0]], fp[[2]])[0]: "是"}
    index = MatchIndex.build(store, DedupeSettings(processes=1, decisions=answers))
    after = index.lookup(record)
    assert [(c.key, c.decision) for c in after] == [("A2", "match")] and "rule:reviewed_yes" in after[0].reasons
    result = dedupe(pd.DataFrame([{"account_id": "new", **record}]).astype("string"), "account_id",
                    DedupeSettings(processes=1, decisions=answers), store=store)
    batch = result.pairs.astype({"decision": "string"})
    assert dict(zip(batch["key_b"], batch["decision"])) == {"A1": "non-match", "A2": "match"}


@pytest.mark.parametrize("obj, message", [
    ([1, 2], "expected a JSON object"),
    ({"name": "华信科技", "object": "leads"}, "object 'leads': only accounts"),
    ({"phone": "010-62345678"}, "name: missing"),
    ({"name": "  "}, "name: missing"),
    ({"name": "华信科技", "phone": ["1"]}, "phone: expected text"),
    ({"name": "华信科技", "phone": True}, "phone: expected text"),
    ({"name": "华信科技", "add": True}, "add: needs account_id"),
    ({"name": "华信科技", "add": "yes", "account_id": "A1"}, "add: expected true or false"),
])
def test_requests_that_cannot_be_answered_say_why(obj, message):
    with pytest.raises(RecordError, match=message):
        parse_request(obj, key="account_id")


def test_a_number_is_read_as_text():
    request = parse_request({"name": "华信科技", "phone": 13800138000, "id": 7}, key="account_id")
    assert request.fields["phone"] == "13800138000" and request.id == 7


# the live index: rows written to the store -------------------------------------------------------------


NEW = {"account_id": "N-1", "name": "北京新奇点科技有限公司", "credit_code": None, "phone": "010-66881234",
       "address": "北京市海淀区知春路99号"}


def test_rows_written_to_the_store_are_seen_by_the_next_lookup(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(800, seed=4))
    live = _live(url)
    probe = {"name": "新奇点科技", "phone": "66881234"}
    assert live.answer(probe)["candidates"] == []

    _load(url, pd.DataFrame([NEW]), "r2")  # a new account
    answer = live.answer(probe)
    assert _keys(answer) == ["N-1"] and answer["decision"] == "match"
    assert live.state.increments == 1 and live.state.resyncs == 0 and live.index.store_size == 801

    _load(url, pd.DataFrame([{**NEW, "name": "北京旧时光贸易有限公司", "phone": "010-11112222"}]), "r3")  # changed
    assert live.answer(probe)["candidates"] == []
    assert _keys(live.answer({"name": "旧时光贸易", "phone": "11112222"})) == ["N-1"]
    assert live.index.store_size == 801

    _delete(url, ["N-1"])  # a delete moves no _crm_loaded_at: the count tells, and the store is read again
    assert live.answer({"name": "旧时光贸易", "phone": "11112222"})["candidates"] == []
    assert live.state.resyncs == 1 and live.index.store_size == 800

    live.poll()
    assert live.state.increments == 2 and live.state.resyncs == 1, "nothing changed: nothing read"


def test_an_added_record_is_a_candidate_until_the_store_holds_it(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(300, seed=4))
    live = _live(url)
    first = live.answer({**NEW, "add": True, "id": "form-1"})
    assert first == {"id": "form-1", "decision": "non-match", "candidates": [], "added": True}
    second = live.answer({"name": "新奇点科技", "phone": "66881234"})
    assert [(c["key"], c.get("pending")) for c in second["candidates"]] == [("N-1", True)]
    assert live.health()["pending"] == 1

    _load(url, pd.DataFrame([NEW]), "r2")  # the CRM now holds it: the store's row replaces the added one
    third = live.answer({"name": "新奇点科技", "phone": "66881234"})
    assert [(c["key"], c.get("pending")) for c in third["candidates"]] == [("N-1", None)]
    assert live.health()["pending"] == 0 and live.index.store_size == 301


def test_the_background_refresh_picks_up_new_rows(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(300, seed=4))
    with _live(url, refresh=0.1) as live:
        _load(url, pd.DataFrame([NEW]), "r2")
        deadline = time.monotonic() + 30
        while live.state.increments == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _keys(live.answer({"name": "新奇点科技", "phone": "66881234"})) == ["N-1"]


def test_an_index_rebuilt_from_its_live_rows_answers_the_same(tmp_path):
    store = _accounts(600, seed=9)
    index = MatchIndex.build(store, DedupeSettings(processes=1))
    changed = store.iloc[:50].assign(name=store["name"].iloc[50:100].to_numpy())
    index.sync(changed, key="account_id", full=False)
    compact = index.compacted()
    assert len(compact.alive) == len(compact) == len(index) == 600 < len(index.alive)
    for _, row in store.iloc[40:120].iterrows():
        assert compact.lookup(_record(row)) == index.lookup(_record(row))


@pytest.mark.postgres
def test_a_postgresql_store(pg_url):
    records = _accounts(600, seed=4)
    _load(pg_url, records)
    live = _live(pg_url)
    assert live.index.store_size == 600
    row = _record(records.iloc[5])
    assert records.iloc[5]["account_id"] in _keys(live.answer(row))
    probe = {"name": "新奇点科技", "phone": "66881234"}
    assert live.answer(probe)["candidates"] == []
    _load(pg_url, pd.DataFrame([NEW]), "r2")
    assert _keys(live.answer(probe)) == ["N-1"] and live.state.increments == 1
    _delete(pg_url, ["N-1"])
    assert live.answer(probe)["candidates"] == [] and live.index.store_size == 600


# the command line ---------------------------------------------------------------------------------------


def _stdin(monkeypatch, lines: list) -> None:
    import io

    text = "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_match_answers_json_lines_and_goes_on_after_a_bad_line(cli, tmp_path, monkeypatch):
    records = _accounts(500, seed=2)
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, records)
    known = _record(records.iloc[3])
    _stdin(monkeypatch, [{"id": "a", **known}, "{not json", {"id": "b", "object": "orders", "name": "张伟"},
                         "", {"id": 3, "phone": "13800138000"}, [1], {"id": "c", **known, "object": "accounts"}])
    result = cli("match", "--store", url)
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, "b", 3, None, "c"]
    assert lines[0] == lines[5] | {"id": "a"} and records.iloc[3]["account_id"] in _keys(lines[0])
    candidate = lines[0]["candidates"][0]
    assert set(candidate) == {"key", "name", "score", "decision", "reasons"} and candidate["decision"] in ("match", "review")
    assert lines[1]["line"] == 2 and lines[1]["error"].startswith("not JSON")
    assert "object 'orders'" in lines[2]["error"] and lines[3]["line"] == 5 and "name: missing" in lines[3]["error"]
    assert "expected a JSON object" in lines[4]["error"]
    assert "500 accounts" in result.stderr and "6 records: 2 answered, 4 errors" in result.stderr


def test_match_exit_codes(cli, tmp_path, monkeypatch):
    _stdin(monkeypatch, [])
    missing = cli("match", "--store", f"duckdb:///{tmp_path}/none.duckdb")
    assert missing.code == 3 and "no such store file" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists(), "a reader creates no store"
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(50, seed=2))
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: 1\nthresholds: {match: high}\n", encoding="utf-8")
    broken = cli("match", "--store", url, "--rules", bad)
    assert broken.code == 2 and "rules.yaml:2" in broken.stderr
    assert cli("match", "--store", url, "--refresh", "-1").code == 2
    assert cli("match", "--store", "mysql://db/crm").code == 2
    assert cli("match", "--store", "postgresql://nobody@127.0.0.1:1/none").code == 4
    empty = cli("match", "--store", url)
    assert empty.code == 0 and empty.stdout == ""


class _Reader:
    """Lines of a child's stream, read by a thread, so a test can wait for one with a timeout."""

    def __init__(self, stream):
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def next(self, timeout: float = 120) -> str:
        return self.lines.get(timeout=timeout)


def _crmtool(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crmtool", *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def test_match_in_a_pipe_sees_a_row_written_between_two_lookups(tmp_path):
    """`crmtool match --refresh 0` as another program drives it: one line in, one line out; a row
    written into the DuckDB store between two lookups is found by the second. While a writer holds the
    file the lookups are answered from the index as it was, and a warning says so."""
    import duckdb

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(400, seed=4))
    proc = _crmtool("match", "--store", url, "--refresh", "0")
    out = _Reader(proc.stdout)
    try:
        probe = json.dumps({"id": 1, "name": "新奇点科技", "phone": "66881234"}, ensure_ascii=False)
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        assert json.loads(out.next())["candidates"] == []
        _load(url, pd.DataFrame([NEW]), "r2")
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        assert _keys(json.loads(out.next())) == ["N-1"]
        holder = duckdb.connect(str(tmp_path / "crm.duckdb"))  # a writer holds the file
        holder.execute("UPDATE accounts SET name = '别的公司' WHERE account_id = 'N-1'")
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        assert _keys(json.loads(out.next())) == ["N-1"], "answered from the index it had"
        holder.close()
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        assert json.loads(out.next())["candidates"] == [], "the update is seen once the file is free"
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert "refresh failed" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def _post(url: str, body: bytes | dict) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_answers_over_http_on_127_0_0_1(tmp_path):
    records = _accounts(500, seed=2)
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, records)
    proc = _crmtool("serve", "--store", url, "--port", "0", "--refresh", "0")
    err = _Reader(proc.stderr)
    try:
        line = err.next()
        while "serving" not in line:
            line = err.next()
        base = line.split(" on ", 1)[1].split()[0]
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "/health", timeout=60) as response:
            health = json.loads(response.read())
        assert health["status"] == "ok" and health["records"] == 500

        known = _record(records.iloc[3])
        status, answer = _post(base + "/match", {"id": "q1", **known})
        assert status == 200 and answer["id"] == "q1" and records.iloc[3]["account_id"] in _keys(answer)
        assert [set(c) >= {"key", "score", "decision", "reasons"} for c in answer["candidates"]]

        lines = subprocess.run([sys.executable, "-m", "crmtool", "match", "--store", url], capture_output=True,
                               text=True, encoding="utf-8", input=json.dumps({"id": "q1", **known}, ensure_ascii=False))
        assert json.loads(lines.stdout) == answer, "the same answer as crmtool match"

        from concurrent.futures import ThreadPoolExecutor

        asks = [{"id": i, **_record(records.iloc[i % 40])} for i in range(80)]
        with ThreadPoolExecutor(8) as pool:  # clients at once: each gets its own answer
            answers = list(pool.map(lambda ask: _post(base + "/match", ask), asks))
        assert all(status == 200 for status, _ in answers)
        assert [a["id"] for _, a in answers] == list(range(80))
        assert all(a == answers[i % 40][1] | {"id": i} for i, (_, a) in enumerate(answers))

        assert _post(base + "/match", b"{oops")[0] == 400
        status, answer = _post(base + "/match", {"id": 2, "phone": "13800138000"})
        assert status == 422 and answer == {"id": 2, "error": "name: missing (every record needs the company name)"}
        assert _post(base + "/nothing", {"name": "x"})[0] == 404

        _load(url, pd.DataFrame([NEW]), "r2")
        status, answer = _post(base + "/match", {"name": "新奇点科技", "phone": "66881234"})
        assert status == 200 and _keys(answer) == ["N-1"]
        status, health = _post(base + "/refresh", b"")
        assert status == 200 and health["records"] == 501

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_refuses_a_port_in_use(cli, tmp_path):
    import socket

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, _accounts(20, seed=2))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = cli("serve", "--store", url, "--port", taken.getsockname()[1])
    assert result.code == 2 and "cannot listen there" in result.stderr


def test_the_commands_are_listed():
    done = subprocess.run([sys.executable, "-m", "crmtool", "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})
    assert "match" in done.stdout and "serve" in done.stdout


def test_stored_rows_without_a_name_or_any_field_are_indexed(make_accounts):
    store = make_accounts([{"account_id": "A1", "name": None, "phone": "13800138000"},
                           {"account_id": "A2", "name": "华信科技有限公司"}, {"account_id": "A3"}])
    index = MatchIndex.build(store, DedupeSettings(processes=1))
    assert len(index) == 3
    found = index.lookup({"name": "北京华信科技有限公司", "phone": "13800138000"})
    assert {c.key for c in found} == {"A1", "A2"} and [c.name for c in found if c.key == "A1"] == [None]
