"""The run's enrich stage reads the regions the cleanse stage kept (cleanse/attributes/) instead of running
the cleanse rules a second time, and gives exactly what it gave when it cleansed the frame again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_run import ROOT, SQL_ONLY

MAIN = """\
version: 1
object: accounts
source:
  file: ../accounts.csv
fields:
  account_id: {from: record_id, transforms: [strip]}
  name: {from: name, transforms: [company_name]}
  credit_code: {from: credit_code, transforms: [credit_code]}
  phone: {from: phone, transforms: [phone]}
  address: {from: address, transforms: [address]}
  email: {from: email, transforms: [email]}
"""
# A second source whose transforms leave values the cleanse rules did not return (no rule, a default
# after the rule, a transform after it): enrich has to cleanse those itself.
OTHER = """\
version: 1
object: accounts
source:
  file: ../other.csv
fields:
  account_id: {from: record_id, transforms: [strip, {format: "O-{value}"}]}
  name: {from: name, transforms: [company_name, upper]}
  credit_code: {from: credit_code, transforms: [credit_code]}
  phone: {from: phone, transforms: [phone, {default: "0755-26001234"}]}
  address: {from: address, transforms: [strip]}
"""
OUTPUTS = ("enrich/accounts.parquet", "issues/enrich.parquet", "map/accounts.parquet", "map/accounts_rejected.parquet")


def synth_project(folder: Path) -> Path:
    from crmtool.synth import generate_accounts, write_records

    (folder / "mappings").mkdir(parents=True)
    write_records(generate_accounts(1500, seed=3)[0], folder / "accounts.csv")
    write_records(generate_accounts(400, seed=4)[0], folder / "other.csv")
    (folder / "mappings" / "accounts.yaml").write_text(MAIN, encoding="utf-8")
    (folder / "mappings" / "other.yaml").write_text(OTHER, encoding="utf-8")
    (folder / "migration.yaml").write_text(
        "name: synth\nmappings: [mappings/accounts.yaml, mappings/other.yaml]\ntarget: duckdb:///crm.duckdb\n"
        "run_dir: runs\ndedupe:\n  objects: [accounts]\n" + SQL_ONLY, encoding="utf-8")
    return folder


def samples_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    text = (ROOT / "migration.yaml").read_text(encoding="utf-8")
    (folder / "migration.yaml").write_text(text + SQL_ONLY, encoding="utf-8")
    shutil.copytree(ROOT / "mappings", folder / "mappings")
    shutil.copytree(ROOT / "samples", folder / "samples")
    return folder


def run(project: Path, **options) -> Path:
    from crmtool.run import RunOptions, run_migration

    return run_migration(project / "migration.yaml", RunOptions(**options)).run_dir


def old_enrich(monkeypatch) -> None:
    """The enrich stage as it was: the frame cleansed again, then enriched."""
    from crmtool.cleanse.stage import cleanse_table
    from crmtool.enrich import stage

    def enrich_fields(table, kinds, kept=None, providers=(), field_columns=None):
        return stage.enrich_table(cleanse_table(table, kinds)[0], kinds, providers, field_columns)

    monkeypatch.setattr(stage, "enrich_fields", enrich_fields)


def outputs(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(run_dir / name) for name in OUTPUTS}


def assert_same(a: dict, b: dict) -> None:
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.mark.parametrize("make", [synth_project, samples_project], ids=["synth", "samples"])
def test_kept_attributes_give_what_cleansing_again_gave(tmp_path, monkeypatch, make):
    new = make(tmp_path / "new")
    old = make(tmp_path / "old")
    # twice each: the second run matches against the store, whose values enrich has not seen cleansed
    new_runs = [outputs(run(new, run_id=f"r{i}")) for i in (1, 2)]
    with monkeypatch.context() as m:
        old_enrich(m)
        old_runs = [outputs(run(old, run_id=f"r{i}")) for i in (1, 2)]
    for a, b in zip(new_runs, old_runs):
        assert_same(a, b)
    enriched = new_runs[0]["enrich/accounts.parquet"]
    assert enriched["province"].notna().mean() > 0.5  # the comparison is not one of empty columns
    assert (new / "runs" / "r1" / "cleanse" / "attributes" / "accounts.parquet").is_file()


def forbid_cleansing(monkeypatch) -> None:
    """From now on every cleanse rule enrich could call raises."""
    from crmtool.cleanse import address, company_name, credit_code, phone, stage

    def refuse(*args, **kwargs):
        raise AssertionError("the enrich stage ran a cleanse rule")

    for module, name in ((company_name, "check_company_name"), (credit_code, "check_credit_code"),
                         (phone, "check_phone"), (address, "check_address"), (stage, "cleanse_table"),
                         (stage, "cleanse_column")):
        monkeypatch.setattr(module, name, refuse)


def test_the_run_s_enrich_stage_runs_no_cleanse_rule(tmp_path, monkeypatch):
    from crmtool.run import stages

    project = synth_project(tmp_path / "p")
    (project / "mappings" / "other.yaml").unlink()  # every value went through its field's rule
    migration = project / "migration.yaml"
    migration.write_text(migration.read_text(encoding="utf-8").replace(", mappings/other.yaml", ""), encoding="utf-8")
    enrich = stages.enrich
    calls = []

    def guarded(ctx):
        with monkeypatch.context() as m:
            forbid_cleansing(m)
            calls.append(ctx.run_id)
            return enrich(ctx)

    monkeypatch.setattr(stages, "enrich", guarded)
    run_dir = run(project, run_id="guarded")
    assert calls == ["guarded"]
    filled = pd.read_parquet(run_dir / "enrich" / "accounts.parquet")["province"].notna().sum()
    assert filled > 1000


def test_a_run_resumed_after_cleanse_gives_the_same_result(tmp_path, monkeypatch):
    from crmtool.run import stages

    project = synth_project(tmp_path / "p")
    whole = outputs(run(project, run_id="whole", dry_run=True))

    dedupe = stages.dedupe
    with monkeypatch.context() as m:
        def interrupted(ctx):
            raise KeyboardInterrupt

        m.setattr(stages, "dedupe", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run(project, run_id="cut", dry_run=True)
    assert stages.dedupe is dedupe
    assert_same(outputs(run(project, resume="cut", dry_run=True)), whole)

    # a run directory from before the cleanse stage kept attributes: enrich cleanses, the same result
    cut = project / "runs" / "cut"
    shutil.rmtree(cut / "cleanse" / "attributes")
    import json

    manifest = json.loads((cut / "manifest.json").read_text(encoding="utf-8"))
    for name in ("enrich", "map", "verify", "load"):
        manifest["stages"].pop(name)
    (cut / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert_same(outputs(run(project, resume="cut", dry_run=True)), whole)
