"""Contact (person) dedupe: the `contact` comparison set, on hand-written look-alikes (not used to set any
weight), on generated contacts with a known truth, through the rules-file language, the command line
and the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmtool.dedupe.pipeline import DedupeSettings, dedupe
from crmtool.dedupe.rules import builtin_rules, load_rules
from tests.dedupe.conftest import pairwise

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def _settings(rules_path=None) -> DedupeSettings:
    return DedupeSettings.from_rules(load_rules(rules_path, "contacts"), processes=1)


def _look_alikes():
    table = pd.read_csv(DATA / "contact_look_alikes.csv", dtype="string", keep_default_na=False).replace("", pd.NA)
    result = dedupe(table.drop(columns=["person", "case"]), "id", _settings())
    return table, result


def test_the_contact_rules_are_their_own_comparison_set():
    rules = builtin_rules("contacts")
    assert rules.compare == "contact" and rules.object == "contacts"
    assert rules.hard_rules.must_link == [] and rules.hard_rules.cannot_link == ["different_account"]
    assert rules.blocking.rules == ["mobile", "email", "name_account", "pinyin_account", "name"]
    weights = rules.weights()
    t = rules.thresholds
    # what the thresholds mean: a name and an account are a question, a mobile or an e-mail more makes a person
    assert t.review <= weights["name_exact"] + weights["account_same"] < t.match
    assert weights["name_exact"] + weights["account_same"] + weights["mobile_match"] >= t.match
    assert weights["name_pinyin"] + weights["account_same"] + weights["email_match"] >= t.match
    assert builtin_rules().compare == "company", "accounts keep the company set"


def test_hand_written_look_alikes_one_person_per_cluster_and_every_person_whole():
    table, result = _look_alikes()
    cluster = table["id"].map(result.clusters.set_index("id")["cluster_id"])
    per_cluster = table.groupby(cluster)["person"].nunique()
    assert (per_cluster == 1).all(), table.assign(cluster=cluster)[cluster.isin(per_cluster[per_cluster > 1].index)]
    per_person = cluster.groupby(table["person"]).nunique()
    assert (per_person == 1).all(), per_person[per_person > 1]


def test_look_alike_reasons_name_the_evidence():
    _, result = _look_alikes()
    pairs = result.pairs.astype({"decision": "string", "reasons": "string"}).set_index(["key_a", "key_b"])
    assert "name_pinyin" in pairs.loc[("a1", "a3"), "reasons"]  # 张伟 / Zhang Wei
    assert "name_exact" in pairs.loc[("a1", "a4"), "reasons"]  # 张伟 / 張偉
    assert "name_surname" in pairs.loc[("a1", "a5"), "reasons"]  # 张伟 / 张经理
    assert "mobile_match" in pairs.loc[("a1", "a5"), "reasons"]  # 13812345678 / full-width digits
    assert "email_match" in pairs.loc[("f1", "f2"), "reasons"]  # gmail dots and +tag
    assert "email_match" in pairs.loc[("e1", "e3"), "reasons"]  # upper case
    assert pairs.loc[("a2", "b2"), "decision"] == "non-match" and "mobile_differ" in pairs.loc[("a2", "b2"), "reasons"]
    assert "email_work_differ" in pairs.loc[("g1", "g2"), "reasons"]
    assert pairs.loc[("h1", "h2"), "decision"] == "non-match"
    assert "rule:different_account" in pairs.loc[("h1", "h2"), "reasons"]
    assert pairs.loc[("i1", "i2"), "decision"] == "review"  # a name and an account: a question, not a merge
    assert pairs.loc[("j1", "j3"), "decision"] == "review"  # one mobile, two names
    assert "name_homophone" in pairs.loc[("j1", "j2"), "reasons"]


def test_generated_contacts_precision_and_recall():
    from crmtool.synth import generate_contacts

    records, truth = generate_contacts(12000, seed=2026)  # a seed no weight was looked at on
    result = dedupe(records, "record_id", DedupeSettings.from_rules(builtin_rules("contacts"), processes=2))
    predicted = result.clusters.set_index("record_id")["cluster_id"].reindex(truth["record_id"]).to_numpy()
    precision, recall = pairwise(truth["entity_id"], pd.Series(predicted, index=truth.index))
    assert precision >= 0.995 and recall >= 0.97, (precision, recall)
    # the generated look-alikes (a common name at another account, or at the same account) stay apart
    cluster = pd.Series(predicted, index=truth.index)
    related = truth.dropna(subset=["related_entity_id"])
    of_entity = truth.assign(cluster=cluster).groupby("entity_id")["cluster"].agg(set)
    together = [bool(of_entity[e] & of_entity[r]) for e, r in zip(related["entity_id"], related["related_entity_id"])]
    assert sum(together) <= 0.005 * len(related), sum(together)


def test_contact_candidate_pairs_grow_linearly():
    from crmtool.synth import generate_contacts

    counts = []
    for n in (3000, 12000):
        records, _ = generate_contacts(n, seed=3)
        counts.append(dedupe(records, "record_id", _settings()).stats["candidate_pairs"])
    assert counts[1] <= 4.6 * counts[0], counts


# --- the rules-file language --------------------------------------------------------------------------


def _rules(tmp_path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


TWO_NAMES_ONE_MOBILE = pd.DataFrame([
    {"id": "1", "name": "孙丽", "mobile": "15850001234", "account_id": "RF"},
    {"id": "2", "name": "周强", "mobile": "158 5000 1234", "account_id": "RF"},
]).astype("string")


def test_same_mobile_must_link_is_off_until_a_file_switches_it_on(tmp_path):
    plain = dedupe(TWO_NAMES_ONE_MOBILE, "id", _settings()).pairs.astype({"decision": "string"})
    assert plain["decision"].tolist() == ["review"]
    path = _rules(tmp_path, "version: 1\nobject: contacts\nhard_rules:\n  must_link: [same_mobile]\n")
    ruled = dedupe(TWO_NAMES_ONE_MOBILE, "id", _settings(path)).pairs.astype({"decision": "string", "reasons": "string"})
    assert ruled["decision"].tolist() == ["match"] and "rule:same_mobile" in ruled["reasons"].iloc[0]


def test_dropping_different_account_lets_a_strong_pair_merge(tmp_path):
    rows = pd.DataFrame([{"id": "1", "name": "赵敏", "mobile": "13600001111", "account_id": "KA"},
                         {"id": "2", "name": "赵敏", "mobile": "13600001111", "account_id": "KB"}]).astype("string")
    assert dedupe(rows, "id", _settings()).clusters["cluster_id"].nunique() == 2
    path = _rules(tmp_path, "version: 1\nobject: contacts\nhard_rules: {cannot_link: []}\n"
                            "levels:\n  account: {account_differ: 0}\n")
    assert dedupe(rows, "id", _settings(path)).clusters["cluster_id"].nunique() == 1


@pytest.mark.parametrize("text, line, field, message", [
    ("version: 1\nobject: contacts\nlevels:\n  code: {code_equal: 3}\n", 4, "levels.code", "unknown key"),
    ("version: 1\nobject: contacts\nlevels:\n  name:\n    trade_exact: 3\n", 5, "levels.name.trade_exact", "unknown key"),
    ("version: 1\nobject: contacts\nblocking:\n  rules: [mobile, trade]\n", 4, "blocking.rules.1", "should be"),
    ("version: 1\nobject: contacts\nhard_rules:\n  must_link: [same_valid_code]\n", 4, "hard_rules.must_link.0", "should be"),
    ("version: 1\nobject: contacts\ncompare: company\n", 3, "compare", "compare 'company'"),
])
def test_a_contact_rules_file_is_checked_against_the_contact_set(cli, tmp_path, text, line, field, message):
    path = _rules(tmp_path, text)
    done = cli("dedupe-rules", "check", "--object", "contacts", path)
    assert done.code == 2, done.stdout
    assert f"{path}:{line}: {field}" in done.stderr and message in done.stderr, done.stderr


def test_a_contact_level_in_an_accounts_file_is_an_unknown_key(cli, tmp_path):
    path = _rules(tmp_path, "version: 1\nlevels:\n  mobile: {mobile_match: 3}\n")
    done = cli("dedupe-rules", "check", path)
    assert done.code == 2 and f"{path}:3: levels.mobile" in done.stderr, done.stderr


def test_show_prints_the_contact_rules(cli, tmp_path):
    import yaml

    path = _rules(tmp_path, "version: 1\nobject: contacts\nlevels:\n  mobile: {mobile_match: 12}\n")
    done = cli("dedupe-rules", "show", "--object", "contacts", path)
    assert done.code == 0, done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["compare"] == "contact" and shown["levels"]["mobile"]["mobile_match"] == 12
    assert shown["levels"]["name"]["name_exact"] == builtin_rules("contacts").weights()["name_exact"]


# --- command line and the run ---------------------------------------------------------------------------


def test_dedupe_command_with_object_contacts(cli, tmp_path):
    source = DATA / "contact_look_alikes.csv"
    out, golden = tmp_path / "clusters.csv", tmp_path / "golden.csv"
    done = cli("dedupe", source, "--object", "contacts", "--key", "id", "--out", out, "--golden", golden, "--json")
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["object"] == "contacts" and [b["rule"] for b in summary["blocks"]][0] == "mobile"
    clusters = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(clusters.columns) == ["id", "cluster_id", "is_survivor", "reasons"]
    assert clusters.set_index("id").loc[["a1", "a2", "a3", "a4", "a5"], "cluster_id"].nunique() == 1
    gold = pd.read_csv(golden, dtype=str, encoding="utf-8-sig").set_index("cluster_id")
    assert gold.loc["a1", "mobile__from"] in {"a1", "a2", "a3", "a4", "a5"} and "email__from" in gold.columns


def test_dedupe_command_takes_a_contacts_rules_file(cli, tmp_path):
    source = tmp_path / "two.csv"
    TWO_NAMES_ONE_MOBILE.to_csv(source, index=False)
    rules = _rules(tmp_path, "version: 1\nobject: contacts\nhard_rules:\n  must_link: [same_mobile]\n")
    out = tmp_path / "clusters.csv"
    done = cli("dedupe", source, "--object", "contacts", "--key", "id", "--out", out, "--rules", rules)
    assert done.code == 0, done.stderr
    assert pd.read_csv(out, dtype=str, encoding="utf-8-sig")["cluster_id"].nunique() == 1
    wrong = cli("dedupe", source, "--key", "id", "--out", out, "--rules", rules)  # contacts rules for accounts
    assert wrong.code == 2 and "object" in wrong.stderr, wrong.stderr


@pytest.fixture
def project(tmp_path) -> Path:
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    text = text.replace("dedupe:\n  objects: [accounts]\n", "dedupe:\n  objects: [accounts, contacts]\n")
    (tmp_path / "migration.yaml").write_text(text + "verify:\n  engines: [sql]\n", encoding="utf-8")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def test_the_run_dedupes_contacts_listed_in_dedupe_objects(cli, project):
    done = cli("run", project / "migration.yaml", "--json", "--dry-run")
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    contacts = summary["stages"]["dedupe"]["counts"]["contacts"]
    assert contacts["merged"] >= 1, contacts  # the sample's 黄涛 is in the workbook twice
    assert summary["reconciliation"]["contacts"]["ok"]
    # inline contact rules are contact rules (their levels are the contact set's)
    migration = project / "migration.yaml"
    text = migration.read_text(encoding="utf-8").replace(
        "  objects: [accounts, contacts]\n",
        "  objects: [accounts, contacts]\n  rules:\n    contacts:\n      thresholds: {match: 100, review: 100}\n")
    migration.write_text(text, encoding="utf-8")
    strict = cli("run", migration, "--json", "--dry-run")
    assert strict.code == 0, strict.stderr
    assert json.loads(strict.stdout)["stages"]["dedupe"]["counts"]["contacts"]["merged"] == 0


def test_a_contact_review_workbook_asks_about_a_person_and_is_read_back(cli, tmp_path):
    import openpyxl

    source = DATA / "contact_look_alikes.csv"
    out, review = tmp_path / "clusters.csv", tmp_path / "review.xlsx"
    done = cli("dedupe", source, "--object", "contacts", "--key", "id", "--out", out, "--review", review)
    assert done.code == 0, done.stderr
    book = openpyxl.load_workbook(review)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "是否同一人" and "mobile_a" in header and "email_b" in header
    keys = {(sheet.cell(r, 2).value, sheet.cell(r, 3).value): r for r in range(2, sheet.max_row + 1)}
    assert ("i1", "i2") in keys
    sheet.cell(keys[("i1", "i2")], len(header)).value = "是"
    book.save(review)
    applied = cli("review", "apply", review, "--json")
    assert applied.code == 0, applied.stderr
    assert json.loads(applied.stdout)["yes"] == 1
    again = cli("dedupe", source, "--object", "contacts", "--key", "id", "--out", out)
    assert again.code == 0, again.stderr
    clusters = pd.read_csv(out, dtype=str, encoding="utf-8-sig").set_index("id")["cluster_id"]
    assert clusters["i1"] == clusters["i2"]


def test_the_plain_mobile_fast_path_gives_what_cleanse_gives():
    from crmtool.cleanse.phone import parse_one
    from crmtool.dedupe.contacts import _PLAIN_MOBILE, phone_parts
    from crmtool.synth import generate_contacts

    records, _ = generate_contacts(3000, seed=9)
    cells = set(records["mobile"].dropna()) | {"+86 138 1234 5678", "86-13812345678", "8613812345678", "138-1234-5678"}
    plain = [c for c in cells if _PLAIN_MOBILE.fullmatch(c.strip())]
    assert len(plain) > 1000
    for cell in plain:
        found = parse_one(cell)
        assert found is not None and found["phone_type"] == "mobile", cell
        assert phone_parts(cell) == ([found["e164"]], []), cell


def test_the_run_compares_contacts_of_one_deduplicated_account_as_one_account(cli, project):
    """张伟 written against 北京华信科技有限公司 and again against 华信（北京）科技有限公司 (one account once the
    accounts are deduplicated): one person, not two accounts' contacts."""
    import openpyxl

    workbook = project / "samples" / "销售客户清单.xlsx"
    book = openpyxl.load_workbook(workbook)
    book["联系人"].append(["华信（北京）科技有限公司", "张 伟", "采购经理", "+86 138 0013 8000", None, None])
    book.save(workbook)
    done = cli("run", project / "migration.yaml", "--json", "--dry-run")
    assert done.code == 0, done.stderr
    run_dir = Path(json.loads(done.stdout)["run_dir"])
    pairs = pd.read_parquet(run_dir / "dedupe" / "contacts_pairs.parquet")
    zhang = pairs[pairs["key_b"].str.endswith("!22") | pairs["key_a"].str.endswith("!22")]
    assert len(zhang) and (zhang["decision"].astype(str) == "match").any(), zhang
    assert "account_same" in str(zhang["reasons"].iloc[0]), zhang


def test_settings_refuse_the_weights_of_the_other_set():
    with pytest.raises(ValueError, match="not the contact set's"):
        DedupeSettings(compare="contact")  # the default weights are the company set's
    assert DedupeSettings.from_rules(builtin_rules("contacts")).compare == "contact"
