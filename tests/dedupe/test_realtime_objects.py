"""The real-time check for contacts and leads (crmtool.dedupe.realtime_objects, `crmtool match`, `crmtool
serve`): a contact lookup decides what `crmtool dedupe --object contacts --against STORE` decides, a contact
written after the index was built is found by the next lookup, a lead is linked as crmtool.dedupe.cross
links it (contacts, their accounts, conflicts as review), and an unknown object is a per-request error."""

from __future__ import annotations

import dataclasses
import json
import signal
import sys

import pandas as pd

from crmtool.dedupe.cross import match_cross
from crmtool.dedupe.pipeline import DedupeSettings
from crmtool.dedupe.realtime import MATCH_FIELDS
from crmtool.dedupe.realtime_objects import CONTACT_FIELDS, ContactIndex, lead_links, one_contact_keys
from crmtool.dedupe.realtime import MatchIndex
from crmtool.dedupe.rules import builtin_rules
from crmtool.load import open_target
from crmtool.model import load_object_model
from crmtool.synth import generate_contacts, generate_leads

from tests.dedupe.test_realtime import _Reader, _crmtool, _post

CONTACTS = list(CONTACT_FIELDS)


def _contacts(n: int, seed: int) -> pd.DataFrame:
    records, _ = generate_contacts(n, seed=seed)
    return records.rename(columns={"record_id": "contact_id"})[["contact_id", *CONTACTS]].astype("string")


def _load(url: str, object_name: str, rows: pd.DataFrame, run_id: str = "r1") -> None:
    from crmtool.load.stage import row_hash

    fields = CONTACTS if object_name == "contacts" else list(MATCH_FIELDS)
    rows = rows.reset_index(drop=True).astype("string[pyarrow]")
    rows["_crm_hash"] = row_hash(rows, fields)
    with open_target(url, load_object_model()) as target:
        target.ensure_schema(["accounts", "contacts"])
        target.upsert(object_name, rows, run_id)


def _checker(url: str, refresh: float = 0.0):
    from crmtool.dedupe.service import open_live

    model = load_object_model()
    return open_live(lambda: open_target(url, model), model, refresh=refresh)


def _record(row, fields=CONTACTS) -> dict:
    return {c: (None if pd.isna(row[c]) else str(row[c])) for c in fields if c in row.index}


ODD = pd.DataFrame({  # cells the generator does not make
    "contact_id": [f"X{i}" for i in range(8)],
    "name": [" 张 伟 ", "", None, "陳穎", "張經理", "ZHANG Wei", "老李", "x"],
    "mobile": ["+86 138-0013-8000", "  ", None, "８６１３８００１３８０００", "13800138000 13900139000", "010-62345678转123",
               "abc", "13800138000"],
    "phone": ["(010)62345678转123", "", None, "0755-88886666;021-55556666", "13911112222", None, "1", "+86 10 6234 5678"],
    "email": ["ZhangWei+crm@QQ.con", "", None, "a.b.c@gmail.com", "x@huaxin.com", "not an address", " li@163.com ", None],
    "account_id": [" A1 ", "", None, "Ａ１", "a1", None, "A2", "A3"],
    "title": ["经理", "", None, "總經理", " CEO ", None, "经理", None],
    "department": ["销售部", "", None, "財務部", None, "IT", None, "x"],
}).astype("string")


def test_one_contact_keys_are_the_keys_contact_keys_gives():
    from crmtool.dedupe.contacts import contact_keys

    table = pd.concat([_contacts(2000, seed=8), ODD], ignore_index=True)
    keys = contact_keys(table[CONTACTS])
    mismatches = []
    for i, row in table.iterrows():
        for column, value in one_contact_keys(_record(row)).items():
            batch = keys[column].iloc[i]
            batch = (list(batch) if column == "mobiles" else bool(batch) if column in ("latin", "full")
                     else None if pd.isna(batch) else batch)
            if value != batch:
                mismatches.append((i, column, value, batch))
    assert mismatches == []


def test_a_contact_lookup_decides_what_dedupe_object_contacts_against_decides(cli, tmp_path):
    """500 generated contacts (copies of stored people in other formats, look-alikes at the same and at other
    accounts) looked up one by one over HTTP (`crmtool serve` on 127.0.0.1) in the index of 2,500 stored ones:
    every (lookup, stored contact) pair's decision, score and reasons are batch `crmtool dedupe --object
    contacts --against`'s."""
    from crmtool.read import read_table

    records = _contacts(3000, seed=17)
    records.iloc[:2500].to_csv(tmp_path / "store.csv", index=False)
    records.iloc[2500:].to_csv(tmp_path / "lookups.csv", index=False)
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    result = cli("dedupe", tmp_path / "lookups.csv", "--object", "contacts", "--key", "contact_id", "--out", out,
                 "--pairs", pairs, "--against", tmp_path / "store.csv")
    assert result.code == 0, result.stderr
    found = pd.read_csv(pairs, dtype=str, keep_default_na=False)
    lookups = read_table(tmp_path / "lookups.csv").table.astype("string")
    store = read_table(tmp_path / "store.csv").table.astype("string")
    new = set(lookups["contact_id"])
    found = found[(found["key_a"].isin(new) != found["key_b"].isin(new)) & (found["decision"] != "non-match")]
    batch = {}
    for row in found.itertuples():
        a, b = (row.key_a, row.key_b) if row.key_a in new else (row.key_b, row.key_a)
        batch[(a, b)] = (row.decision, float(row.score), row.reasons)

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, "contacts", store)
    proc = _crmtool("serve", "--store", url, "--port", "0")
    err = _Reader(proc.stderr)
    try:
        line = err.next()
        while "serving" not in line:
            line = err.next()
        assert "2,500 contacts" in line, "built at the start: the store has contacts"
        base = line.split(" on ", 1)[1].split()[0]
        mine = {}
        accounts = store.set_index("contact_id")["account_id"]
        for _, row in lookups.iterrows():
            status, answer = _post(base + "/match", {"object": "contacts", "id": row["contact_id"], **_record(row)})
            assert status == 200, answer
            for c in answer["candidates"]:
                mine[(row["contact_id"], c["key"])] = (c["decision"], c["score"], c["reasons"])
                assert c["account"] == (None if pd.isna(accounts[c["key"]]) else accounts[c["key"]])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(batch) > 200 and {d for d, _, _ in batch.values()} == {"match", "review"}
    assert mine == batch


def test_contact_index_keeps_batch_s_block_bounds_and_name_rule():
    """Tiny blocks (max_block 3) and contacts without an account (the name rule: the record's 10 nearest,
    every stored row without an account): the candidates and decisions of `dedupe` of one record."""
    from crmtool.dedupe.pipeline import dedupe

    records = _contacts(1200, seed=3)
    records.loc[records.index % 3 == 0, "account_id"] = pd.NA
    store, new = records.iloc[:1000].reset_index(drop=True), records.iloc[1000:].reset_index(drop=True)
    for max_block in (1000, 3):
        settings = dataclasses.replace(DedupeSettings.from_rules(builtin_rules("contacts"), processes=1),
                                       max_block=max_block)
        index = ContactIndex.build(store, settings)
        for i in range(0, len(new), 10):
            result = dedupe(new.iloc[[i]], "contact_id", settings, store=store)
            pairs = result.pairs.astype({"decision": "string", "reasons": "string"})
            batch = {r.key_b: (r.decision, r.score, r.reasons) for r in pairs.itertuples() if r.decision != "non-match"}
            mine = {c.key: (c.decision, c.score, c.reasons) for c in index.lookup(_record(new.iloc[i]))}
            assert mine == batch, (max_block, new.iloc[i].to_dict())


def test_a_contact_written_after_the_build_is_found_by_the_next_lookup_over_json_lines(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, "contacts", _contacts(300, seed=4))
    proc = _crmtool("match", "--store", url, "--refresh", "0")
    out = _Reader(proc.stdout)
    probe = json.dumps({"id": 1, "object": "contacts", "name": "欧阳明珠", "mobile": "+86 139-0771-2345",
                        "account_id": "A-77"}, ensure_ascii=False)
    try:
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        assert json.loads(out.next())["candidates"] == []
        _load(url, "contacts", pd.DataFrame([{"contact_id": "C-NEW", "name": "欧阳明珠", "mobile": "13907712345",
                                               "account_id": "A-77"}]), "r2")
        proc.stdin.write(probe + "\n")
        proc.stdin.flush()
        answer = json.loads(out.next())
        assert [(c["key"], c["decision"], c["account"]) for c in answer["candidates"]] == [("C-NEW", "match", "A-77")]
        assert "mobile_match+9.0" in answer["candidates"][0]["reasons"]
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert "300 contacts" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_lead_is_linked_as_cross_links_it():
    """Generated leads against their CRM's accounts and contacts: each lead's links are match_cross's."""
    accounts, contacts, leads, _ = generate_leads(150, seed=5)
    accounts = accounts.rename(columns={"record_id": "account_id"}).astype("string")
    contacts = contacts.rename(columns={"record_id": "contact_id"}).astype("string")
    leads = leads.rename(columns={"record_id": "lead_id"}).astype("string")
    batch = match_cross(leads, "lead_id", accounts=accounts, account_key="account_id", contacts=contacts,
                        contact_key="contact_id")
    account_index = MatchIndex.build(accounts, DedupeSettings(processes=1))
    contact_index = ContactIndex.build(contacts)
    fields = [c for c in leads.columns if c != "lead_id"]
    mismatched = []
    for _, lead in leads.iterrows():
        mine = [(r["object"], r["key"], r["account"], r["score"], r["decision"], r["reasons"])
                for r in lead_links(_record(lead, fields), accounts=account_index, contacts=contact_index)]
        theirs = batch[batch["lead_key"] == lead["lead_id"]]
        theirs = [(r.object, r.target_key, None if pd.isna(r.account_key) else r.account_key, r.score, r.decision,
                   r.reasons) for r in theirs.itertuples()]
        if sorted(mine) != sorted(theirs):
            mismatched.append((lead["lead_id"], mine, theirs))
    assert len(batch) > 100 and batch["reasons"].str.startswith("conflict:").any()
    assert mismatched == []


STORE_ACCOUNTS = pd.DataFrame([
    {"account_id": "A1", "name": "北京华信科技有限公司", "credit_code": None, "phone": "010-62345678",
     "address": "北京市海淀区中关村大街27号"},
    {"account_id": "A2", "name": "上海远航物流有限公司", "credit_code": None, "phone": "021-55556666",
     "address": "上海市浦东新区世纪大道100号"}])
STORE_CONTACTS = pd.DataFrame([
    {"contact_id": "C1", "account_id": "A1", "name": "张伟", "mobile": "13800138000", "email": "zhangwei@huaxin.com"},
    {"contact_id": "C2", "account_id": "A2", "name": "李娜", "mobile": "13911112222", "email": None}])


def test_serve_answers_contacts_leads_and_an_unknown_object_over_http(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, "accounts", STORE_ACCOUNTS)
    _load(url, "contacts", STORE_CONTACTS)
    proc = _crmtool("serve", "--store", url, "--port", "0", "--refresh", "0")
    err = _Reader(proc.stderr)
    try:
        line = err.next()
        while "serving" not in line:
            line = err.next()
        assert "2 accounts, 2 contacts" in line
        base = line.split(" on ", 1)[1].split()[0]
        assert base.startswith("http://127.0.0.1:")

        status, answer = _post(base + "/match", {"id": "c", "object": "contacts", "name": "Zhang Wei",
                                                 "mobile": "+86 138-0013-8000", "account_id": "A1"})
        assert status == 200 and answer["decision"] == "match"
        assert [(c["key"], c["account"]) for c in answer["candidates"]] == [("C1", "A1")]

        lead = {"id": "l1", "object": "leads", "name": "张伟", "mobile": "138 0013 8000", "company": "北京华信科技有限公司"}
        status, answer = _post(base + "/match", lead)
        assert status == 200 and answer["id"] == "l1" and answer["decision"] == "match"
        links = {(c["object"], c["key"]): c for c in answer["candidates"]}
        assert set(links) == {("contacts", "C1"), ("accounts", "A1")}
        assert links[("contacts", "C1")]["reasons"].startswith("mobile, name = contact C1 (account A1): ")
        assert "company = account A1: " in links[("accounts", "A1")]["reasons"]
        assert "and via mobile, name = contact C1" in links[("accounts", "A1")]["reasons"]

        moved = {"id": "l2", "object": "leads", "name": "张伟", "mobile": "13800138000", "company": "上海远航物流有限公司",
                 "phone": "021-55556666"}
        status, answer = _post(base + "/match", moved)
        assert status == 200 and answer["decision"] == "review"
        assert {c["decision"] for c in answer["candidates"]} == {"review"}
        assert all(c["reasons"].startswith("conflict: company = account A2; mobile, name = contact C1 (account A1) |")
                   for c in answer["candidates"])

        status, answer = _post(base + "/match", {"id": 9, "object": "orders", "name": "x"})
        assert status == 422 and answer == {"id": 9, "error": "object 'orders': only accounts, contacts, leads can be checked"}
        status, answer = _post(base + "/match", {"id": 10, "object": "contacts", "mobile": "13800138000"})
        assert status == 422 and answer["error"] == "name: missing (every contact needs the person's name)"
        status, health = _post(base + "/refresh", b"")
        assert status == 200 and health["objects"]["contacts"]["records"] == 2

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_contacts_are_built_on_the_first_request_when_the_store_had_none(tmp_path, monkeypatch, cli):
    import io

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, "accounts", STORE_ACCOUNTS)
    lines = [{"id": 1, "object": "contacts", "name": "张伟", "mobile": "13800138000"},
             {"id": 2, "object": "leads", "company": "北京华信科技有限公司"}]
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    result = cli("match", "--store", url)
    assert result.code == 0, result.stderr
    first, second = [json.loads(x) for x in result.stdout.splitlines()]
    assert first == {"id": 1, "decision": "non-match", "candidates": []}
    assert second["decision"] == "match" and [c["key"] for c in second["candidates"]] == ["A1"]



def test_a_contacts_rules_file_applies_to_contact_lookups_and_added_contacts_are_candidates(tmp_path):
    from crmtool.dedupe.service import open_live

    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _load(url, "accounts", STORE_ACCOUNTS)
    _load(url, "contacts", STORE_CONTACTS)
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nobject: contacts\nthresholds: {match: 20}\n", encoding="utf-8")
    model = load_object_model()
    ask = {"object": "contacts", "name": "张伟", "mobile": "13800138000", "account_id": "A1"}
    built_in = open_live(lambda: open_target(url, model), model, refresh=0).answer(ask)
    ruled = open_live(lambda: open_target(url, model), model, rules=rules, refresh=0)
    assert built_in["decision"] == "match" and ruled.answer(ask)["decision"] == "review"
    account = ruled.answer({"name": "北京华信科技有限公司", "phone": "010-62345678"})
    assert account["decision"] == "match", "the accounts keep their built-in rules"

    new = {"object": "contacts", "name": "王芳", "email": "wangfang@yuanhang.com", "account_id": "A2"}
    assert ruled.answer({**new, "contact_id": "C9", "add": True}) == {"decision": "non-match", "candidates": [],
                                                                       "added": True}
    again = ruled.answer({**new, "name": "Wang Fang"})
    assert [(c["key"], c["decision"], c.get("pending")) for c in again["candidates"]] == [("C9", "review", True)]
    assert ruled.health()["objects"]["contacts"]["pending"] == 1
    assert ruled.answer({"object": "leads", "company": "x", "add": True})["error"].startswith("add: ")


def test_a_changed_or_deleted_contact_is_seen_and_a_compacted_index_answers_the_same(tmp_path):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    stored = _contacts(400, seed=6)
    _load(url, "contacts", stored)
    checker = _checker(url)
    live = checker.live("contacts")
    asks = [{"object": "contacts", **_record(stored.iloc[i])} for i in range(0, 400, 9)]
    before = [checker.answer(a) for a in asks]
    assert all(stored.iloc[i]["contact_id"] in [c["key"] for c in b["candidates"]]
               for i, b in zip(range(0, 400, 9), before, strict=True))
    live.index = live.index.compacted()
    assert [checker.answer(a) for a in asks] == before

    gone, moved = stored.iloc[0]["contact_id"], stored.iloc[9]
    with open_target(url, load_object_model()) as target:
        target.delete("contacts", [gone])
    _load(url, "contacts", pd.DataFrame([{**moved.to_dict(), "mobile": "13512345678", "email": None, "name": "某某某",
                                          "phone": None}]), "r2")
    first, second = checker.answer(asks[0]), checker.answer(asks[1])
    assert gone not in [c["key"] for c in first["candidates"]]
    assert moved["contact_id"] not in [c["key"] for c in second["candidates"]]
    assert live.index.store_size == 399 and live.state.resyncs >= 1
