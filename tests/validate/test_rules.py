"""Rules from the object model and rule files, and what each check accepts, in DuckDB and PostgreSQL.

The truth tables below are the specification of validity: every dialect must give exactly these
answers (valid_sql is what scan pushes down into both kinds of store).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from crmtool.config.files import ConfigFileError
from crmtool.config.rules import KINDS, load_rule_file
from crmtool.model import FieldDef, load_object_model
from crmtool.validate.patterns import ascii_classes
from crmtool.validate.rules import apply_rule_files, build_rules, rules_from_model
from crmtool.validate.sql import blank_sql, check_sql, full_match_sql, valid_sql

ROOT = Path(__file__).resolve().parents[2]
from pg import PG_BASE as PG  # noqa: E402

VALID_CODE = "91350100M000100Y43"


@pytest.fixture(scope="module")
def model():
    return load_object_model()


# -- rules of the model ----------------------------------------------------------------------------

def test_model_rules_cover_types_keys_and_references(model):
    rules = {r.rule_id: r for r in rules_from_model(model, ["accounts", "contacts", "opportunities"])}
    expected = {
        "accounts.account_id.required": "required", "accounts.account_id.unique": "unique",
        "accounts.account_id.length": "length", "accounts.name.required": "required",
        "accounts.credit_code.valid": "credit_code", "accounts.credit_code.unique": "unique",
        "accounts.phone.valid": "phone", "accounts.email.valid": "email", "accounts.industry.values": "value_set",
        "accounts.annual_revenue.type": "type", "accounts.annual_revenue.range": "range",
        "accounts.employees.type": "type", "accounts.website.type": "type", "accounts.created_at.type": "type",
        "contacts.mobile.valid": "mobile", "contacts.account_id.relationship": "relationship",
        "opportunities.probability.range": "range", "opportunities.stage.values": "value_set",
    }
    for rule_id, kind in expected.items():
        assert rules[rule_id].kind == kind, rule_id
    assert rules["contacts.account_id.relationship"].params == {"to": "accounts", "key": "account_id"}
    assert rules["opportunities.probability.range"].params == {"min": 0, "max": 100}
    assert rules["accounts.phone.valid"].severity == "warning" and rules["accounts.credit_code.valid"].severity == "error"
    assert "accounts.phone.required" not in rules
    assert {r.object for r in rules.values()} == {"accounts", "contacts", "opportunities"}


def test_mapping_required_raises_a_field_to_required(model, tmp_path):
    from crmtool.config.mapping import load_mapping

    path = tmp_path / "accounts.yaml"
    path.write_text("object: accounts\nsource: {file: x.csv}\nfields:\n  account_id: {from: 编号}\n"
                    "  phone: {from: 电话, required: true}\n", encoding="utf-8")
    rules = {r.rule_id: r for r in rules_from_model(model, ["accounts"], [load_mapping(path)])}
    assert rules["accounts.phone.required"].kind == "required"
    assert "mapping" in rules["accounts.phone.required"].origin


def test_messages_name_the_field_the_value_and_what_to_do(model):
    rules = {r.rule_id: r for r in rules_from_model(model, ["accounts", "opportunities"])}
    text = rules["accounts.industry.values"].render("IT")
    assert "行业 'IT'" in text and "制造业" in text and "value_map" in text
    assert "between 0 and 100" in rules["opportunities.probability.range"].render("120")
    assert "统一社会信用代码" in rules["accounts.credit_code.valid"].render("X")
    assert "{value}" in rules["accounts.name.required"].template() or "empty" in rules["accounts.name.required"].template()


def test_rules_module_imports_nothing_heavy():
    code = ("import sys, crmtool.validate.rules, crmtool.validate.verify, crmtool.commands.verify\n"
            "print([m for m in ('great_expectations', 'pandas', 'duckdb', 'pyarrow') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]", done.stdout


# -- rule files ------------------------------------------------------------------------------------

def _rule_file(tmp_path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_file_adds_changes_and_disables_rules(model, tmp_path):
    path = _rule_file(tmp_path, """
rules:
  - id: accounts.credit_code.valid
    severity: warning
  - id: accounts.website.type
    enabled: false
  - object: accounts
    field: phone
    kind: pattern
    params: {pattern: '\\+8621[0-9]{8}'}
    severity: info
    message: "{label} {value} 不是上海号码"
  - id: accounts.name.length
    kind: length
    params: {max_length: 50}
""")
    rules = {r.rule_id: r for r in build_rules(model, ["accounts"], rule_files=[path])}
    assert rules["accounts.credit_code.valid"].severity == "warning"
    assert "accounts.website.type" not in rules
    added = rules["accounts.phone.pattern"]
    assert (added.kind, added.severity, added.params) == ("pattern", "info", {"pattern": r"\+8621[0-9]{8}"})
    assert added.render("123") == "电话 123 不是上海号码" and added.origin.startswith(str(path))
    assert rules["accounts.name.length"].params == {"max_length": 50}


@pytest.mark.parametrize("text, line, field, words", [
    ("rules:\n  - object: accounts\n    field: phone\n    kind: patern\n", 4, "rules.0.kind", "should be"),
    ("rules:\n  - object: accounts\n    field: phone\n    kind: pattern\n    params: {pattern: '[0-9'}\n", 5,
     "rules.0.params.pattern", "regular expression"),
    ("rules:\n  - object: accounts\n    field: phone\n    kind: range\n    params:\n      mini: 3\n", 6,
     "rules.0.params.mini", "unknown parameter"),
    ("rules:\n  - severity: warning\n", 2, "rules.0", "give id"),
])
def test_rule_file_errors_name_file_line_and_field(tmp_path, text, line, field, words):
    path = _rule_file(tmp_path, text)
    with pytest.raises(ConfigFileError) as err:
        load_rule_file(path)
    finding = err.value.findings[0]
    assert (finding.file, finding.line, finding.field) == (str(path), line, field)
    assert words in finding.message


@pytest.mark.parametrize("text, line, words", [
    ("rules:\n  - id: accounts.phone.nothing\n    severity: info\n", 2, "no rule 'accounts.phone.nothing'"),
    ("rules:\n  - object: accounts\n    field: fone\n    kind: required\n", 3, "no field 'fone'"),
    ("rules:\n  - object: acounts\n    field: phone\n    kind: required\n", 2, "no object 'acounts'"),
    ("rules:\n  - object: contacts\n    field: title\n    kind: relationship\n    params: {to: leeds}\n", 5,
     "no object 'leeds'"),
])
def test_rule_file_errors_against_the_model(model, tmp_path, text, line, words):
    path = _rule_file(tmp_path, text)
    with pytest.raises(ConfigFileError) as err:
        apply_rule_files(rules_from_model(model, ["accounts", "contacts"]), [load_rule_file(path)], model)
    assert err.value.findings[0].line == line and words in err.value.findings[0].message


def test_every_kind_can_be_written_in_a_rule_file(model, tmp_path):
    params = {"type": "{type: integer}", "pattern": "{pattern: 'A.*'}", "value_set": "{values: [A]}",
              "length": "{max_length: 3}", "range": "{min: 1}", "relationship": "{to: accounts}"}
    body = "rules:\n" + "".join(f"  - {{object: contacts, field: title, kind: {k}, id: x.{k}"
                                + (f", params: {params[k]}" if k in params else "") + "}\n" for k in KINDS)
    rules = {r.rule_id: r for r in build_rules(model, ["contacts"], rule_files=[_rule_file(tmp_path, body)])}
    assert {rules[f"x.{k}"].kind for k in KINDS} == set(KINDS)
    assert rules["x.relationship"].params == {"to": "accounts", "key": "account_id"}


# -- what the checks accept ------------------------------------------------------------------------

def _fd(**kw) -> FieldDef:
    return FieldDef(**kw)


TRUTH = [
    (_fd(type="integer", min=0, max=100), {"0": True, "100": True, "0012": True, "101": False, "-1": False,
                                           "1.5": False, "１２": False, "12 ": False, "abc": False}),
    (_fd(type="decimal"), {"128000.00": True, "128000": True, "-0.50": True, "1.234": False, "1e5": False,
                           "12,000.00": False, "１.00": False}),
    (_fd(type="boolean"), {"true": True, "false": True, "True": False, "是": False, "1": False}),
    (_fd(type="date"), {"2024-02-29": True, "2000-02-29": True, "2023-02-29": False, "1900-02-29": False,
                        "2024-04-31": False, "2024-4-1": False, "2024/04/01": False, "0999-01-01": False,
                        "２０２４-01-01": False}),
    (_fd(type="datetime"), {"2024-03-15 14:30:00": True, "2024-03-15": True, "2024-03-15 24:00:00": False,
                            "2024-03-15T14:30:00": False, "2024-03-15 14:30": False}),
    (_fd(type="email"), {"zhang@example.cn": True, "a.b+c@QQ.com": True, "a@中文.com": True, "bad": False,
                         "a@b": False, "张三@qq.com": False, "Ａ@qq.com": False, "a..b@qq.com": False,
                         "x" * 65 + "@qq.com": False, "a@qq.com\n": False}),
    (_fd(type="url"), {"https://www.example.cn": True, "www.example.cn/p?q=1": True, "http://例子.中国": True,
                       "example": False, "https://a b.com": False, "ftp://x.cn": False}),
    (_fd(type="phone"), {"+8613800138000": True, "+861062345678;ext=801": True, "+862155551234; +8613912345678": True,
                         "+85291234567": True, "+864008108888": True, "010-62345678": False, "13800138000": False,
                         "+86123": False, "+8613800138000;": False}),
    (_fd(type="mobile"), {"+8613800138000": True, "+8613800138000; +8613912345678": True, "+861062345678": False,
                          "+8612800138000": False}),
    (_fd(type="credit_code"), {VALID_CODE: True, VALID_CODE[:17] + "4": False, VALID_CODE.lower(): False,
                               VALID_CODE[:17]: False, "９" + VALID_CODE[1:]: False, VALID_CODE[:8] + "M000100I43": False,
                               VALID_CODE[:16] + "X3": False}),
    (_fd(type="picklist", values=["A", "客户"]), {"A": True, "客户": True, "a": False, "Ａ": False, "客户 ": False}),
    (_fd(type="string", max_length=3, pattern=r"\d+|中文字"), {"123": True, "中文字": True, "１２３": False,
                                                             "1234": False, "12a": False}),
]


def _truth_rows():
    for k, (fd, cases) in enumerate(TRUTH):
        for value, ok in cases.items():
            yield k, value, ok


def _duckdb_answers(dialect_sql) -> dict:
    import duckdb

    con = duckdb.connect()
    out = {}
    for k, value, _ in _truth_rows():
        out[(k, value)] = con.execute(f"SELECT {dialect_sql(TRUTH[k][0], 'v', 'duckdb')} FROM (SELECT ? AS v)",
                                      [value]).fetchone()[0]
    return out


def _expected() -> dict:
    return {(k, value): ok for k, value, ok in _truth_rows()}


def test_valid_sql_truth_table_duckdb():
    assert _duckdb_answers(valid_sql) == _expected()


def _postgres():
    import psycopg
    from pg import require_postgres

    require_postgres()
    return psycopg.connect(PG + "?connect_timeout=3", autocommit=True)


@pytest.mark.postgres
def test_valid_sql_truth_table_postgres():
    with _postgres() as con:
        got = {(k, value): con.execute(f"SELECT {valid_sql(TRUTH[k][0], 'v', 'postgres')} FROM (SELECT %s::text AS v) t",
                                       [value]).fetchone()[0]
               for k, value, _ in _truth_rows()}
    assert got == _expected()


@pytest.mark.postgres
def test_valid_sql_reads_typed_store_columns_as_canonical_text():
    """Scan reads typed store tables: DECIMAL(18,2), DATE, TIMESTAMP, BOOLEAN, BIGINT columns."""
    import duckdb

    cases = [("decimal", "CAST('128000.5' AS DECIMAL(18,2))", True), ("date", "DATE '2024-02-29'", True),
             ("datetime", "TIMESTAMP '2024-03-15 14:30:00'", True), ("boolean", "TRUE", True),
             ("integer", "CAST(120 AS BIGINT)", True)]
    with _postgres() as pg:
        for kind, value, ok in cases:
            expression = valid_sql(_fd(type=kind), value)
            assert duckdb.execute(f"SELECT {expression}").fetchone()[0] is ok, kind
            assert pg.execute(f"SELECT {valid_sql(_fd(type=kind), value, 'postgres')}").fetchone()[0] is ok, kind


BLANKS = {None: True, "": True, " ": True, "\u3000": True, "\u00a0 \t": True, "\n": True, "x": False, " x": False,
          "\u3000中": False, "中": False, "!": False, "\u00a1": False, "\u2fff": False, "\u3001": False}


def test_blank_sql_duckdb_and_empty_values_are_null_in_valid_sql():
    import duckdb

    for value, blank in BLANKS.items():
        assert duckdb.execute(f"SELECT {blank_sql('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)", [value]).fetchone()[0] is blank, repr(value)
        assert duckdb.execute(f"SELECT {valid_sql(_fd(type='integer'), 'v')} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                              [value]).fetchone()[0] is (None if blank else False), repr(value)


@pytest.mark.postgres
def test_blank_sql_postgres():
    with _postgres() as con:
        for value, blank in BLANKS.items():
            got = con.execute(f"SELECT {blank_sql('v', 'postgres')} FROM (SELECT %s::text AS v) t", [value]).fetchone()[0]
            assert got is blank, repr(value)


def test_date_check_agrees_with_the_calendar():
    """Every YYYY-MM-DD with days 00-32 of every month, for years around the leap-year rules."""
    import duckdb

    from crmtool.validate.patterns import DATE

    values = [f"{y:04d}-{m:02d}-{d:02d}" for y in (1000, 1900, 1996, 1999, 2000, 2023, 2024, 2100, 2400, 9999)
              for m in range(0, 14) for d in range(0, 33)]

    def real(text: str) -> bool:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return False
        return True

    got = duckdb.execute(f"SELECT v, {full_match_sql('v', DATE)} FROM unnest(?) t(v)", [values]).fetchall()
    assert {v: ok for v, ok in got} == {v: real(v) for v in values}


def test_credit_code_sql_agrees_with_the_cleanse_module():
    """The SQL check characters against crmtool.cleanse.credit_code on valid codes and one-character changes."""
    import random

    import duckdb

    from crmtool.canon.uscc import USCC_CHARSET, complete_uscc, is_valid_uscc, uscc_check
    from crmtool.validate.rules import Uscc

    rng = random.Random(7)
    codes = []
    for _ in range(400):
        code = complete_uscc("".join(rng.choice(USCC_CHARSET) for _ in range(16)))
        i = rng.randrange(18)
        wrong17 = code[:16] + rng.choice("0123456789X".replace(code[16], ""))
        codes += [code, code[:i] + rng.choice(USCC_CHARSET + "IOSVZa") + code[i + 1:], wrong17 + uscc_check(wrong17)]
    got = dict(duckdb.execute(f"SELECT v, {check_sql(Uscc(), 'v')} FROM unnest(?) t(v)", [codes]).fetchall())
    assert got == {c: is_valid_uscc(c) for c in codes}
    answers = list(got.values())
    assert answers.count(True) >= 400 and answers.count(False) >= 750  # valid codes pass, both check characters bite


def test_cleansed_values_pass_their_checks():
    """What the cleanse stage writes (the map stage's canonical form) is what verify accepts."""
    import duckdb

    from crmtool.cleanse.email import check_email
    from crmtool.cleanse.phone import check_phone

    phones = ["13800138000", "010-62345678 转 801", "0755-8888 8888", "+852 9123 4567", "400-810-8888",
              "021-5555 1234, 13912345678", "+1 650 253 0000", "0571-87654321", "(86)138-0013-8000"]
    cleaned = [check_phone(p).clean for p in phones]
    emails = [check_email(e).clean for e in ["Zhang.San@QQ.COM", "mailto:li@163.com", "wang＠sina。com", "a@中文.com"]]
    for fd, values in ((_fd(type="phone"), cleaned), (_fd(type="email"), emails),
                       (_fd(type="mobile"), [check_phone("138 0013 8000").clean])):
        got = duckdb.execute(f"SELECT list(v), bool_and({valid_sql(fd, 'v')}) FROM unnest(?) t(v)", [values]).fetchone()
        assert got[1] is True, (fd.type, got[0])


def test_ascii_classes_spell_out_shorthands():
    assert ascii_classes(r"\d{3}-\w+\s") == r"[0-9]{3}-[0-9A-Za-z_]+[\t\n\f\r ]"
    assert ascii_classes(r"[\d.]+\D") == r"[0-9.]+[^0-9]"
    assert ascii_classes(r"\\d") == r"\\d"
    assert ascii_classes(r"[]\d]") == r"[]0-9]"
