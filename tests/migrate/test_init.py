"""`crmtool init`: draft mappings from the samples, with the right suggestions, never overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmtool.config.mapping import Concat, load_mapping
from crmtool.config.migration import load_migration

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "samples" / "销售客户清单.xlsx"
ERP = ROOT / "samples" / "legacy_erp_export.csv"
LEADS = ROOT / "samples" / "crm_unicode_export.txt"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """init over the three sample sources, every sheet; run once for the module (it reads every file)."""
    from crmtool.cli import main

    out = tmp_path_factory.mktemp("init") / "proj"
    assert main(["init", str(WORKBOOK), str(ERP), str(LEADS), "--all-sheets", "--out", str(out)]) == 0
    return out


def mapping_of(project: Path, stem: str):
    return load_mapping(project / "mappings" / f"{stem}.yaml")


def source_of(m, field: str):
    fm = m.fields[field]
    return fm.relationship.from_ if fm.relationship else fm.from_


def test_files_written(project):
    names = sorted(p.name for p in (project / "mappings").iterdir())
    assert names == ["crm_unicode_export.yaml", "legacy_erp_export.yaml", "mapping.schema.json",
                     "销售客户清单.客户清单.yaml", "销售客户清单.联系人.yaml"]
    migration = load_migration(project / "migration.yaml")
    assert migration.target == "duckdb:///crm.duckdb"
    objects = [load_mapping(project / p).object for p in migration.mappings]
    assert objects.index("contacts") > max(i for i, o in enumerate(objects) if o == "accounts"), "accounts load first"
    assert {Path(p).name for p in migration.mappings} == {n for n in names if n.endswith(".yaml")}


def test_workbook_accounts_suggestions(project):
    m = mapping_of(project, "销售客户清单.客户清单")
    assert m.object == "accounts" and m.source.sheet == "客户清单"
    assert m.source_path() == WORKBOOK.resolve()
    expect = {"account_id": "客户编号", "name": "客户名称", "credit_code": "统一社会信用代码", "email": "邮箱",
              "address": "地址", "annual_revenue": "合同金额", "created_at": "首次合作日期", "phone": "座机"}
    assert {f: source_of(m, f) for f in expect} == expect
    assert m.fields["credit_code"].transforms == ["credit_code"] and m.fields["name"].transforms == ["company_name"]
    text = (project / "mappings" / "销售客户清单.客户清单.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=mapping.schema.json\n")
    assert "credit_code:  # header (confidence 0.95)" in text
    assert "#   联系人: looks like person_name" in text and "#   手机: looks like mobile (also fits phone" in text


def test_erp_suggestions(project):
    m = mapping_of(project, "legacy_erp_export")
    assert m.object == "accounts"
    assert {f: source_of(m, f) for f in ("account_id", "name", "credit_code", "phone", "address", "created_at")} == {
        "account_id": "客户编码", "name": "客户名称", "credit_code": "税号", "phone": "电话", "address": "地址",
        "created_at": "建档日期"}


def test_contacts_sheet_gets_a_relationship_and_a_generated_id(project):
    m = mapping_of(project, "销售客户清单.联系人")
    assert m.object == "contacts"
    rel = m.fields["account_id"].relationship
    assert (rel.object, rel.by, rel.from_) == ("accounts", "name", "客户名称")
    cid = m.fields["contact_id"]
    assert cid.from_ == ["客户名称", "联系人", "手机"]
    assert isinstance(cid.transforms[0], Concat) and cid.transforms[1] == "hash"
    assert (source_of(m, "name"), source_of(m, "mobile"), source_of(m, "title")) == ("联系人", "手机", "职务")
    text = (project / "mappings" / "销售客户清单.联系人.yaml").read_text(encoding="utf-8")
    assert "no id column: generated as a stable hash of 客户名称 + 联系人 + 手机" in text


def test_leads_object_guessed_with_a_value_map(project):
    m = mapping_of(project, "crm_unicode_export")
    assert m.object == "leads"
    assert {f: source_of(m, f) for f in ("company", "name", "mobile", "email", "source", "created_at")} == {
        "company": "公司", "name": "联系人", "mobile": "手机", "email": "邮箱", "source": "来源", "created_at": "创建时间"}
    assert m.fields["source"].value_map == {'展会"2024工博会"': "展会", "官网\t在线咨询": "官网"}
    text = (project / "mappings" / "crm_unicode_export.yaml").read_text(encoding="utf-8")
    assert "# 百度推广: ???" in text


def test_drafts_pass_mapping_check(project, cli):
    files = sorted((project / "mappings").glob("*.yaml"))
    assert cli("mapping", "check", *files).code == 0
    result = cli("mapping", "check", *files, "--sample", "--format", "json")
    report = json.loads(result.stdout)
    assert result.code == 0, report["findings"]
    assert {f["rule"] for f in report["findings"] if f["severity"] == "warning"} <= {"sample.picklist_uncovered",
                                                                                     "sample.rejected"}


def test_never_overwrites_without_force(project, cli, tmp_path):
    import shutil

    project = Path(shutil.copytree(project, tmp_path / "copy"))
    target = project / "mappings" / "legacy_erp_export.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = cli("init", ERP, "--out", project)
    assert result.code == 2 and "legacy_erp_export.yaml" in result.stderr and "--force" in result.stderr
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
    forced = cli("init", ERP, "--out", project, "--force", "--json")
    assert forced.code == 0
    assert "# edited by hand" not in target.read_text(encoding="utf-8")
    data = json.loads(forced.stdout)
    assert str(target) in data["written"] and str(project / "mappings" / "mapping.schema.json") not in data["written"]
    assert [m.split("/")[-1] for m in load_migration(project / "migration.yaml").mappings] == ["legacy_erp_export.yaml"]


def test_content_beats_a_meaningless_header(tmp_path, cli):
    source = tmp_path / "客户.csv"
    source.write_text("编号,公司,备注1\n1,北京华信科技有限公司,91110108MA01HX3K30\n2,上海华信科技有限公司,91310115MA1FL2Q83U\n"
                      "3,广州天润贸易有限公司,91440106MA59C2LX9T\n", encoding="utf-8")
    result = cli("init", source, "--out", tmp_path / "p", "--json")
    assert result.code == 0, result.stderr
    draft = json.loads(result.stdout)["drafts"][0]
    fields = {s["field"]: s for s in draft["fields"]}
    assert fields["credit_code"]["columns"] == ["备注1"] and fields["credit_code"]["by"] == "content"
    assert fields["account_id"]["columns"] == ["编号"] and fields["account_id"]["by"] == "id column"
    assert fields["name"]["columns"] == ["公司"] and 0 < fields["name"]["confidence"] <= 1
    assert draft["object"] == "accounts" and draft["missing_required"] == []


def test_object_option_and_generated_account_id(tmp_path, cli):
    source = tmp_path / "list.csv"
    source.write_text("公司名称,统一社会信用代码,地址\n北京华信科技有限公司,91110108MA01HX3K30,北京市海淀区中关村大街27号\n",
                      encoding="utf-8")
    assert cli("init", source, "--out", tmp_path / "p", "--object", "accounts").code == 0
    m = load_mapping(tmp_path / "p" / "mappings" / "list.yaml")
    assert m.fields["account_id"].from_ == ["公司名称", "统一社会信用代码"]
    assert m.fields["account_id"].transforms[-1] == "hash"
    assert cli("init", source, "--out", tmp_path / "q", "--object", "nothing").code == 2


def test_unreadable_source_is_exit_3(tmp_path, cli):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook")
    assert cli("init", bad, "--out", tmp_path / "p").code == 3
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("value", ["2024", "yes", "null", "a: b", "#备注", " x", "-1", "官网\t在线咨询", '展会"工博会"',
                                   "客户名称", "{x}", "[1]", "'q'", "50%", "a,b"])
def test_yaml_scalars_read_back_as_written(value):
    import yaml

    from crmtool.mapper.draft import _flow, _scalar

    assert yaml.safe_load(f"k: {_scalar(value)}") == {"k": value}
    assert yaml.safe_load(f"k: {_flow({value: [value]})}") == {"k": {value: [value]}}
