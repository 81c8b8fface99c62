"""Dedupe rules files: the shipped file is today's rules; a file that changes a weight, a threshold or a
hard rule changes the decisions as docs/dedupe.md says; a broken file is exit 2 with file, line, field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmtool.config.dedupe import COMPANY_BLOCKS, schema_text
from crmtool.dedupe.blocking import BLOCK_RULES
from crmtool.dedupe.pipeline import DedupeSettings, dedupe
from crmtool.dedupe.rules import RULES_DIR, builtin_rules, load_rules
from tests.dedupe.conftest import accounts

ROOT = Path(__file__).resolve().parents[2]

# The weights, thresholds, block rules and hard rules written in code before they moved into
# crmtool/dedupe/rules/accounts.yaml: the shipped file must keep them.
BEFORE = {
    "code_equal_valid": 14.0, "code_conflict": -20.0, "code_equal": 12.0, "org_code_equal": 10.0, "code_close": 7.0,
    "code_differ": -5.0, "name_exact": 8.0, "trade_exact": 6.0, "trade_typo": 2.5, "trade_similar": -2.0,
    "name_differ": -8.0, "region_same": 1.0, "region_conflict": -8.0, "place_conflict": -10.0, "district_differ": -3.0,
    "form_same": 0.5, "form_differ": -0.5, "branch_conflict": -20.0, "phone_match": 8.0, "phone_differ": -1.0,
    "mobile_differ": -3.0, "address_match": 3.0, "address_contains": 2.0, "address_differ": -1.0, "number_differ": -4.0,
}


def _rules(tmp_path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _decide(rows, rules_path=None):
    settings = DedupeSettings.from_rules(load_rules(rules_path), processes=1)
    result = dedupe(accounts(rows), "id", settings)
    pairs = result.pairs.set_index(["key_a", "key_b"])
    return result, pairs


def test_the_shipped_rules_are_the_rules_written_in_code_before():
    rules = builtin_rules()
    assert rules.weights() == BEFORE
    assert (rules.thresholds.match, rules.thresholds.review, rules.thresholds.floor) == (6.0, 3.0, 0.0)
    assert rules.blocking.rules == ["code", "org_code", "phone", "trade", "trade_del1"]
    assert rules.blocking.max_block == 1000
    assert rules.hard_rules.must_link == ["same_valid_code"]
    assert set(rules.hard_rules.cannot_link) == {"different_region", "different_place", "different_valid_codes",
                                                 "branch_vs_head"}
    default = DedupeSettings()
    assert default == DedupeSettings.from_rules(rules), "the defaults in code are the shipped file's"


def test_every_block_rule_a_file_may_name_exists():
    assert set(COMPANY_BLOCKS) == {r.name for r in BLOCK_RULES}


def test_the_shipped_json_schema_is_current():
    assert (RULES_DIR / "dedupe-rules.schema.json").read_text(encoding="utf-8") == schema_text()


def test_a_file_with_the_shipped_rules_or_none_of_them_gives_the_same_clusters(tmp_path):
    from crmtool.synth.generate import generate_accounts

    records, _ = generate_accounts(2000, seed=5, hard=True)
    table = records.astype("string")
    key = table.columns[0]
    plain = dedupe(table, key, DedupeSettings(processes=1))
    copy = tmp_path / "copy.yaml"
    shutil.copy(RULES_DIR / "accounts.yaml", copy)
    for path in (copy, _rules(tmp_path, "version: 1\n")):
        again = dedupe(table, key, DedupeSettings.from_rules(load_rules(path), processes=1))
        pd.testing.assert_frame_equal(again.clusters, plain.clusters)
        pd.testing.assert_frame_equal(again.pairs, plain.pairs)


SAME_PHONE = [
    {"id": "1", "name": "北京华信科技有限公司", "phone": "010-62345678"},
    {"id": "2", "name": "北京宏达贸易有限公司", "phone": "+86 10 6234 5678"},
]


def test_a_heavier_phone_weight_makes_a_match(tmp_path):
    result, pairs = _decide(SAME_PHONE)
    assert pairs.loc[("1", "2"), "decision"] == "non-match"  # name_differ -8, phone_match +8
    path = _rules(tmp_path, "version: 1\nlevels:\n  phone: {phone_match: 16}\n")
    result, pairs = _decide(SAME_PHONE, path)
    assert pairs.loc[("1", "2"), "decision"] == "match"
    assert "phone_match+16.0" in pairs.loc[("1", "2"), "reasons"]
    assert result.clusters.set_index("id")["cluster_id"].nunique() == 1


def test_a_must_link_rule_matches_whatever_the_weight(tmp_path):
    path = _rules(tmp_path, "version: 1\nhard_rules:\n  must_link: [same_valid_code, same_phone]\n")
    _, pairs = _decide(SAME_PHONE, path)
    assert pairs.loc[("1", "2"), "decision"] == "match"
    assert "rule:same_phone" in pairs.loc[("1", "2"), "reasons"]


def test_a_higher_match_threshold_sends_a_match_to_review(tmp_path):
    rows = [{"id": "1", "name": "北京华信科技有限公司"}, {"id": "2", "name": "北京华信科技有限公司"}]
    _, pairs = _decide(rows)
    assert pairs.loc[("1", "2"), "decision"] == "match"  # name_exact 8 (+ form and region)
    weight = float(pairs.loc[("1", "2"), "score"])
    path = _rules(tmp_path, f"version: 1\nthresholds: {{match: {weight + 1}, review: {weight - 1}}}\n")
    _, pairs = _decide(rows, path)
    assert pairs.loc[("1", "2"), "decision"] == "review"


def test_a_cannot_link_rule_holds_until_the_file_drops_it(tmp_path):
    rows = [{"id": "1", "name": "北京华信科技有限公司"}, {"id": "2", "name": "上海华信科技有限公司"}]
    _, pairs = _decide(rows)
    assert pairs.loc[("1", "2"), "decision"] == "non-match"
    weightless = "version: 1\nlevels:\n  region: {region_conflict: 0}\n"
    _, pairs = _decide(rows, _rules(tmp_path, weightless))
    assert pairs.loc[("1", "2"), "decision"] == "non-match", "the weight alone does not lift the hard rule"
    assert "rule:different_region" in pairs.loc[("1", "2"), "reasons"]
    region_only = weightless + "hard_rules:\n  cannot_link: [different_place, different_valid_codes, branch_vs_head]\n"
    _, pairs = _decide(rows, _rules(tmp_path, region_only))
    assert pairs.loc[("1", "2"), "decision"] == "non-match"
    assert "rule:cluster_constraint (place)" in pairs.loc[("1", "2"), "reasons"], \
        "without an address the name's region is the record's place: different_place still holds"
    dropped = weightless + "hard_rules:\n  cannot_link: [different_valid_codes, branch_vs_head]\n"
    result, pairs = _decide(rows, _rules(tmp_path, dropped))
    assert pairs.loc[("1", "2"), "decision"] == "match"
    assert result.clusters.set_index("id")["cluster_id"].nunique() == 1, "nor does the cluster refuse the merge"


def test_dropping_a_block_rule_drops_its_pairs(tmp_path):
    rows = [{"id": "1", "name": "北京华信科技有限公司", "phone": "13800138000"},
            {"id": "2", "name": "广州宏达贸易有限公司", "phone": "13800138000"}]
    result, _ = _decide(rows)
    assert result.stats["candidate_pairs"] == 1
    result, _ = _decide(rows, _rules(tmp_path, "version: 1\nblocking:\n  rules: [code, trade]\n"))
    assert result.stats["candidate_pairs"] == 0
    assert [b["rule"] for b in result.blocks] == ["code", "trade"]


BROKEN = [
    ("version: 1\nlevels:\n  phone:\n    phone_mach: 10\n", 4, "levels.phone.phone_mach", "unknown key"),
    ("version: 1\nblocking:\n  rules: [code, name]\n", 3, "blocking.rules.1", "should be 'code'"),
    ("version: 1\nthresholds:\n  review: 9\n", 2, "thresholds", "review (9) must not be above match (6)"),
    ("version: 1\nhard_rules:\n  must_link: [same_name]\n", 3, "hard_rules.must_link.0", "should be"),
    ("version: 1\nlevels:\n  name: {name_exact: lots}\n", 3, "levels.name.name_exact", "number"),
    ("version: 1\nobject: contacts\n", 2, "object", "for 'contacts', used for 'accounts'"),
]


@pytest.mark.parametrize(("text", "line", "field", "message"), BROKEN)
def test_a_broken_rules_file_is_exit_2_with_file_line_and_field(cli, tmp_path, text, line, field, message):
    path = _rules(tmp_path, text)
    source = tmp_path / "in.csv"
    source.write_text("id,name\n1,北京华信科技有限公司\n", encoding="utf-8")
    for args in (("dedupe-rules", "check", path), ("dedupe", source, "--key", "id", "--out", tmp_path / "c.csv",
                                                  "--rules", path)):
        done = cli(*args)
        assert done.code == 2, done.stderr
        assert done.stderr.startswith(f"error: {path}:{line}: {field}: "), done.stderr
        assert message in done.stderr
    assert not (tmp_path / "c.csv").exists(), "nothing written"


def test_dedupe_command_applies_the_rules_file(cli, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame(SAME_PHONE).to_csv(source, index=False)
    out = tmp_path / "clusters.csv"
    done = cli("dedupe", source, "--key", "id", "--out", out, "--json")
    assert done.code == 0 and json.loads(done.stdout)["clusters"] == 2
    path = _rules(tmp_path, "version: 1\nhard_rules:\n  must_link: [same_valid_code, same_phone]\n")
    done = cli("dedupe", source, "--key", "id", "--out", out, "--rules", path, "--json")
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["clusters"] == 1 and summary["rules"] == str(path)


def test_show_prints_the_rules_in_force_as_a_rules_file(cli, tmp_path):
    import yaml

    done = cli("dedupe-rules", "show", _rules(tmp_path, "version: 1\nlevels:\n  phone: {phone_match: 16}\n"))
    assert done.code == 0, done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["levels"]["phone"]["phone_match"] == 16 and shown["levels"]["name"]["name_exact"] == 8
    again = _rules(tmp_path, done.stdout)
    assert load_rules(again).weights() == {**BEFORE, "phone_match": 16.0}


# --- the run: `dedupe.rules` in migration.yaml -------------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    (tmp_path / "migration.yaml").write_text(text + "verify:\n  engines: [sql]\n", encoding="utf-8")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def _with_dedupe(project: Path, section: str) -> Path:
    migration = project / "migration.yaml"
    text = migration.read_text(encoding="utf-8").replace("dedupe:\n  objects: [accounts]\n", section)
    migration.write_text(text, encoding="utf-8")
    return migration


def _merged(cli, migration: Path) -> int:
    done = cli("run", migration, "--json", "--dry-run")
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)["reconciliation"]["accounts"]["merged"]


STRICT = "version: 1\nthresholds: {match: 100, review: 100}\n"  # only equal valid codes (must-link) merge


def test_the_run_dedupes_by_the_migration_s_rules_file(cli, project):
    baseline = _merged(cli, project / "migration.yaml")
    assert baseline > 0
    (project / "strict.yaml").write_text(STRICT, encoding="utf-8")
    migration = _with_dedupe(project, "dedupe:\n  objects: [accounts]\n  rules: {accounts: strict.yaml}\n")
    assert 0 < _merged(cli, migration) < baseline


def test_the_run_takes_rules_written_inline(cli, project):
    baseline = _merged(cli, project / "migration.yaml")
    migration = _with_dedupe(project, "dedupe:\n  objects: [accounts]\n  rules:\n    accounts:\n"
                                      "      thresholds: {match: 100, review: 100}\n")
    assert 0 < _merged(cli, migration) < baseline


def test_a_broken_inline_section_names_the_migration_file_and_line(cli, project):
    migration = _with_dedupe(project, "dedupe:\n  objects: [accounts]\n  rules:\n    accounts:\n"
                                      "      levels:\n        phone: {phone_mach: 3}\n")
    done = cli("run", migration)
    assert done.code == 2
    line = next(i for i, t in enumerate(migration.read_text(encoding="utf-8").splitlines(), 1) if "phone_mach" in t)
    assert f"migration.yaml:{line}: dedupe.rules.accounts.levels.phone.phone_mach" in done.stderr
    assert not (project / "runs").exists() or not any((project / "runs").iterdir()), "no run started"


def test_rules_for_an_object_that_is_not_deduplicated_are_refused(cli, project):
    (project / "strict.yaml").write_text(STRICT, encoding="utf-8")
    migration = _with_dedupe(project, "dedupe:\n  objects: [accounts]\n  rules: {contacts: strict.yaml}\n")
    done = cli("run", migration)
    assert done.code == 2 and "dedupe.rules: rules for contacts" in done.stderr


def test_resume_refuses_a_changed_rules_file(cli, project):
    rules = project / "strict.yaml"
    rules.write_text("version: 1\n", encoding="utf-8")
    migration = _with_dedupe(project, "dedupe:\n  objects: [accounts]\n  rules: {accounts: strict.yaml}\n")
    done = cli("run", migration, "--json", "--dry-run")
    assert done.code == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    rules.write_text(STRICT, encoding="utf-8")
    again = cli("run", migration, "--dry-run", "--resume", run_id)
    assert again.code == 2 and "strict.yaml" in again.stderr, again.stderr
