"""The KPI statement's cheaper formulations say what verify's checks say: the e-mail local-part length
as the position of the "@" (instead of a second regular expression), on values at and around each bound."""

from __future__ import annotations

import duckdb

from crmtool.model import load_object_model
from crmtool.validate.kpi_sql import validity_sql
from crmtool.validate.rules import field_value_checks
from crmtool.validate.sql import check_sql

EMAIL_FIELD = load_object_model()["accounts"].fields["email"]


def email_values() -> list[str]:
    host = "example.com.cn"
    local = ["a", "a" * 63, "a" * 64, "a" * 65, "a.b", "a" * 30 + "." + "b" * 33, "a" * 30 + "." + "b" * 34]
    out = [f"{part}@{host}" for part in local]
    out += ["@example.com", "a@@example.com", "a@b@example.com", "a@", "a@b", "a@例子.中国", "张三@example.com",
            "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com",  # 258 characters
            "a" * 60 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 61 + ".com",  # 254
            "a@" + "例" * 63 + "." + "中国", "info1@qq.com", "info1qq.com", "a b@example.com", "a@example.c"]
    return out


def test_email_validity_is_verifys_checks():
    checks = field_value_checks(EMAIL_FIELD)
    verify = " AND ".join(check_sql(c, "x", "duckdb") for c in checks)
    fast = validity_sql(EMAIL_FIELD, "x", "duckdb")
    assert "strpos(x, '@') <= 65" in fast  # the formulation under test is the one the statement uses
    values = email_values()
    rows = duckdb.connect().execute(f"SELECT x, {fast}, {verify} FROM (SELECT unnest(?) AS x)", [values]).fetchall()
    assert len(rows) == len(values)
    for value, got, expected in rows:
        assert bool(got) == bool(expected), value
    assert sum(bool(r[2]) for r in rows) >= 5 and sum(not r[2] for r in rows) >= 5
