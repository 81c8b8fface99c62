"""The run report from hand-built run directories: the figures (view), then the page (HTML)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from browser_checks import external_references
from report_fixtures import EVIL, EVIL_COMPANY, RUN_ID, build_full_run, manifest, row_id

from crmtool.report import write_run_report
from crmtool.report.run_data import load_run
from crmtool.report.run_report import render_run_report
from crmtool.report.run_view import build_run_view

WHEN = datetime(2026, 1, 6, 8, 0, tzinfo=timezone.utc)


def view_of(run: Path):
    return build_run_view(load_run(run))


def steps(view, obj):
    funnel = next(f for f in view.funnels if f.object == obj)
    return [(s.label.split()[-1], s.count, dict(s.drops), s.note) for s in funnel.steps]


# --- figures ---------------------------------------------------------------------------------------------


def test_funnel_follows_every_row_from_read_to_load(full_run):
    view = view_of(full_run)
    assert steps(view, "accounts") == [
        ("read", 8, {}, ""),
        ("cleansed", 7, {"rejected at cleanse": 1}, ""),
        ("deduplicated", 5, {"merged": 2}, ""),
        ("mapped", 5, {}, ""),
        ("verified", 4, {"rejected at verify": 1}, ""),
        ("loaded", 4, {}, ""),
    ]
    assert steps(view, "contacts")[3] == ("mapped", 4, {"rejected at map": 1}, "")
    assert "outcomes.parquet" in view.funnels[0].source


def test_reconciliation_balances_and_flags_a_mismatch(full_run):
    view = view_of(full_run)
    assert [(r.object, r.source_rows, r.loaded, r.merged, r.rejected, r.ok) for r in view.reconciliation] == [
        ("accounts", 8, 4, 2, 2, True), ("contacts", 5, 4, 0, 1, True)]
    assert view.summary == {"source_rows": 13, "loaded": 8, "merged": 2, "rejected": 3, "issues": 8}

    m = manifest()
    m["reconciliation"]["accounts"].update(loaded=5, ok=True)  # 8 != 5 + 2 + 2, and outcomes say 4
    (full_run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    view = view_of(full_run)
    accounts = view.reconciliation[0]
    assert not accounts.balanced and accounts.outcomes_agree is False and not accounts.ok
    assert any("does not match outcomes.parquet" in n for n in view.notes)
    page = render_run_report(full_run, generated_at=WHEN)
    assert re.search(r'<tr data-object="accounts" data-ok="false" class="fail-row">', page)
    assert "✗ MISMATCH" in page and "8 ≠ 5 + 2 + 2" in page


def test_reconciliation_is_computed_from_outcomes_when_the_manifest_has_none(full_run):
    m = manifest()
    del m["reconciliation"]
    (full_run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    recon = view_of(full_run).reconciliation
    assert [(r.object, r.source_rows, r.loaded, r.merged, r.rejected, r.ok) for r in recon] == [
        ("accounts", 8, 4, 2, 2, True), ("contacts", 5, 4, 0, 1, True)]


def test_rejections_without_a_stage_are_counted_before_verified(full_run):
    outcomes = pd.read_parquet(full_run / "outcomes.parquet")
    outcomes["detail"] = outcomes["detail"].str.replace(r"^\w+: ", "", regex=True)
    outcomes.to_parquet(full_run / "outcomes.parquet")
    accounts = steps(view_of(full_run), "accounts")
    assert accounts[1][1] == 8 and accounts[4] == ("verified", 4, {"rejected (stage not recorded)": 2}, "")


def test_the_stage_is_found_in_its_rejected_table_and_merges_as_the_pipeline_writes_them(full_run):
    """The pipeline writes rejected rows without a stage (map/<object>_rejected.parquet lists them) and a
    merged row's detail as `merged into <survivor's external id>`."""
    outcomes = pd.read_parquet(full_run / "outcomes.parquet")
    outcomes["detail"] = outcomes["detail"].str.replace(r"^\w+: ", "", regex=True)
    merged = outcomes["outcome"] == "merged"
    outcomes.loc[merged, "detail"] = "merged into " + outcomes.loc[merged, "external_id"]
    outcomes.to_parquet(full_run / "outcomes.parquet")
    (full_run / "map").mkdir()
    pd.DataFrame({"_row_id": [row_id("联系人.xlsx", "联系人", 6)], "reasons": ["找不到所属客户"]}).to_parquet(
        full_run / "map" / "contacts_rejected.parquet")
    view = view_of(full_run)
    assert steps(view, "contacts")[3] == ("mapped", 4, {"rejected at map": 1}, "")
    assert steps(view, "contacts")[4] == ("verified", 4, {}, "")
    (accounts,) = view.merges
    assert sorted((c.survivor.external_id, c.survivor.row, [m.row for m in c.members]) for c in accounts.clusters) == [
        ("ACC-0001", 2, [3]), ("ACC-0004", 5, [2])]


def test_rows_without_an_outcome_break_the_reconciliation(full_run):
    outcomes = pd.read_parquet(full_run / "outcomes.parquet")
    outcomes.loc[outcomes["_row_id"] == row_id("erp.csv", "", 3), ["outcome", "detail"]] = ["lost", None]
    outcomes.to_parquet(full_run / "outcomes.parquet")
    m = manifest()
    del m["reconciliation"]
    (full_run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    view = view_of(full_run)
    accounts = view.reconciliation[0]
    assert (accounts.source_rows, accounts.loaded, accounts.merged, accounts.rejected, accounts.ok) == (8, 4, 2, 1, False)
    assert steps(view, "accounts")[4] == ("verified", 4, {"lost: no outcome recorded": 1}, "")


def test_kpis_before_and_after_with_direction_aware_deltas(full_run):
    accounts = view_of(full_run).kpis[0]
    cards = {c.kpi: c for c in accounts.cards}
    assert (cards["completeness"].before, cards["completeness"].after) == (0.78, 0.92)
    assert (cards["completeness"].delta, cards["completeness"].tone) == ("+14.0 pp", "good")
    assert (cards["duplicate_rate"].delta, cards["duplicate_rate"].tone) == ("-25.0 pp", "good")
    assert (cards["health"].delta, cards["health"].tone) == ("+22.8", "good")
    assert "timeliness" not in cards, "a KPI measured on neither side is left out"
    phone = next(f for f in accounts.fields if f.field == "phone")
    assert [(c.kpi, c.before, c.after, c.delta) for c in phone.cells] == [
        ("completeness", 0.75, 1.0, "+25.0 pp"), ("validity", 0.5, 1.0, "+50.0 pp"), ("uniqueness", 1.0, 1.0, "±0.0 pp")]
    assert len(accounts.charts) == 2


def test_issues_by_rule_and_column_with_examples(full_run):
    issues = view_of(full_run).issues
    assert issues.total == 8 and issues.by_severity == {"error": 3, "warning": 4, "info": 1}
    assert [(r.rule, r.count, r.severity) for r in issues.by_rule] == [
        ("company_name.placeholder", 1, "error"), ("credit_code.checksum", 1, "error"), ("email.invalid", 1, "error"),
        ("phone.format", 3, "warning"), ("company_name.suspicious", 1, "warning"), ("date.format", 1, "info")]
    phone = issues.by_rule[3]
    assert phone.columns == ["phone", "mobile"]
    first = phone.examples[0]
    assert (first.source, first.sheet, first.row, first.original, first.suggestion) == (
        "客户清单.xlsx", "客户", 5, "021 5888 1234", "021-58881234")
    assert dict(issues.by_column[:2]) == {"name": 2, "phone": 2}
    assert issues.rows_with_issues == 8


def test_verification_failing_rules_first_and_the_accepted_gate(full_run):
    verification = view_of(full_run).verification
    assert [r.rule_id for r in verification.rows[:2]] == ["accounts.credit_code.valid", "contacts.account.exists"]
    assert verification.failing == 2 and all(r.engines_agree for r in verification.rows[:-1])
    skipped = verification.rows[-1]
    assert (skipped.rule_id, skipped.status, skipped.passed, skipped.failing, skipped.engines_agree) == (
        "accounts.city.length", "skipped", False, False, None)
    page = render_run_report(full_run, generated_at=WHEN)
    assert 'data-rule="accounts.city.length" data-status="skipped"' in page
    assert "city is not in the accounts data" in page and "engines disagree" not in page
    gate = verification.gate
    assert (gate.state, gate.by, gate.reason) == ("accepted", "王经理", "客户确认：信用代码错误的客户上线后补录")


def test_engines_that_disagree_are_flagged(full_run):
    results = json.loads((full_run / "verify" / "results.json").read_text(encoding="utf-8"))
    results[0]["engine_counts"] = {"sql": 1, "gx": 2}
    (full_run / "verify" / "results.json").write_text(json.dumps(results), encoding="utf-8")
    assert view_of(full_run).verification.rows[0].engines_agree is False
    assert "engines disagree" in render_run_report(full_run, generated_at=WHEN)


def test_merges_name_the_survivor_and_the_reasons(full_run):
    (accounts,) = view_of(full_run).merges
    assert (accounts.object, accounts.merged_rows, accounts.cluster_count) == ("accounts", 2, 2)
    by_survivor = {c.survivor.external_id: c for c in accounts.clusters}
    xinghe = by_survivor["ACC-0001"]
    assert (xinghe.survivor.source, xinghe.survivor.row) == ("客户清单.xlsx", 2)
    (member,) = xinghe.members
    assert (member.key, member.score) == (row_id("客户清单.xlsx", "客户", 3), 14.2)
    assert member.reason == "name=exact (+8.1); phone=exact (+6.1)"
    (erp,) = by_survivor["ACC-0004"].members  # the outcome names its survivor by external id
    assert (erp.source, erp.row, erp.score) == ("erp.csv", 2, 9.3)
    assert erp.reason.startswith("name≈短名")


def test_merge_reasons_prefer_the_dedupe_clusters_table(full_run):
    pd.DataFrame({"_row_id": [row_id("客户清单.xlsx", "客户", 2), row_id("客户清单.xlsx", "客户", 3)],
                  "cluster_id": [1, 1], "is_survivor": ["true", "false"],
                  "reasons": ["", "matched 客户清单.xlsx#客户!2 (14.2): name=exact"]}
                 ).to_parquet(full_run / "dedupe" / "accounts_clusters.parquet")
    (accounts,) = view_of(full_run).merges
    member = next(c for c in accounts.clusters if c.survivor.external_id == "ACC-0001").members[0]
    assert member.reason == "matched 客户清单.xlsx#客户!2 (14.2): name=exact" and member.score == 14.2


def test_a_stage_that_did_not_run_is_said_so(full_run):
    m = manifest()
    m["stages"]["dedupe"]["status"] = "skipped"
    (full_run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    view = view_of(full_run)
    assert view.merges is None
    assert steps(view, "contacts")[2] == ("deduplicated", 5, {}, "dedupe not run")
    assert "未运行 Not run: this run has no dedupe results." in render_run_report(full_run, generated_at=WHEN)


def test_load_counts_from_the_manifest_or_else_the_load_csvs(full_run):
    load = view_of(full_run).load
    assert load.state == "loaded"
    assert [(r.object, r.inserted, r.updated, r.unchanged, r.rejected) for r in load.rows] == [
        ("accounts", 2, 1, 1, 0), ("contacts", 4, 0, 0, 0)]
    m = manifest()
    del m["load"]
    (full_run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    load = view_of(full_run).load
    assert [(r.object, r.inserted, r.updated, r.unchanged) for r in load.rows] == [
        ("accounts", 2, 1, 1), ("contacts", 4, 0, 0)]


def test_dry_run_is_labelled_and_has_no_load(dry_run):
    view = view_of(dry_run)
    assert view.headline.kind == "dry_run" and view.load.state == "dry_run" and view.load.rows == []
    assert steps(view, "accounts")[-1] == ("loaded", None, {}, "dry run: 4 would load")
    page = render_run_report(dry_run, generated_at=WHEN)
    assert "试运行 DRY RUN — nothing was written to the target" in page
    assert 'data-headline="dry_run"' in page and "将加载 Would load" in page
    assert 'data-load-state="dry_run"' in page and "the load was not run" in page


def test_gate_stopped_run_says_what_did_not_run(gate_run):
    view = view_of(gate_run)
    assert view.headline.kind == "gate_stopped" and view.verification.gate.state == "stopped"
    assert view.reconciliation == [] and view.load.state == "not_run"
    assert steps(view, "accounts") == [
        ("read", 8, {}, ""), ("cleansed", 8, {}, ""), ("deduplicated", 6, {"merged": 2}, ""), ("mapped", 6, {}, ""),
        ("verified", None, {}, "no per-row outcomes: see Verification"), ("loaded", None, {}, "not run")]
    assert steps(view, "contacts")[2] == ("deduplicated", 5, {}, "not deduplicated")
    assert steps(view, "contacts")[3] == ("mapped", 4, {"rejected at map": 1}, ""), "map/*_rejected is no object"
    assert [f.object for f in view.funnels] == ["accounts", "contacts"]
    assert view.summary["source_rows"] == 13
    page = render_run_report(gate_run, generated_at=WHEN)
    assert "Stopped at the quality gate" in page and 'data-gate="stopped"' in page
    assert "未运行 Not run: this run has no reconciliation" in page
    assert "未运行 Not run: the quality gate failed, so nothing was loaded." in page


def test_an_older_run_without_kpis_or_verification(old_run):
    page = render_run_report(old_run, generated_at=WHEN)
    assert "未运行 Not run: this run recorded no quality figures" in page
    assert "未运行 Not run: this run has no verification results" in page
    assert 'data-gate="not_run"' in page
    view = view_of(old_run)
    assert view.load.state == "loaded", "no stage records: an old run is taken as having run everything"


def test_an_empty_or_broken_run_directory_still_gives_a_page(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    page = render_run_report(empty, generated_at=WHEN)
    assert page.count('data-not-run="1"') >= 5 and "empty" in page

    broken = build_full_run(tmp_path / "broken")
    (broken / "outcomes.parquet").write_bytes(b"PAR1 not really parquet")
    (broken / "verify" / "results.json").write_text("{not json", encoding="utf-8")
    (broken / "manifest.json").write_text("[1, 2]", encoding="utf-8")
    page = render_run_report(broken, generated_at=WHEN)
    assert "outcomes.parquet could not be read" in page
    assert "verify/results.json could not be read" in page
    assert "manifest.json does not hold an object" in page


def test_client_data_is_escaped(full_run):
    page = render_run_report(full_run, generated_at=WHEN)
    assert EVIL not in page and "<script>alert" not in page
    assert EVIL_COMPANY.replace("<", "&lt;").replace(">", "&gt;") in page
    assert len(re.findall(r"<script\b", page)) == 2, "only the page's own two scripts"


def test_page_is_self_contained(full_run):
    page = render_run_report(full_run, generated_at=WHEN)
    assert external_references(page) == []
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN">' in page
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"' in page
    assert "@media print" in page and "break-before: page" in page


def test_page_has_every_section_and_the_sign_off(full_run):
    page = render_run_report(full_run, generated_at=WHEN)
    sections = re.findall(r'data-section="([a-z]+)"', page)
    assert sections == ["reconciliation", "funnel", "kpis", "issues", "verification", "merges", "load", "run", "signoff"]
    assert page.count('<div class="line"></div>') == 9, "name, signature and date lines for three roles"
    assert RUN_ID in page and "postgresql://crm:***@db.example.cn:5432/crm" in page
    assert "d" * 64 in page and "18234" not in page and "17.8 KB" in page
    assert "2026-01-06 08:00 UTC" in page


def test_write_run_report_writes_report_html_atomically(full_run):
    path = write_run_report(full_run)
    assert path == full_run / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in full_run.iterdir() if p.name.startswith(".report.html")] == []
    before = path.stat().st_ino
    write_run_report(full_run)
    assert path.stat().st_ino != before, "replaced by rename, not rewritten in place"
