"""Run directories and scans built by hand, following the run directory contract (common brief /
docs/reports.md): a full run, a dry run, a run stopped at the gate, an older run without KPIs, and a
scan with a 20-scan history whose last scan is an anomaly. The data is Chinese, and one company is
called `<script>alert(1)</script>` to prove that every value is escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

EVIL = "<script>alert(1)</script>"
EVIL_COMPANY = f"{EVIL}科技有限公司"

RUN_ID = "20260105-093000-ab12"

ACCOUNT_ROWS = [
    # _source, _sheet, _row, name, external_id, outcome, detail
    ("客户清单.xlsx", "客户", 2, "北京星河科技有限公司", "ACC-0001", "loaded", None),
    ("客户清单.xlsx", "客户", 3, "北京星河科技有限公司", "ACC-0001", "merged", "客户清单.xlsx#客户!2"),
    ("客户清单.xlsx", "客户", 4, EVIL_COMPANY, "ACC-0003", "loaded", None),
    ("客户清单.xlsx", "客户", 5, "上海明珠贸易有限公司", "ACC-0004", "loaded", None),
    ("客户清单.xlsx", "客户", 6, "无", None, "rejected", "cleanse: 客户名称为空（占位符“无”）"),
    ("客户清单.xlsx", "客户", 7, "深圳前海微众科技有限公司", "ACC-0006", "loaded", None),
    ("erp.csv", "", 2, "上海明珠贸易", "ACC-0004", "merged", "ACC-0004"),
    ("erp.csv", "", 3, "广州某某商贸", "ACC-0008", "rejected", "verify: 统一社会信用代码校验位错误"),
]
CONTACT_ROWS = [
    ("联系人.xlsx", "联系人", 2, "张伟", "CON-0001", "loaded", None),
    ("联系人.xlsx", "联系人", 3, "李娜", "CON-0002", "loaded", None),
    ("联系人.xlsx", "联系人", 4, "王芳", "CON-0003", "loaded", None),
    ("联系人.xlsx", "联系人", 5, "刘洋", "CON-0004", "loaded", None),
    ("联系人.xlsx", "联系人", 6, "陈静", "CON-0005", "rejected", "map: 找不到所属客户 ACC-0099"),
]


def row_id(source: str, sheet: str, row: int) -> str:
    return f"{source}#{sheet}!{row}"


def outcomes_frame() -> pd.DataFrame:
    records = []
    for obj, rows in (("accounts", ACCOUNT_ROWS), ("contacts", CONTACT_ROWS)):
        for source, sheet, row, _, ext, outcome, detail in rows:
            records.append({"_row_id": row_id(source, sheet, row), "_source": source, "_sheet": sheet, "_row": row,
                            "object": obj, "external_id": ext, "outcome": outcome, "detail": detail})
    frame = pd.DataFrame(records)
    return frame.astype({c: "string" for c in frame.columns if c != "_row"}).astype({"_row": "Int64"})


def issues_frame() -> pd.DataFrame:
    from crmtool.issues import ISSUE_COLUMNS

    def issue(source, sheet, row, column, rule, severity, original, suggestion, message):
        return [row_id(source, sheet, row), source, sheet, row, column, rule, severity, original, suggestion, message]

    rows = [
        issue("客户清单.xlsx", "客户", 6, "name", "company_name.placeholder", "error", "无", None, "客户名称是占位符"),
        issue("erp.csv", "", 3, "credit_code", "credit_code.checksum", "error", "91440101MA5CYXXXX1", None,
              "统一社会信用代码校验位错误"),
        issue("客户清单.xlsx", "客户", 4, "name", "company_name.suspicious", "warning", EVIL_COMPANY,
              "科技有限公司", "名称中含有非法字符"),
        issue("客户清单.xlsx", "客户", 5, "phone", "phone.format", "warning", "021 5888 1234", "021-58881234",
              "电话格式已规范化"),
        issue("客户清单.xlsx", "客户", 7, "phone", "phone.format", "warning", "0755 8888 6666", "0755-88886666",
              "电话格式已规范化"),
        issue("联系人.xlsx", "联系人", 2, "mobile", "phone.format", "warning", "138 0013 8000", "13800138000",
              "手机号格式已规范化"),
        issue("联系人.xlsx", "联系人", 3, "email", "email.invalid", "error", "lina@example", None, "邮箱缺少域名后缀"),
        issue("联系人.xlsx", "联系人", 4, "founded", "date.format", "info", "2015/3/2", "2015-03-02", "日期已转为 ISO 格式"),
    ]
    frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    return frame.astype({c: "string" for c in ISSUE_COLUMNS if c != "_row"}).astype({"_row": "Int64"})


def kpi(rows, completeness, validity, uniqueness, duplicate_rate, health, fields):
    return {"object": None, "rows": rows, "fields": fields, "completeness": completeness, "validity": validity,
            "uniqueness": uniqueness, "duplicate_rate": duplicate_rate, "consistency": 0.98, "timeliness": None,
            "health": health}


def kpis() -> dict:
    before = {
        "accounts": kpi(8, 0.78, 0.70, 0.75, 0.25, 68.4, {
            "name": {"completeness": 0.875, "validity": 0.75, "uniqueness": 0.75},
            "credit_code": {"completeness": 0.625, "validity": 0.6, "uniqueness": 1.0},
            "phone": {"completeness": 0.75, "validity": 0.5, "uniqueness": 1.0}}),
        "contacts": kpi(5, 0.9, 0.8, 1.0, 0.0, 82.0, {
            "name": {"completeness": 1.0, "validity": 1.0, "uniqueness": 1.0},
            "mobile": {"completeness": 1.0, "validity": 0.8, "uniqueness": 1.0}}),
    }
    after = {
        "accounts": kpi(4, 0.92, 0.95, 1.0, 0.0, 91.2, {
            "name": {"completeness": 1.0, "validity": 1.0, "uniqueness": 1.0},
            "credit_code": {"completeness": 0.75, "validity": 1.0, "uniqueness": 1.0},
            "phone": {"completeness": 1.0, "validity": 1.0, "uniqueness": 1.0}}),
        "contacts": kpi(4, 0.95, 0.9, 1.0, 0.0, 88.5, {
            "name": {"completeness": 1.0, "validity": 1.0, "uniqueness": 1.0},
            "mobile": {"completeness": 1.0, "validity": 1.0, "uniqueness": 1.0}}),
    }
    for side in (before, after):
        for obj, d in side.items():
            d["object"] = obj
    return {"before": before, "after": after}


VERIFY_RESULTS = [
    {"rule_id": "accounts.credit_code.valid", "object": "accounts", "field": "credit_code", "kind": "pattern",
     "severity": "error", "checked": 6, "failed": 1, "engine_counts": {"sql": 1, "gx": 1}},
    {"rule_id": "contacts.account.exists", "object": "contacts", "field": "account", "kind": "reference",
     "severity": "error", "checked": 5, "failed": 1, "engine_counts": {"sql": 1, "gx": 1}},
    {"rule_id": "accounts.name.required", "object": "accounts", "field": "name", "kind": "required",
     "severity": "error", "checked": 6, "failed": 0, "engine_counts": {"sql": 0, "gx": 0}},
    {"rule_id": "contacts.mobile.valid", "object": "contacts", "field": "mobile", "kind": "pattern",
     "severity": "warning", "checked": 5, "failed": 0, "engine_counts": {"sql": 0, "gx": 0}},
    {"rule_id": "accounts.city.length", "object": "accounts", "field": "city", "kind": "length", "severity": "error",
     "status": "skipped", "checked": 0, "failed": 0, "engine_counts": {"sql": None, "gx": None}, "agree": None,
     "note": "city is not in the accounts data"},
]

STAGE_NAMES = ("read", "cleanse", "dedupe", "enrich", "map", "verify", "load")


def stages(names=STAGE_NAMES, status="ok", overrides=None) -> dict:
    result = {}
    for i, name in enumerate(names):
        result[name] = {"status": (overrides or {}).get(name, status), "started": f"2026-01-05T09:30:{i * 5:02d}+00:00",
                        "finished": f"2026-01-05T09:30:{i * 5 + 4:02d}+00:00", "seconds": 4.0 + i / 10,
                        "counts": {"accounts": {"rows": 8}, "contacts": {"rows": 5}}}
    return result


def manifest(**changes) -> dict:
    m = {
        "run_id": RUN_ID, "name": "星河集团 CRM 迁移", "tool": "crmtool", "version": "0.1.0",
        "created": "2026-01-05T09:29:58+00:00",
        "migration": {"path": "migration.yaml", "sha256": "a" * 64},
        "mappings": [{"stem": "accounts", "path": "/work/mappings/accounts.yaml", "object": "accounts",
                      "sha256": "b" * 64},
                     {"stem": "contacts", "path": "/work/mappings/contacts.yaml", "object": "contacts",
                      "sha256": "c" * 64}],
        "target": "postgresql://crm:***@db.example.cn:5432/crm",
        "dry_run": False,
        "inputs": [
            {"source": "/data/客户清单.xlsx", "backup": "backup/客户清单.xlsx", "size": 18234, "sha256": "d" * 64,
             "backed_up": "2026-01-05T09:29:59+00:00"},
            {"source": "/data/erp.csv", "backup": "backup/erp.csv", "size": 912, "sha256": "e" * 64,
             "backed_up": "2026-01-05T09:29:59+00:00"},
            {"source": "/data/联系人.xlsx", "backup": "backup/联系人.xlsx", "size": 9021, "sha256": "f" * 64,
             "backed_up": "2026-01-05T09:29:59+00:00"},
        ],
        "stages": stages(),
        "gate": {"passed": False, "accepted_failures": {"reason": "客户确认：信用代码错误的客户上线后补录",
                                                        "by": "王经理", "at": "2026-01-05T09:40:00+00:00"}},
        "reconciliation": {"accounts": {"source_rows": 8, "loaded": 4, "merged": 2, "rejected": 2, "ok": True},
                           "contacts": {"source_rows": 5, "loaded": 4, "merged": 0, "rejected": 1, "ok": True}},
        "kpis": kpis(),
        "load": {"accounts": {"inserted": 2, "updated": 1, "unchanged": 1, "rejected": 0},
                 "contacts": {"inserted": 4, "updated": 0, "unchanged": 0, "rejected": 0}},
    }
    m.update(changes)
    return m


def pairs_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "key_a": [row_id("客户清单.xlsx", "客户", 2), row_id("客户清单.xlsx", "客户", 5), row_id("客户清单.xlsx", "客户", 5)],
        "key_b": [row_id("客户清单.xlsx", "客户", 3), row_id("erp.csv", "", 2), row_id("客户清单.xlsx", "客户", 7)],
        "score": [14.2, 9.3, 0.4],
        "decision": ["match", "match", "non-match"],
        "reasons": ["name=exact (+8.1); phone=exact (+6.1)", "name≈短名 (+5.0); address=same district (+4.3)",
                    "name: different (-3.0)"],
    }).astype({"key_a": "string", "key_b": "string", "decision": "string", "reasons": "string"})


def write_load_csv(run: Path, obj: str, rows: list[tuple[str, str, str]]) -> None:
    (run / "load").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=["_row_id", "external_id", "status"])
    frame["run_id"] = RUN_ID
    frame.to_csv(run / "load" / f"{obj}.csv", index=False)


def write_stage_tables(run: Path) -> None:
    """read/, cleanse/ (named by mapping stem) and map/ (by object): only the row counts matter here."""
    for stage in ("read", "cleanse", "map"):
        (run / stage).mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(8)]}).to_parquet(run / "read" / "accounts.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(5)]}).to_parquet(run / "read" / "contacts.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(8)]}).to_parquet(run / "cleanse" / "accounts.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(5)]}).to_parquet(run / "cleanse" / "contacts.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(6)]}).to_parquet(run / "map" / "accounts.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(4)]}).to_parquet(run / "map" / "contacts.parquet")
    pd.DataFrame({"_row_id": ["r4"], "reasons": ["account_id: 找不到所属客户 ACC-0099"]}).to_parquet(
        run / "map" / "contacts_rejected.parquet")
    (run / "dedupe").mkdir(parents=True, exist_ok=True)
    for obj, n in (("accounts", 8), ("contacts", 5)):
        pd.DataFrame({"_row_id": [f"r{i}" for i in range(n)]}).to_parquet(run / "dedupe" / f"{obj}.parquet")
    pd.DataFrame({"_row_id": [f"r{i}" for i in range(8)], "cluster_id": [0, 0, 2, 3, 3, 5, 6, 7],
                  "is_survivor": ["true", "false", "true", "true", "false", "true", "true", "true"],
                  "reasons": ["", "matched r0 (14.2): name=exact", "", "", "matched r3 (9.3): name≈", "", "", ""]}
                 ).to_parquet(run / "dedupe" / "accounts_clusters.parquet")


def build_full_run(run: Path) -> Path:
    run.mkdir(parents=True, exist_ok=True)
    (run / "manifest.json").write_text(json.dumps(manifest(), ensure_ascii=False, indent=2), encoding="utf-8")
    outcomes_frame().to_parquet(run / "outcomes.parquet")
    issues_frame().to_parquet(run / "issues.parquet")
    (run / "verify").mkdir()
    (run / "verify" / "results.json").write_text(json.dumps(VERIFY_RESULTS, ensure_ascii=False), encoding="utf-8")
    (run / "dedupe").mkdir()
    pairs_frame().to_parquet(run / "dedupe" / "accounts_pairs.parquet")
    write_load_csv(run, "accounts", [(row_id("客户清单.xlsx", "客户", 2), "ACC-0001", "inserted"),
                                     (row_id("客户清单.xlsx", "客户", 4), "ACC-0003", "inserted"),
                                     (row_id("客户清单.xlsx", "客户", 5), "ACC-0004", "updated"),
                                     (row_id("客户清单.xlsx", "客户", 7), "ACC-0006", "unchanged")])
    write_load_csv(run, "contacts", [(row_id("联系人.xlsx", "联系人", r), f"CON-000{r - 1}", "inserted")
                                     for r in range(2, 6) if r != 6])
    return run


def build_dry_run(run: Path) -> Path:
    """Everything up to the load; the load simulated: no load/ results, no load counts."""
    build_full_run(run)
    m = manifest(dry_run=True, gate={"passed": True, "accepted_failures": None},
                 stages=stages(overrides={"load": "skipped"}))
    del m["load"]
    (run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    for file in (run / "load").glob("*.csv"):
        file.unlink()
    (run / "load").rmdir()
    return run


def build_gate_stopped_run(run: Path) -> Path:
    """Stopped at the gate: stage tables, issues, verification; no outcomes, reconciliation or load."""
    run.mkdir(parents=True, exist_ok=True)
    m = manifest(gate={"passed": False, "accepted_failures": None},
                 stages=stages(names=STAGE_NAMES[:-1], overrides={"verify": "failed"}))
    for key in ("reconciliation", "load"):
        del m[key]
    (run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    issues_frame().to_parquet(run / "issues.parquet")
    (run / "verify").mkdir()
    (run / "verify" / "results.json").write_text(json.dumps(VERIFY_RESULTS, ensure_ascii=False), encoding="utf-8")
    write_stage_tables(run)
    return run


def build_old_run(run: Path) -> Path:
    """A run from before KPIs, stage records and verification were recorded."""
    build_full_run(run)
    m = manifest()
    for key in ("kpis", "stages", "gate"):
        del m[key]
    (run / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    (run / "verify" / "results.json").unlink()
    return run


# --- scans ---------------------------------------------------------------------------------------------

SCAN_COUNT = 20


def scan_kpis(completeness: float, phone_validity: float, health: float) -> dict:
    return {
        "accounts": {"object": "accounts", "rows": 12873,
                     "fields": {"name": {"completeness": 1.0, "validity": 0.995, "uniqueness": 0.99},
                                "credit_code": {"completeness": 0.81, "validity": 0.97, "uniqueness": 1.0},
                                "phone": {"completeness": 0.93, "validity": phone_validity, "uniqueness": 0.98}},
                     "completeness": completeness, "validity": 0.97, "uniqueness": 0.99, "duplicate_rate": 0.012,
                     "consistency": 0.99, "timeliness": 0.95, "health": health},
        "contacts": {"object": "contacts", "rows": 30412,
                     "fields": {"name": {"completeness": 0.99, "validity": 0.99, "uniqueness": 0.9},
                                "mobile": {"completeness": 0.74, "validity": 0.96, "uniqueness": 0.97}},
                     "completeness": 0.9, "validity": 0.96, "uniqueness": 0.97, "duplicate_rate": 0.031,
                     "consistency": None, "timeliness": 0.9, "health": 86.0},
    }


def scan_dict() -> dict:
    return {
        "store": "postgresql://crm:***@db.example.cn:5432/crm",
        "scan_id": f"scan-{SCAN_COUNT:03d}",
        "scanned_at": "2026-01-20T02:00:00+00:00",
        "objects": scan_kpis(0.86, 0.71, 74.5),
        "health": 79.3,
        "thresholds": {"completeness": 0.95, "validity": 0.95, "duplicate_rate": 0.02, "health": 80},
        "findings": [
            {"object": "accounts", "field": None, "kpi": "completeness", "value": 0.86, "threshold": 0.95,
             "kind": "threshold", "message": "accounts 完整性 86.0% 低于阈值 95.0%"},
            {"object": "contacts", "field": None, "kpi": "duplicate_rate", "value": 0.031, "threshold": 0.02,
             "kind": "threshold", "message": "contacts 重复率 3.1% 高于阈值 2.0%"},
            {"object": "accounts", "field": None, "kpi": "completeness", "value": 0.86, "threshold": None,
             "kind": "anomaly", "message": "accounts 完整性从 97% 骤降到 86%"},
            {"object": "accounts", "field": "phone", "kpi": "validity", "value": 0.71, "threshold": None,
             "kind": "anomaly", "message": f"accounts.phone 有效性骤降 {EVIL}"},
        ],
        "new_duplicates": [
            {"key_a": "ACC-0001 北京星河科技有限公司", "key_b": "ACC-1203 北京星河科技", "score": 12.4,
             "reasons": "name≈ (+6.0); phone=exact (+6.4)"},
            {"key_a": "ACC-0004", "key_b": EVIL_COMPANY, "score": 8.1, "reasons": EVIL},
        ],
        "status": "failed",
    }


def history_frame(include_current: bool = True) -> pd.DataFrame:
    """20 daily scans: stable figures, then the current (last) scan with the completeness drop."""
    rows = []
    count = SCAN_COUNT if include_current else SCAN_COUNT - 1
    for i in range(1, count + 1):
        last = i == SCAN_COUNT
        wobble = ((i * 7) % 5 - 2) / 1000
        objects = scan_kpis(0.86 if last else 0.97 + wobble, 0.71 if last else 0.96 + wobble, 74.5 if last else 90 + i / 10)
        for obj, k in objects.items():
            for name in ("completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness", "health"):
                if k[name] is not None:
                    rows.append((f"scan-{i:03d}", f"2026-01-{i:02d}T02:00:00+00:00", obj, "", name, k[name]))
            for fld, values in k["fields"].items():
                for name, value in values.items():
                    rows.append((f"scan-{i:03d}", f"2026-01-{i:02d}T02:00:00+00:00", obj, fld, name, value))
    return pd.DataFrame(rows, columns=["scan_id", "scanned_at", "object", "field", "kpi", "value"])
