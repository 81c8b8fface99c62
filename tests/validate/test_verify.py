"""verify_frames' outputs, the gate, and `crmtool verify` on run directories and data files."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pandas as pd
import pytest

from crmtool.errors import ConfigError, GateFailed
from crmtool.model import load_object_model
from crmtool.validate.verify import failures_as_issues, gate, verify_frames

V1 = "91350100M000100Y43"


def _frame(obj: str, columns: dict) -> pd.DataFrame:
    frame = pd.DataFrame(columns, dtype="string")
    n = len(frame)
    frame.insert(0, "_row_id", pd.array([f"{obj}.xlsx#客户!{i + 2}" for i in range(n)], dtype="string"))
    frame.insert(1, "_source", pd.array([f"{obj}.xlsx"] * n, dtype="string"))
    frame.insert(2, "_sheet", pd.array(["客户"] * n, dtype="string"))
    frame.insert(3, "_row", pd.array(range(2, n + 2), dtype="Int64"))
    return frame


def dirty() -> dict[str, pd.DataFrame]:
    accounts = _frame("accounts", {
        "account_id": ["A001", "A002", "A002", "A004"],
        "name": ["华信科技有限公司", "", "乙公司", "丙公司"],
        "credit_code": [V1, V1[:17] + "4", None, "0012"],
        "phone": ["+8613800138000", "010-62345678", None, "+861062345678"],
        "industry": ["信息技术", "=HYPERLINK(\"http://x\")", "制造业", None],
    })
    contacts = _frame("contacts", {
        "contact_id": ["C1", "C2"], "account_id": ["A001", "A404"], "name": ["张三", "李四"],
        "mobile": ["+8613800138000", "+861062345678"],
    })
    return {"accounts": accounts, "contacts": contacts}


def clean() -> dict[str, pd.DataFrame]:
    return {"accounts": _frame("accounts", {"account_id": ["A001", "A002"], "name": ["甲公司", "乙公司"],
                                            "credit_code": [V1, None], "industry": ["金融", None]})}


@pytest.fixture(scope="module")
def model():
    return load_object_model()


@pytest.fixture(scope="module")
def written(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("verify") / "verify"
    frames = dirty()
    return verify_frames(frames, model, out_dir=out, masked=False), out, frames  # cell fidelity; masking: tests/mask


def test_results_json_is_the_result(written):
    result, out, _ = written
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(result.results))
    keys = {"rule_id", "object", "field", "kind", "severity", "checked", "failed", "engine_counts"}
    assert all(keys <= set(r) and set(r["engine_counts"]) == {"sql", "gx"} for r in saved)
    by_id = {r["rule_id"]: r for r in saved}
    assert by_id["accounts.credit_code.valid"]["failed"] == 2 and by_id["accounts.credit_code.valid"]["agree"] is True
    assert by_id["contacts.account_id.relationship"]["engine_counts"] == {"sql": 1, "gx": 1}
    assert by_id["accounts.email.valid"]["status"] == "skipped"


def test_failures_csv_holds_every_failing_row(written):
    result, out, _ = written
    csv = pd.read_csv(out / "failures.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert len(csv) == len(result.failures) == sum(r["failed"] for r in result.results)
    assert list(csv.columns) == ["object", "_row_id", "_source", "_sheet", "_row", "external_id", "rule_id",
                                 "severity", "column", "value", "message"]
    industry = csv[csv["rule_id"] == "accounts.industry.values"]
    assert industry["value"].tolist() == ["'=HYPERLINK(\"http://x\")"], "formula text is neutralised in CSV"
    unique = csv[csv["rule_id"] == "accounts.account_id.unique"]
    assert unique["_row"].tolist() == ["3", "4"] and unique["_sheet"].tolist() == ["客户", "客户"]
    assert "A002" in unique["message"].iloc[0]


def test_failures_workbook_has_a_summary_and_a_sheet_per_failing_rule(written):
    import openpyxl

    result, out, frames = written
    book = openpyxl.load_workbook(out / "failures.xlsx")
    failing = [r["rule_id"] for r in result.results if r["failed"]]
    assert book.sheetnames[0] == "summary" and len(book.sheetnames) == 1 + len(failing)
    summary = list(book["summary"].iter_rows(values_only=True))
    assert summary[0][:8] == ("rule_id", "object", "field", "kind", "severity", "status", "checked", "failed")
    assert [row[0] for row in summary[1:]] == [r["rule_id"] for r in result.results]
    link = next(row for row in book["summary"].iter_rows() if row[0].value == "accounts.credit_code.valid")[-1]
    assert link.hyperlink is not None and link.hyperlink.location.startswith("'accounts.credit_code.valid'")

    sheet = book["accounts.credit_code.valid"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (*frames["accounts"].columns, "message")
    assert [r[0] for r in rows[1:]] == ["accounts.xlsx#客户!3", "accounts.xlsx#客户!5"]
    col = rows[0].index("credit_code")
    cells = [sheet.cell(row=i, column=col + 1) for i in (2, 3)]
    assert [c.value for c in cells] == [V1[:17] + "4", "0012"]
    assert all(c.data_type == "s" for c in cells), "0012 stays text"
    assert all(c.fill.fgColor.rgb.endswith("FFC7CE") for c in cells)
    assert sheet.cell(row=2, column=col).fill.fgColor.rgb in (None, "00000000"), "only the failing cell is marked"
    formula = book["accounts.industry.values"].cell(row=2, column=rows[0].index("industry") + 1)
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s"


def test_gx_data_docs_are_in_the_out_dir(written):
    _, out, _ = written
    index = out / "gx" / "index.html"
    assert index.is_file()
    pages = [p.name for p in (out / "gx" / "validations").rglob("*.html")]
    assert len(pages) == 2, pages
    assert "accounts" in index.read_text(encoding="utf-8")


def test_gate(written, model):
    result, _, _ = written
    with pytest.raises(GateFailed) as err:
        gate(result)
    message = str(err.value)
    assert "accounts.credit_code.valid (2 rows)" in message and "contacts.account_id.relationship (1 rows)" in message
    assert "accounts.phone.valid" not in message, "warnings do not block by default"
    assert "--accept-failures" in message and "failures.xlsx" in message
    record = gate(result, "客户确认：旧系统数据，上线后补录")
    assert record["passed"] is False
    accepted = record["accepted_failures"]
    assert accepted["reason"] == "客户确认：旧系统数据，上线后补录" and accepted["by"] == getpass.getuser()
    assert accepted["at"][:4].isdigit() and accepted["rules"]["accounts.credit_code.valid"] == 2
    with pytest.raises(ConfigError):
        gate(result, "   ")
    passed = verify_frames(clean(), model, engines=("sql",))
    assert passed.passed and gate(passed) == {"passed": True, "accepted_failures": None}


def test_fail_on_warning_blocks_warnings(model):
    frames = clean()
    frames["accounts"]["phone"] = pd.array(["010-1", None], dtype="string")
    result = verify_frames(frames, model, engines=("sql",))
    assert result.passed
    with pytest.raises(GateFailed, match="accounts.phone.valid"):
        gate(result, fail_on="warning")
    assert not verify_frames(frames, model, engines=("sql",), fail_on="warning").passed


def test_failures_as_issues(written):
    from crmtool.issues import ISSUE_COLUMNS

    result, _, _ = written
    issues = failures_as_issues(result.failures)
    assert list(issues.columns) == ISSUE_COLUMNS and len(issues) == len(result.failures)
    row = issues[issues["rule"] == "contacts.account_id.relationship"].iloc[0]
    assert (row["original"], row["severity"], row["_row"]) == ("A404", "error", 3)


def test_relationship_to_keys_already_in_the_target(model):
    frames = {"contacts": dirty()["contacts"]}
    skipped = verify_frames(frames, model, engines=("sql",))
    entry = next(r for r in skipped.results if r["rule_id"] == "contacts.account_id.relationship")
    assert entry["status"] == "skipped" and "accounts" in entry["note"]
    known = verify_frames(frames, model, engines=("sql", "gx"), known_keys={"accounts": ["A001"]})
    entry = next(r for r in known.results if r["rule_id"] == "contacts.account_id.relationship")
    assert (entry["failed"], entry["engine_counts"]["gx"]) == (1, 1)


def test_frames_without_provenance_and_with_numbers(model):
    frame = pd.DataFrame({"account_id": ["A1", "A2"], "name": ["甲", "乙"], "employees": [12, -3]})
    result = verify_frames({"accounts": frame}, model, engines=("sql", "gx"))
    entry = next(r for r in result.results if r["rule_id"] == "accounts.employees.range")
    assert (entry["failed"], entry["agree"]) == (1, True)
    assert result.failures["_row_id"].tolist() == ["accounts#2"]


def test_unknown_object_is_a_usage_error(model):
    with pytest.raises(ConfigError, match="accountz"):
        verify_frames({"accountz": clean()["accounts"]}, model)


# -- the command -----------------------------------------------------------------------------------

def make_run(root: Path, frames: dict[str, pd.DataFrame], manifest: dict | None = None) -> Path:
    run = root / "runs" / "r1"
    (run / "map").mkdir(parents=True)
    for obj, frame in frames.items():
        frame.to_parquet(run / "map" / f"{obj}.parquet")
    (run / "manifest.json").write_text(json.dumps(manifest or {"run_id": "r1", "stages": {}}), encoding="utf-8")
    return run


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def test_cli_run_dir_gate_fails_then_is_accepted(cli, tmp_path):
    run = make_run(tmp_path, dirty())
    result = cli("verify", run, "--no-gx")
    assert result.code == 1
    assert "accounts.credit_code.valid" in result.stdout and "gate failed" in result.stdout
    assert "verify gate failed" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    manifest = _manifest(run)
    assert manifest["gate"] == {"passed": False, "accepted_failures": None}
    assert manifest["stages"]["verify"]["status"] == "failed"
    assert manifest["stages"]["verify"]["counts"]["failing_rows"] == 9  # 7 error rows, 2 warning rows
    assert {p.name for p in (run / "verify").iterdir()} == {"results.json", "failures.csv", "failures.xlsx"}

    result = cli("verify", run, "--no-gx", "--accept-failures", "客户确认，上线后补录")
    assert result.code == 0, result.stderr
    gate_record = _manifest(run)["gate"]
    assert gate_record["passed"] is False and gate_record["accepted_failures"]["reason"] == "客户确认，上线后补录"
    assert _manifest(run)["stages"]["verify"]["status"] == "accepted"


def test_cli_json_equals_the_library_result(cli, tmp_path, model):
    run = make_run(tmp_path, dirty())
    result = cli("verify", run, "--json")
    assert result.code == 1
    data = json.loads(result.stdout)
    library = verify_frames(dirty(), model)
    assert data["results"] == json.loads(json.dumps(library.results))
    assert data["gate"] == {"passed": False, "accepted_failures": None} and data["passed"] is False
    assert [f["rule_id"] for f in data["failures"]] == library.failures["rule_id"].tolist()
    index = Path(data["files"]["gx_docs"])
    assert index.name == "index.html" and index.is_file()
    pages = {p.relative_to(index.parent / "validations").parts[0] for p in (index.parent / "validations").rglob("*.html")}
    assert pages == {"accounts", "contacts"}  # one validation page per verified object, all in one site


def test_cli_one_object_of_a_run(cli, tmp_path):
    run = make_run(tmp_path, dirty())
    result = cli("verify", run, "--object", "contacts", "--no-gx", "--json")
    assert result.code == 0, "only a warning fails; the relationship cannot be checked without accounts"
    data = json.loads(result.stdout)
    assert data["summary"]["rows"] == {"contacts": 2}
    entry = next(r for r in data["results"] if r["rule_id"] == "contacts.account_id.relationship")
    assert entry["status"] == "skipped" and entry["engine_counts"] == {"sql": None, "gx": None}


def test_cli_clean_run_passes(cli, tmp_path):
    run = make_run(tmp_path, clean())
    result = cli("verify", run, "--no-gx", "--out", tmp_path / "elsewhere")
    assert result.code == 0, result.stderr
    assert (tmp_path / "elsewhere" / "failures.xlsx").is_file() and not (run / "verify").exists()
    assert _manifest(run)["gate"] == {"passed": True, "accepted_failures": None}


def test_cli_run_dir_leaves_out_the_rows_the_map_stage_set_aside(cli, tmp_path):
    """map/<object>_rejected.parquet sits beside map/<object>.parquet in a real run: it is not an object."""
    run = make_run(tmp_path, clean())
    pd.DataFrame({"_row_id": ["x#1!2"], "reason": ["map: 找不到所属客户"]}).to_parquet(run / "map" / "accounts_rejected.parquet")
    result = cli("verify", run, "--no-gx", "--json")
    assert result.code == 0, result.stderr
    assert {r["object"] for r in json.loads(result.stdout)["results"]} <= set(clean())


def test_cli_run_dir_settings_from_its_migration(cli, tmp_path):
    """fail_on and rule files come from the run's migration.yaml (as the pipeline would use them)."""
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: accounts.credit_code.valid\n    severity: warning\n",
                                         encoding="utf-8")
    (tmp_path / "migration.yaml").write_text("mappings: [m.yaml]\nverify: {rules: [rules.yaml], fail_on: warning}\n",
                                             encoding="utf-8")
    frames = clean()
    frames["accounts"]["credit_code"] = pd.array([V1[:17] + "4", None], dtype="string")
    run = make_run(tmp_path, frames, {"migration": {"path": str(tmp_path / "migration.yaml")}, "stages": {}})
    result = cli("verify", run, "--no-gx", "--json")
    assert result.code == 1
    data = json.loads(result.stdout)
    entry = next(r for r in data["results"] if r["rule_id"] == "accounts.credit_code.valid")
    assert entry["severity"] == "warning" and data["fail_on"] == "warning"


def test_cli_data_file_with_object(cli, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(f"account_id,name,credit_code\nA1,甲公司,{V1}\nA2,,{V1}\n", encoding="utf-8")
    result = cli("verify", path, "--object", "accounts", "--no-gx", "--json")
    assert result.code == 1
    data = json.loads(result.stdout)
    failed = {r["rule_id"]: r["failed"] for r in data["results"] if r["failed"]}
    assert failed == {"accounts.name.required": 1, "accounts.credit_code.unique": 2}
    assert data["failures"][0]["_source"] == "accounts.csv" and data["failures"][0]["_row"] == 3
    assert data["files"] == {}


def test_cli_data_file_with_mapping(cli, tmp_path):
    (tmp_path / "客户.csv").write_text("编号,名称,电话,行业\nA1,甲公司,13800138000,金融业\nA2,乙公司,010-62345678,金融\n",
                                      encoding="utf-8")
    mapping = tmp_path / "accounts.yaml"
    mapping.write_text("object: accounts\nsource: {file: 客户.csv}\nfields:\n  account_id: {from: 编号}\n"
                       "  name: {from: 名称, transforms: [company_name]}\n  phone: {from: 电话, transforms: [phone]}\n"
                       "  industry: {from: 行业}\n", encoding="utf-8")
    result = cli("verify", tmp_path / "客户.csv", "--mapping", mapping, "--no-gx", "--json")
    data = json.loads(result.stdout)
    phones = {r["rule_id"]: r for r in data["results"]}["accounts.phone.valid"]
    assert phones["checked"] == 2 and phones["failed"] == 0, "mapped phones are canonical"
    assert data["summary"]["rows"] == {"accounts": 2} or data["notes"], data["notes"]


@pytest.mark.parametrize("args, code, words", [
    (["{data}"], 2, "--mapping"),
    (["{data}", "--object", "leeds"], 2, "no such object"),
    (["{missing}", "--object", "accounts"], 3, "no such file"),
    (["{folder}"], 3, "not a run directory"),
    (["{run}", "--mapping", "{data}"], 2, "drop --mapping"),
    (["{run}", "--rules", "{bad_rules}"], 2, "bad.yaml:3"),
    (["{run}", "--object", "leads"], 2, "no map output for 'leads'"),
    (["{broken_run}"], 3, "Parquet"),
    (["{empty_run}"], 3, "no map output"),
    (["{run}", "--accept-failures", ""], 2, "needs a reason"),
])
def test_cli_errors_and_exit_codes(cli, tmp_path, args, code, words):
    run = make_run(tmp_path, dirty())
    broken = make_run(tmp_path / "b", {})
    (broken / "map" / "accounts.parquet").write_bytes(b"PAR1 not really")
    empty = make_run(tmp_path / "e", {})
    (tmp_path / "folder").mkdir()
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("rules:\n  - object: accounts\n    kind: nonsense\n    field: phone\n",
                                       encoding="utf-8")
    values = {"data": tmp_path / "data.csv", "missing": tmp_path / "missing.csv", "folder": tmp_path / "folder",
              "run": run, "bad_rules": tmp_path / "bad.yaml", "broken_run": broken, "empty_run": empty}
    result = cli("verify", *[a.format(**values) for a in args], "--no-gx")
    assert result.code == code, (result.stdout, result.stderr)
    assert words in result.stderr


def test_sheet_names_are_valid_and_unique():
    from crmtool.validate.workbook import sheet_names

    ids = ["opportunities.opportunity_id.required", "opportunities.opportunity_id.requirex", "a:b/c.d[e]",
           "accounts.credit_code.valid", "ACCOUNTS.credit_code.valid", "summary"]
    names = sheet_names(ids)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\'") for n in names.values())
    assert len({n.lower() for n in names.values()} | {"summary"}) == len(ids) + 1
    assert names["accounts.credit_code.valid"] == "accounts.credit_code.valid"
    assert names["opportunities.opportunity_id.required"].endswith("opportunity_id.required")


def test_a_rule_with_more_rows_than_a_sheet_holds_continues_on_more_sheets(model, tmp_path, monkeypatch):
    import openpyxl

    import crmtool.validate.workbook as workbook

    monkeypatch.setattr(workbook, "MAX_ROWS", 1)
    frames = clean()
    frames["accounts"]["account_id"] = pd.array(["A1", "A1"], dtype="string")
    verify_frames(frames, model, engines=("sql",), out_dir=tmp_path)
    book = openpyxl.load_workbook(tmp_path / "failures.xlsx")
    assert book.sheetnames == ["summary", "accounts.account_id.unique", "accounts.account_id.unique~p2"]
    assert [book[s].cell(row=2, column=1).value for s in book.sheetnames[1:]] == ["accounts.xlsx#客户!2",
                                                                                  "accounts.xlsx#客户!3"]


def test_cli_data_file_with_a_relationship_mapping(cli, tmp_path):
    """The referred accounts are not at hand: the reference's rules are skipped with a note, not failed."""
    (tmp_path / "联系人.csv").write_text("客户名称,联系人,手机\n甲公司,张三,13800138000\n乙公司,李四,010-62345678\n",
                                       encoding="utf-8")
    mapping = tmp_path / "contacts.yaml"
    mapping.write_text("object: contacts\nsource: {file: 联系人.csv}\nfields:\n"
                       "  contact_id: {from: [客户名称, 联系人], transforms: [{concat: {sep: '|'}}, hash]}\n"
                       "  account_id: {relationship: {object: accounts, by: name, from: 客户名称}}\n"
                       "  name: {from: 联系人, transforms: [person_name]}\n"
                       "  mobile: {from: 手机, transforms: [phone]}\n", encoding="utf-8")
    result = cli("verify", tmp_path / "联系人.csv", "--mapping", mapping, "--no-gx", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    by_id = {r["rule_id"]: r for r in data["results"]}
    assert by_id["contacts.account_id.required"]["status"] == "skipped"
    assert "run directory" in by_id["contacts.account_id.required"]["note"]
    assert any("account_id" in n for n in data["notes"])
    assert (by_id["contacts.mobile.valid"]["checked"], by_id["contacts.mobile.valid"]["failed"]) == (2, 1)


def test_a_written_result_is_judged_again_from_its_directory(written):
    """A resumed run judges the gate from verify/results.json, without verifying again."""
    from crmtool.errors import InputError
    from crmtool.validate.verify import VerifyResult

    result, out, _ = written
    again = VerifyResult.from_dir(out)
    assert again.results == json.loads(json.dumps(result.results)) and again.engines == ("sql", "gx")
    assert [r["rule_id"] for r in again.blocking()] == [r["rule_id"] for r in result.blocking()]
    with pytest.raises(GateFailed, match="failures.xlsx"):
        gate(again)
    assert gate(again, "已确认")["accepted_failures"]["reason"] == "已确认"
    assert len(again.failures) == len(result.failures) and not len(VerifyResult.from_dir(out, failures=False).failures)
    assert not VerifyResult.from_dir(out, fail_on="never").blocking()
    with pytest.raises(InputError):
        VerifyResult.from_dir(out / "nowhere")
