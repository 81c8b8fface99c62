"""Properties every rule must have: never raise on arbitrary Unicode; cleaning a clean value is a no-op."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmtool.cleanse.detect import KINDS
from crmtool.cleanse.picklist import Picklist
from crmtool.cleanse.stage import rule_for

# Text that looks like the data (digits, CJK, separators, letters) mixed with any Unicode at all.
FIELDISH = st.text(alphabet=st.sampled_from(list("0123456789+-()/.;, 年月日转@xXOoIl有限公司北京市朝阳区路号张王李万元壹佰整")),
                   max_size=30)
ANY = st.text(max_size=40)
VALUES = st.one_of(ANY, FIELDISH)
PICKLIST = Picklist({"IT": "信息技术", "制造": "制造业"}, ["金融"])
CHECKS = {kind: rule_for(kind).check for kind in KINDS}
CHECKS["picklist"] = PICKLIST.check
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", sorted(CHECKS))
@FAST
@given(value=VALUES)
def test_never_raises_and_is_idempotent(kind, value):
    check = CHECKS[kind]
    out = check(value)
    assert isinstance(out.valid, bool)
    if out.valid:
        assert out.clean is not None
        again = check(out.clean)
        assert again.valid and again.clean == out.clean, (value, out.clean, again.clean)


AS_WRITTEN = {"unit", "title"}
SAMPLES = {
    "company_name": ["深圳市騰訊計算機系統有限公司", "ＡＢＣ科技 有限公司", "招商银行股份有限公司深圳分行", "Apple  Inc."],
    "credit_code": ["9144030056852O498a", "60003734-1", "110108000000016", "91 350100 M000100Y43"],
    "mobile": ["138 1234 5678", "+86 13812345678", "13812345678.0"],
    "landline": ["(010)62345678转801", "0755-26001234-8001"],
    "phone": ["13812345678，010-62345678转801", "400-810-8888"],
    "email": [" Zhang.San@QQ.COM ", "mailto:li@163.com", "a@qq.con"],
    "date": ["2023年1月5日", "44931", "2023/1/5 2:30 PM", "2023年1月"],
    "id_number": ["110105491231002", "44011320141005001x"],
    "amount": ["壹佰万元整", "¥1,234.50", "1.5亿"],
    "person_name": ["张三先生", "阿依古丽•买买提", "JOHN SMITH", "李娜总经理", "陳穎"],
    "address": ["中国上海市浦东新区世纪大道 100 号", "广东深圳南山区科技园"],
    "free_text": ["  =HYPERLINK(\"x\")\r\n 第二行\x07 ", "正常"],
    "picklist": ["it", "金 融"],
}


@pytest.mark.parametrize("kind,value", [(k, v) for k, vs in SAMPLES.items() for v in vs])
def test_idempotent_on_realistic_values(kind, value):
    out = CHECKS[kind](value)
    assert out.valid, (kind, value, out.findings)
    again = CHECKS[kind](out.clean)
    assert again.clean == out.clean
    # attributes that describe the value as written (unit 万元, title 先生) may go; the rest stays
    kept = {k: v for k, v in out.attrs.items() if k not in AS_WRITTEN}
    assert {k: v for k, v in again.attrs.items() if k not in AS_WRITTEN} == kept


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=ANY, values=st.lists(st.one_of(st.none(), VALUES), max_size=12))
def test_detection_never_raises(header, values):
    import pandas as pd

    from crmtool.cleanse.detect import detect_kind

    report = detect_kind(header, pd.Series(values, dtype="string"))
    assert report.kind in KINDS and report.by in ("header", "content", "header+content")
    assert 0.0 <= report.confidence <= 1.0 and 0.0 <= report.valid_share <= 1.0 + 1e-9
    assert len(report.invalid_examples) <= 5


# The run's enrich stage reads a clean value's attributes from what the cleanse stage kept of the source
# value it came from (crmtool.enrich.attributes): for that, the attributes enrich reads must be the same
# for a value and for its clean form.
ENRICH_KINDS = ("company_name", "credit_code", "phone", "landline", "address")


def _enrich_attributes(kind, out):
    from crmtool.enrich.attributes import ATTRIBUTES

    return {a: out.attrs.get(a) for a in ATTRIBUTES[kind]}


@pytest.mark.parametrize("kind", ENRICH_KINDS)
@FAST
@given(value=VALUES)
def test_the_attributes_enrich_reads_are_those_of_the_clean_value(kind, value):
    check = CHECKS[kind]
    out = check(value)
    if out.valid:
        assert _enrich_attributes(kind, check(out.clean)) == _enrich_attributes(kind, out), (value, out.clean)


@pytest.fixture(scope="module")
def generated():
    from crmtool.synth import generate_accounts

    return generate_accounts(3000, seed=11)[0]


@pytest.mark.parametrize("kind,column", [("company_name", "name"), ("credit_code", "credit_code"),
                                         ("phone", "phone"), ("address", "address")])
def test_the_attributes_enrich_reads_are_those_of_the_clean_value_on_generated_data(generated, kind, column):
    check = CHECKS[kind]
    differ = []
    for value in generated[column].dropna().unique().tolist():
        out = check(value)
        if out.valid and _enrich_attributes(kind, check(out.clean)) != _enrich_attributes(kind, out):
            differ.append(value)
    assert differ == []
