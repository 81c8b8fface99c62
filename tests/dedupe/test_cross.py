"""Cross-object links (crmtool.dedupe.cross): leads to known contacts and accounts, conflicts, the command,
and the links' precision on generated leads with truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crmtool.dedupe.cross import LINK_COLUMNS, match_cross
from crmtool.exitcodes import ExitCode
from crmtool.synth import generate_contacts, generate_leads, link_accuracy

ACCOUNTS = [
    {"account_id": "S1", "name": "北京华信科技有限公司", "phone": "010-62551234"},
    {"account_id": "S2", "name": "上海宏达贸易有限公司", "phone": "021-55556666"},
    {"account_id": "S3", "name": "上海华信科技有限公司", "phone": "021-63331234"},
]
CONTACTS = [
    {"contact_id": "C1", "name": "张伟", "mobile": "13800138000", "email": "", "account_id": "S1"},
    {"contact_id": "C2", "name": "李娜", "mobile": "", "email": "lina@hongda.com", "account_id": "S2"},
    {"contact_id": "C3", "name": "王芳", "mobile": "13900001111", "email": "", "account_id": "S2"},
]
LEADS = [
    # a known contact, romanised, the mobile with +86, the company short: contact C1 and account S1
    {"lead_id": "L1", "name": "Zhang Wei", "company": "华信科技", "mobile": "+86 138 0013 8000", "email": ""},
    # the company is S1, the e-mail a contact of S2: a conflict, both reasons, review
    {"lead_id": "L2", "name": "李娜", "company": "北京华信科技有限公司", "mobile": "", "email": "LiNa@hongda.com"},
    # nobody the CRM knows: a common name alone is not a contact
    {"lead_id": "L3", "name": "王芳", "company": "深圳新星电子有限公司", "mobile": "13700002222", "email": ""},
    # no company: the contact's account is the lead's
    {"lead_id": "L4", "name": "张 伟", "company": "", "mobile": "86-13800138000", "email": ""},
    # 华信科技 is the Beijing or the Shanghai company, and nothing tells them apart
    {"lead_id": "L5", "name": "赵敏", "company": "华信科技", "mobile": "13600003333", "email": ""},
]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype("string").replace("", pd.NA)


def _links() -> pd.DataFrame:
    return match_cross(_frame(LEADS), "lead_id", accounts=_frame(ACCOUNTS), account_key="account_id",
                       contacts=_frame(CONTACTS), contact_key="contact_id")


def _row(links: pd.DataFrame, lead: str, obj: str, target: str) -> pd.Series:
    found = links[(links["lead_key"] == lead) & (links["object"] == obj) & (links["target_key"] == target)]
    assert len(found) == 1, links.to_string()
    return found.iloc[0]


def test_a_known_contact_links_to_the_contact_and_its_account_with_reasons():
    links = _links()
    assert list(links.columns) == LINK_COLUMNS
    contact = _row(links, "L1", "contacts", "C1")
    assert contact["decision"] == "match" and contact["account_key"] == "S1"
    assert contact["reasons"].startswith("mobile, name = contact C1 (account S1): ")
    assert "name_pinyin+" in contact["reasons"] and "mobile_match+" in contact["reasons"]
    account = _row(links, "L1", "accounts", "S1")
    assert account["decision"] == "match"
    assert "company = account S1" in account["reasons"] and "via mobile, name = contact C1" in account["reasons"]
    # 华信科技 alone could be S1 or S3: the contact's account is the one, S3 is not a link
    assert set(links.loc[links["lead_key"] == "L1", "target_key"]) == {"C1", "S1"}
    no_company = _row(links, "L4", "accounts", "S1")
    assert no_company["decision"] == "match" and no_company["reasons"].startswith("via mobile, name = contact C1")


def test_a_conflict_between_company_and_contact_is_review_with_both_reasons():
    links = _links()
    own = links[links["lead_key"] == "L2"]
    assert set(zip(own["object"], own["target_key"], strict=True)) == {("contacts", "C2"), ("accounts", "S2"),
                                                                       ("accounts", "S1")}
    assert (own["decision"] == "review").all()
    for reasons in own["reasons"]:
        assert reasons.startswith("conflict: company = account S1; email, name = contact C2 (account S2)")
    assert "L3" not in set(links["lead_key"])


def test_an_ambiguous_company_without_a_contact_is_review_naming_the_other_account():
    own = _links().query("lead_key == 'L5'")
    assert len(own) == 1 and own.iloc[0]["decision"] == "review" and own.iloc[0]["object"] == "accounts"
    other = ({"S1", "S3"} - {own.iloc[0]["target_key"]}).pop()
    assert own.iloc[0]["reasons"].endswith(f"or account {other}")


def test_a_lead_whose_company_is_not_the_contacts_account_is_asked_about():
    leads = _frame([{"lead_id": "L9", "name": "王芳", "company": "杭州远大物流有限公司", "mobile": "13900001111"}])
    links = match_cross(leads, "lead_id", accounts=_frame(ACCOUNTS), account_key="account_id",
                        contacts=_frame(CONTACTS), contact_key="contact_id")
    assert _row(links, "L9", "contacts", "C3")["decision"] == "match"  # the same person
    via = _row(links, "L9", "accounts", "S2")  # but perhaps at another company now
    assert via["decision"] == "review" and via["reasons"].endswith("company not matched to account S2")


def _write(rows: list[dict], path: Path) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_command_writes_one_row_per_link_from_a_store_and_a_file(cli, tmp_path):
    import duckdb

    store = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(store))
    con.register("frame", _frame(CONTACTS))
    con.execute("CREATE TABLE contacts AS SELECT * FROM frame")
    con.close()
    out = tmp_path / "links.csv"
    result = cli("dedupe", _write(LEADS, tmp_path / "leads.csv"), "--leads", "--key", "lead_id",
                 "--against", _write(ACCOUNTS, tmp_path / "accounts.csv"), "--account-key", "account_id",
                 "--against-contacts", store, "--contact-key", "contact_id", "--out", out, "--json")
    assert result.code == ExitCode.OK, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["leads"], summary["conflicts"], summary["contacts_match"]) == (5, 1, 2)
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == LINK_COLUMNS
    expected = _links()
    columns = ["lead_key", "object", "target_key", "account_key", "decision", "reasons"]
    assert written[columns].values.tolist() == expected[columns].fillna("").values.tolist()
    assert written["score"].astype(float).tolist() == expected["score"].tolist()
    assert set(written["lead_key"]) == {"L1", "L2", "L4", "L5"}


def test_command_usage_errors(cli, tmp_path):
    leads = _write(LEADS, tmp_path / "leads.csv")
    contacts = _write(CONTACTS, tmp_path / "contacts.csv")
    bad_key = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against-contacts", contacts, "--out",
                  tmp_path / "l.csv")
    assert bad_key.code == ExitCode.USAGE and "--contact-key" in bad_key.stderr
    without_leads = cli("dedupe", leads, "--key", "lead_id", "--against-contacts", contacts, "--out", tmp_path / "l.csv")
    assert without_leads.code == ExitCode.USAGE
    missing = cli("dedupe", leads, "--leads", "--key", "lead_id", "--against-contacts", tmp_path / "none.csv",
                  "--contact-key", "contact_id", "--out", tmp_path / "l.csv")
    assert missing.code == ExitCode.INPUT_UNREADABLE and not (tmp_path / "l.csv").exists()


def test_links_on_generated_leads_are_precise():
    """Seed 31 was not looked at while the rules or the generator were written (development seed: 5). The
    recall bounds were set after the first run there (contacts 0.935, accounts 0.99): they guard what was
    measured, the precision bound is the issue's."""
    n, seed = 1500, 31
    accounts, contacts, leads, truth = generate_leads(n, seed=seed)
    _, contact_truth = generate_contacts(2 * n, seed=seed)
    links = match_cross(leads, "record_id", accounts=accounts, account_key="record_id", contacts=contacts,
                        contact_key="record_id")
    found = link_accuracy(links, truth, contact_truth)
    matches = found["links"][found["links"]["decision"] == "match"]
    assert found["precision"] >= 0.99, matches[~matches["right"]].to_string()
    assert found["match_links"] > 1000
    assert found["contacts_recall"] >= 0.90 and found["accounts_recall"] >= 0.95, found
    kind = links["lead_key"].map(truth.set_index("record_id")["kind"])
    moved = links[kind == "moved"]
    assert len(moved) and (moved["decision"] == "review").all()  # a contact at another company: asked, not decided
    assert (links.loc[kind == "new", "decision"] != "match").all()


def test_generated_leads_are_deterministic_and_carry_the_mess():
    a = generate_leads(400, seed=3)
    b = generate_leads(400, seed=3)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    accounts, contacts, leads, truth = a
    assert set(contacts["account_id"].dropna()) <= set(accounts["record_id"])
    assert set(truth["kind"]) == {"contact", "account", "moved", "new"}
    mess = truth["mess"].str.cat(sep=";")
    for tag in ("name:romanised", "name:traditional", "mobile:plus86", "mobile:plus86_spaced", "name:copied"):
        assert tag in mess
    known = truth["kind"] == "contact"
    assert leads.loc[known, "mobile"].str.startswith("+86").any() and leads.loc[known, "mobile"].str.match(r"^1\d{10}$").any()
    assert truth.loc[truth["kind"] == "new", "account_id"].isna().all()
