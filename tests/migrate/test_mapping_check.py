"""`crmtool mapping check`: every finding at its line, the output formats, the exit codes, the schema."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from crmtool.config.mapping import load_mapping, mapping_schema
from crmtool.mapper.check import check_files
from crmtool.mapper.check_output import to_github, to_junit
from crmtool.model import load_object_model

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "mappings").glob("*.yaml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def found(report) -> set[tuple[int, str, str]]:
    return {(f.line, f.rule, f.severity) for f in report.findings}


BAD = """\
object: accounts
source: {file: data.csv}
fields:
  account_id: {from: id}
  nmae: {from: 名称}
  created_at:
    from: 邮箱
    transforms: [email]
  industry:
    from: 行业
    value_map:
      IT: 信息科技
  level:
    from: 等级
    default: E
  phone:
    from: 电话
    value_map: {a: b}
  owner:
    relationship: {object: accounts, by: name, from: 名称}
  email: {from: 邮箱}
  address:
    from: [地址, 地址2]
    transforms: [address, {concat: {sep: " "}}]
"""


def test_model_findings_at_their_lines(tmp_path):
    path = write(tmp_path, "bad.yaml", BAD)
    report = check_files([path])
    assert {(5, "mapping.unknown_field", "error"), (8, "mapping.type_mismatch", "error"),
            (12, "mapping.value_map_target", "error"), (15, "mapping.value_not_allowed", "error"),
            (18, "mapping.value_map_not_picklist", "warning"), (20, "mapping.relationship_field", "error"),
            (21, "mapping.cleanse_missing", "info"), (24, "mapping.concat", "warning"),
            (3, "mapping.required_unmapped", "error")} <= found(report)
    messages = {f.rule: f.message for f in report.findings}
    assert "did you mean 'name'" in messages["mapping.unknown_field"]
    assert "did you mean '信息技术'" in messages["mapping.value_map_target"]
    assert "created_at is a date field" in messages["mapping.type_mismatch"]
    assert report.exit_code == 1 and not report.valid
    assert report.files[0].status == "errors"


def test_relationship_findings(tmp_path):
    custom = write(tmp_path, "objects.yaml", """\
        objects:
          shops:
            external_id: shop_id
            fields:
              shop_id: {type: string, required: true}
              label: {type: string}
          contacts:
            fields:
              shop__c: {type: reference, to: shops}
        """)
    path = write(tmp_path, "contacts.yaml", """\
        object: contacts
        source: {file: data.csv}
        fields:
          contact_id: {from: id}
          name: {from: 姓名, transforms: [person_name]}
          account_id:
            relationship:
              object: leads
              from: 公司
          shop__c:
            relationship:
              object: shops
              by: name
              from: 门店
        """)
    report = check_files([path], load_object_model(custom))
    assert {(8, "mapping.relationship_object", "error"), (13, "mapping.relationship_by", "error")} <= found(report)
    path2 = write(tmp_path, "c2.yaml", """\
        object: contacts
        source: {file: data.csv}
        fields:
          contact_id: {from: id}
          name: {from: 姓名}
          account_id:
            relationship: {object: acounts, from: 公司}
        """)
    report = check_files([path2])
    finding = next(f for f in report.findings if f.rule == "mapping.relationship_object")
    assert finding.line == 7 and "did you mean 'accounts'" in finding.message


def test_unknown_object_and_relaxed_requirement(tmp_path):
    report = check_files([write(tmp_path, "o.yaml", "object: acount\nsource: {file: x.csv}\nfields:\n  a: {from: b}\n")])
    assert found(report) == {(1, "mapping.unknown_object", "error")}
    assert "did you mean 'accounts'" in report.findings[0].message
    report = check_files([write(tmp_path, "r.yaml", """\
        object: accounts
        source: {file: x.csv}
        fields:
          account_id: {from: id}
          name:
            from: 名称
            transforms: [company_name]
            required: false
        """)])
    assert found(report) == {(8, "mapping.required_relaxed", "error")}


@pytest.mark.parametrize("text, line, field, needle", [
    ("object: accounts\nsource: {file: x.csv}\nfields:\n  name:\n    form: 名称\n", 5, "fields.name.form",
     "did you mean 'from'"),
    ("object: accounts\nsource: {file: x.csv}\nfields:\n  name:\n    from: 名称\n    transforms: [emial]\n", 6,
     "fields.name.transforms.0", "did you mean 'email'"),
    ("object: accounts\nsource: {file: x.csv}\nfields:\n  name: {from: 名称, transforms: [{splt: {sep: a}}]}\n", 4,
     "fields.name.transforms.0", "unknown transform {splt: …}: did you mean {split: …}?"),
    ("object: accounts\nsource: {file: x.csv}\nfields:\n  name: {from: [a, b]\n", 5, "", "not valid YAML"),
    ("object: accounts\nfields:\n  name: {from: a}\n", 1, "source", "required"),
])
def test_schema_findings_make_the_file_invalid(tmp_path, text, line, field, needle):
    report = check_files([write(tmp_path, "s.yaml", text)])
    assert report.exit_code == 2 and report.files[0].status == "invalid"
    first = report.findings[0]
    assert (first.line, first.field) == (line, field) and needle in first.message, first


def test_unreadable_file_is_invalid(tmp_path):
    report = check_files([tmp_path / "missing.yaml"])
    assert report.exit_code == 2 and "no such file" in report.findings[0].message


# ------------------------------------------------------------------------------------------- sample


SAMPLED = """\
object: accounts
source: {file: data.csv}
fields:
  account_id: {from: id}
  name: {from: 名称, transforms: [company_name]}
  email: {from: 邮箱, transforms: [email]}
  industry:
    from: 行业
    value_map: {IT: 信息技术}
"""


def test_sample_findings(tmp_path):
    (tmp_path / "data.csv").write_text("id,名称,邮箱,行业\n1,甲公司,a@b.cn,IT\n2,乙公司,2024-01-01,火星矿业\n"
                                       "2,丙公司,2024-01-02,信息技术\n,丁公司,2024-01-03,IT\n", encoding="utf-8")
    path = write(tmp_path, "m.yaml", SAMPLED)
    report = check_files([path], sample=True)
    assert {(3, "sample.rejected", "warning"), (6, "sample.mostly_invalid", "warning"),
            (9, "sample.picklist_uncovered", "warning")} <= found(report)
    sample = report.files[0].sample
    assert (sample["rows"], sample["mapped"], sample["rejected"], sample["rejected_share"]) == (4, 2, 2, 0.5)
    rejected = next(f for f in report.findings if f.rule == "sample.rejected")
    assert "map.duplicate_id 1×" in rejected.message and "map.no_external_id 1×" in rejected.message
    assert "'火星矿业' (1×)" in next(f.message for f in report.findings if f.rule == "sample.picklist_uncovered")
    assert report.exit_code == 0, "warnings do not fail the check"
    strict = check_files([path], sample=True, max_rejected=0.25)
    assert strict.exit_code == 1 and any(f.rule == "sample.rejected" and f.severity == "error" for f in strict.findings)


def test_sample_missing_column_and_sample_file(tmp_path):
    (tmp_path / "data.csv").write_text("id,公司名称\n1,甲公司\n", encoding="utf-8")
    path = write(tmp_path, "m.yaml", SAMPLED)
    report = check_files([path], sample=True)
    missing = [f for f in report.findings if f.rule == "sample.missing_column"]
    assert [(f.line, f.field) for f in missing] == [(5, "fields.name"), (6, "fields.email"), (8, "fields.industry")]
    assert "did you mean '公司名称'" in missing[0].message
    other = tmp_path / "other.csv"
    other.write_text("id,名称,邮箱,行业\n1,甲公司,a@b.cn,IT\n", encoding="utf-8")
    report = check_files([path], sample_file=other)
    assert report.exit_code == 0 and report.files[0].sample["source"] == str(other)
    report = check_files([path], sample_file=tmp_path / "nope.csv")
    assert report.exit_code == 2 and report.findings[0].rule == "sample.unreadable"


def test_sample_references_are_skipped_with_an_info(tmp_path):
    report = check_files([ROOT / "mappings" / "contacts.yaml"], sample=True)
    skipped = [f for f in report.findings if f.rule == "sample.references_skipped"]
    assert len(skipped) == 1 and skipped[0].severity == "info"
    assert skipped[0].line == load_mapping(ROOT / "mappings" / "contacts.yaml").line_of("fields", "account_id")


# ------------------------------------------------------------------------------------------- shipped files


def test_shipped_mappings_pass_with_their_samples(cli):
    assert len(SHIPPED) == 4
    result = cli("mapping", "check", *SHIPPED, "--sample")
    assert result.code == 0, result.stdout + result.stderr
    report = check_files(SHIPPED, sample=True)
    assert all(r.sample["checked"] for r in report.files)
    assert not [f for f in report.findings if f.severity == "error"]
    assert [r.object for r in report.files] == ["accounts", "contacts", "accounts", "leads"]


def test_shipped_schema_equals_the_model():
    shipped = json.loads((ROOT / "mappings" / "mapping.schema.json").read_text(encoding="utf-8"))
    assert shipped == mapping_schema(), "regenerate: crmtool mapping schema --out mappings/mapping.schema.json"


def test_shipped_mappings_validate_against_the_json_schema_and_name_it():
    import jsonschema

    schema = mapping_schema()
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == "# yaml-language-server: $schema=mapping.schema.json", path.name
        jsonschema.validate(yaml.safe_load(text), schema)


def test_schema_command(cli, tmp_path):
    result = cli("mapping", "schema")
    assert result.code == 0 and json.loads(result.stdout) == mapping_schema()
    out = tmp_path / "s.json"
    assert cli("mapping", "schema", "--out", out).code == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "mappings" / "mapping.schema.json").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------- formats and exits


@pytest.fixture
def mixed(tmp_path):
    good = ROOT / "mappings" / "accounts.yaml"
    bad = write(tmp_path, "bad.yaml", BAD)
    return good, bad


def test_text_format(cli, mixed):
    good, bad = mixed
    result = cli("mapping", "check", good, bad)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert f"{bad}:5: error fields.nmae: accounts has no field 'nmae': did you mean 'name'?" in lines
    assert re.search(r"2 mapping file\(s\) failed: \d+ error\(s\)", lines[-1])


def test_json_format_equals_the_library_report(cli, mixed):
    result = cli("mapping", "check", *mixed, "--format", "json")
    assert result.code == 1
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(check_files(list(mixed)).to_dict(), ensure_ascii=False))
    assert data["valid"] is False and data["stats"]["files"] == 2
    assert data["files"][0]["valid"] is True and data["files"][1]["status"] == "errors"
    assert {"file", "line", "field", "message", "severity", "rule"} == set(data["findings"][0])
    assert json.loads(cli("mapping", "check", mixed[0], "--json").stdout)["valid"] is True


def test_junit_format(cli, mixed, tmp_path):
    invalid = write(tmp_path, "broken.yaml", "object: [\n")
    result = cli("mapping", "check", *mixed, invalid, "--format", "junit")
    assert result.code == 2
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {str(mixed[0]), str(mixed[1]), str(invalid)}
    assert cases[str(mixed[0])].find("failure") is None
    failures = cases[str(mixed[1])].findall("failure")
    errors = [f for f in check_files([mixed[1]]).findings if f.severity == "error"]
    assert len(failures) == len(errors) and {f.get("type") for f in failures} >= {"mapping.unknown_field"}
    assert "bad.yaml:5:" in failures[0].text or any("bad.yaml:5:" in f.text for f in failures)
    assert "warning" in cases[str(mixed[1])].find("system-out").text
    assert cases[str(invalid)].find("error") is not None


def test_junit_and_github_from_the_library(mixed):
    report = check_files(list(mixed))
    assert ET.fromstring(to_junit(report).split("\n", 1)[1]).tag == "testsuites"
    lines = to_github(report).splitlines()
    assert len(lines) == len(report.findings)
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+)(?:,line=(\d+))?,title=([^:]+)::(.+)$")
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    first = next(m for m in parsed if m.group(3) == "5")
    assert first.group(1) == "error" and first.group(2) == str(mixed[1]) and "nmae" in first.group(5)
    assert {m.group(1) for m in parsed} == {"error", "warning", "notice"}


def test_github_format_escapes(cli, tmp_path):
    path = write(tmp_path, "a,b.yaml", "object: accounts\nsource: {file: x.csv}\nfields:\n  nmae: {from: '50%'}\n")
    result = cli("mapping", "check", path, "--format", "github")
    assert result.code == 1
    assert "file=" + str(path).replace(",", "%2C") in result.stdout


def test_exit_codes(cli, tmp_path, mixed):
    assert cli("mapping", "check", mixed[0]).code == 0
    assert cli("mapping", "check", mixed[1]).code == 1
    assert cli("mapping", "check", write(tmp_path, "y.yaml", "fields: [\n")).code == 2
    assert cli("mapping", "check", mixed[1], tmp_path / "y.yaml").code == 2, "invalid beats errors"
    assert cli("mapping", "check", mixed[0], "--format", "xml").code == 2
    out = tmp_path / "report.xml"
    assert cli("mapping", "check", mixed[1], "--format", "junit", "--out", out).code == 1
    assert ET.parse(out).getroot().tag == "testsuites"


def test_objects_option(cli, tmp_path):
    custom = write(tmp_path, "objects.yaml", "objects:\n  accounts:\n    fields:\n      vip__c: {type: boolean}\n")
    path = write(tmp_path, "m.yaml", """\
        object: accounts
        source: {file: x.csv}
        fields:
          account_id: {from: id}
          name: {from: 名称, transforms: [company_name]}
          vip__c: {from: VIP}
        """)
    assert cli("mapping", "check", path).code == 1
    assert cli("mapping", "check", path, "--objects", custom).code == 0
