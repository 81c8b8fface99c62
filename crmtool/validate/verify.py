"""The verify stage: run the rules through both engines, compare them, keep every failing row, gate.

`verify_frames` takes the map stage's frames (provenance + fields as canonical text), builds the rules
(object model, mapping overrides, rule files), evaluates them in DuckDB SQL (which lists every
failing row) and in great-expectations (which counts them again, independently, and renders Data
Docs), and returns a `VerifyResult`. Where the two engines disagree on a rule, that is an error
result of its own: evidence that cannot be reproduced is no evidence.

`gate` turns a result into the manifest's gate record, or stops the run (GateFailed, exit 1) when
error-level rules failed and nobody accepted the failures with a reason.
"""

from __future__ import annotations

import getpass
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from crmtool.config.rules import RuleFile
from crmtool.errors import ConfigError, GateFailed
from crmtool.validate.rules import InKeys, Rule, build_rules

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import Mapping as FieldMapping
    from crmtool.model import ObjectModel

ENGINES = ("sql", "gx")
FAIL_ON = {"error": ("error",), "warning": ("error", "warning"), "never": ()}
RESULTS_FILE, FAILURES_CSV, FAILURES_XLSX, GX_DIR = "results.json", "failures.csv", "failures.xlsx", "gx"


@dataclass
class VerifyResult:
    """Per rule: counts from each engine and whether they agree; every failing row (from SQL)."""

    results: list[dict]
    failures: "pd.DataFrame"
    engines: tuple[str, ...]
    rows: dict[str, int]
    fail_on: str = "error"
    out_dir: Path | None = None
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dir(cls, path: str | Path, fail_on: str = "error", failures: bool = True) -> "VerifyResult":
        """The result a verify run wrote into `path` (results.json, failures.csv unless `failures=False`),
        e.g. to judge the gate again when a run resumes with --accept-failures, without verifying again."""
        import pandas as pd

        from crmtool.errors import InputError

        path = Path(path)
        try:
            results = json.loads((path / RESULTS_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(path / RESULTS_FILE, "no verify results: run the verify stage first") from None
        except (OSError, ValueError) as exc:
            raise InputError(path / RESULTS_FILE, f"cannot read the verify results ({exc})") from None
        if fail_on not in FAIL_ON:
            raise ConfigError(f"verify: fail_on is one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        from crmtool.validate.sql import FAILURE_COLUMNS

        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in FAILURE_COLUMNS})
        if failures and (path / FAILURES_CSV).is_file():
            frame = pd.read_csv(path / FAILURES_CSV, dtype="string", encoding="utf-8-sig", keep_default_na=False,
                                na_values=[""])
        engines = ("sql", "gx") if any(r["engine_counts"].get("gx") is not None for r in results) else ("sql",)
        files = {key: str(path / name) for key, name in (("results", RESULTS_FILE), ("failures_csv", FAILURES_CSV),
                                                          ("failures_xlsx", FAILURES_XLSX)) if (path / name).is_file()}
        if (path / GX_DIR / "index.html").is_file():
            files["gx_docs"] = str(path / GX_DIR / "index.html")
        return cls(results, frame, engines, {}, fail_on, path, files)

    def blocking(self, fail_on: str | None = None) -> list[dict]:
        """The results that stop a load: failed rules of a blocking severity, and engine disagreements."""
        severities = FAIL_ON[fail_on or self.fail_on]
        return [r for r in self.results
                if r["status"] == "disagree" or (r["status"] == "failed" and r["severity"] in severities)]

    @property
    def passed(self) -> bool:
        return not self.blocking()

    def summary(self) -> dict:
        by_status: dict[str, int] = {}
        for r in self.results:
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        return {"rules": len(self.results), **{k: by_status.get(k, 0) for k in ("passed", "failed", "skipped", "disagree")},
                "failing_rows": int(len(self.failures)), "rows": dict(self.rows)}

    def to_dict(self, failures: bool = True) -> dict:
        out = {"passed": self.passed, "fail_on": self.fail_on, "engines": list(self.engines), "summary": self.summary(),
               "results": self.results, "out_dir": str(self.out_dir) if self.out_dir else None, "files": self.files}
        if failures:
            frame = self.failures.astype(object).where(self.failures.notna(), None)
            out["failures"] = frame.to_dict(orient="records")
        return out


def verify_frames(
    frames: Mapping[str, "pd.DataFrame"],
    model: "ObjectModel",
    mappings: "Iterable[FieldMapping] | None" = None,
    rule_files: Iterable[str | Path | RuleFile] = (),
    engines: Sequence[str] = ENGINES,
    out_dir: str | Path | None = None,
    known_keys: Mapping[str, Iterable[str]] | None = None,
    fail_on: str = "error",
    skip: Mapping[str, str] | None = None,
    masked: bool = True,
) -> VerifyResult:
    """Verify the map stage's frames (object → provenance + fields as canonical text).

    `known_keys`: object → external ids already in the target, for relationships to records that are
    not among `frames`. `skip`: rule id → why it cannot be judged here (reported as skipped).
    `out_dir`: write results.json, failures.csv, failures.xlsx and gx/ (Data Docs); failures.xlsx, the file
    meant to be sent, is masked unless `masked` is False.
    """
    engines = tuple(engines)
    unknown = [e for e in engines if e not in ENGINES] + [o for o in frames if o not in model]
    if unknown or "sql" not in engines:
        raise ConfigError(f"verify: unknown engine or object {unknown[0]!r}" if unknown
                          else "verify: the sql engine is required (it lists the failing rows)")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"verify: fail_on is one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    frames = {obj: _normalise(obj, frame) for obj, frame in frames.items()}
    known_keys = {k: list(v) for k, v in (known_keys or {}).items()}
    rules = build_rules(model, list(frames), mappings, rule_files)
    rules.sort(key=lambda r: list(frames).index(r.object))
    active, skipped = _applicable(rules, frames, known_keys, skip or {})
    external_ids = {obj: model[obj].external_id for obj in frames}

    from crmtool.validate.sql import run_sql

    sql = run_sql(frames, active, external_ids, known_keys)
    out = Path(out_dir) if out_dir is not None else None
    gx = None
    if "gx" in engines:
        gx = _run_gx(frames, active, known_keys, out / GX_DIR if out else None)
    failures = sql.failures.drop(columns="_ord")
    results = _results(rules, skipped, sql, gx, failures)
    result = VerifyResult(results, failures, engines, sql.rows, fail_on, out)
    if out is not None:
        _write(result, frames, sql.failures, masked)
    return result


def _normalise(obj: str, frame: "pd.DataFrame") -> "pd.DataFrame":
    """Row order as given, a `_row_id` for every row, fields as text (what the map stage writes anyway)."""
    import pandas as pd

    frame = frame.reset_index(drop=True)
    if "_row_id" not in frame.columns:
        frame.insert(0, "_row_id", pd.array([f"{obj}#{i + 1}" for i in range(len(frame))], dtype="string"))
    text = {c: "string" for c in frame.columns
            if c != "_row" and not (pd.api.types.is_string_dtype(frame[c]) and frame[c].dtype != object)}
    return frame.astype(text) if text else frame


def _applicable(rules: list[Rule], frames: Mapping[str, "pd.DataFrame"], known: Mapping[str, list],
                skip: Mapping[str, str]) -> tuple[list[Rule], dict[str, str]]:
    active, skipped = [], {}
    for rule in rules:
        if rule.rule_id in skip:
            skipped[rule.rule_id] = skip[rule.rule_id]
            continue
        if rule.field not in frames[rule.object].columns and not rule.fails_blank:
            skipped[rule.rule_id] = f"{rule.field} is not in the {rule.object} data"
            continue
        refs = [c.object for c in rule.checks if isinstance(c, InKeys)]
        if refs and refs[0] not in frames and refs[0] not in known:
            skipped[rule.rule_id] = f"no {refs[0]} rows to check against (verify them together, or pass the target's keys)"
            continue
        active.append(rule)
    return active, skipped


def _run_gx(frames, rules, known_keys, docs: Path | None):
    try:
        from crmtool.validate.gx import run_gx
    except ImportError as exc:  # pragma: no cover - great_expectations is a dependency
        raise ConfigError(f"great_expectations cannot be imported ({exc}): install it, or verify with --no-gx") from None
    if docs is not None and docs.exists():
        shutil.rmtree(docs)
    return run_gx(frames, rules, known_keys, docs)


def _results(rules: list[Rule], skipped: dict[str, str], sql, gx, failures: "pd.DataFrame") -> list[dict]:
    sql_rows = {rule_id: set(ids.tolist()) for rule_id, ids in failures.groupby("rule_id", sort=False)["_row_id"]}
    results = []
    for rule in rules:
        entry = {"rule_id": rule.rule_id, "object": rule.object, "field": rule.field, "kind": rule.kind,
                 "severity": rule.severity, "status": "skipped", "checked": 0, "failed": 0,
                 "engine_counts": {"sql": None, "gx": None}, "agree": None, "message": rule.template(),
                 "origin": rule.origin, "note": skipped.get(rule.rule_id)}
        if rule.rule_id not in skipped:
            checked, failed = sql.counts[rule.rule_id]
            entry.update(checked=checked, failed=failed, status="failed" if failed else "passed")
            entry["engine_counts"]["sql"] = failed
            if gx is not None:
                _compare(entry, sql_rows.get(rule.rule_id, set()), gx)
        results.append(entry)
    return results


def _compare(entry: dict, sql_rows: set, gx) -> None:
    rule_id = entry["rule_id"]
    gx_count = gx.counts.get(rule_id)
    entry["engine_counts"]["gx"] = gx_count
    gx_rows = gx.row_ids.get(rule_id, set())
    entry["agree"] = gx_count == entry["failed"] and gx_rows == sql_rows
    if entry["agree"]:
        return
    entry["status"], entry["severity"] = "disagree", "error"
    if rule_id in gx.errors:
        entry["note"] = f"great_expectations could not evaluate the rule: {gx.errors[rule_id]}"
        return
    only_sql, only_gx = sorted(sql_rows - gx_rows)[:5], sorted(gx_rows - sql_rows)[:5]
    entry["note"] = (f"the engines disagree: SQL {entry['failed']}, great_expectations {gx_count} failing rows"
                     + (f"; only SQL: {', '.join(only_sql)}" if only_sql else "")
                     + (f"; only GX: {', '.join(only_gx)}" if only_gx else ""))


def _write(result: VerifyResult, frames: Mapping[str, "pd.DataFrame"], located: "pd.DataFrame", masked: bool) -> None:
    from crmtool.atomic import write_text_atomic
    from crmtool.tableio import write_table
    from crmtool.validate.workbook import write_failures_workbook

    out = result.out_dir
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / RESULTS_FILE, json.dumps(result.results, ensure_ascii=False, indent=2) + "\n")
    write_table(result.failures, out / FAILURES_CSV)
    write_failures_workbook(out / FAILURES_XLSX, result.results, located, frames, masked=masked)
    result.files = {"results": str(out / RESULTS_FILE), "failures_csv": str(out / FAILURES_CSV),
                    "failures_xlsx": str(out / FAILURES_XLSX)}
    if (out / GX_DIR / "index.html").exists():
        result.files["gx_docs"] = str(out / GX_DIR / "index.html")


def failures_as_issues(failures: "pd.DataFrame") -> "pd.DataFrame":
    """The failing rows as issue rows (crmtool.issues schema), for the run's issues.parquet."""
    from crmtool.issues import ISSUE_COLUMNS, concat_issues, issues_frame

    if not len(failures):
        return issues_frame()
    frame = failures.rename(columns={"rule_id": "rule", "value": "original"})
    frame["suggestion"] = None
    return concat_issues([frame[ISSUE_COLUMNS]])


def gate(result: VerifyResult, accept_failures: str | None = None, fail_on: str | None = None) -> dict:
    """The gate record for the manifest: {passed, accepted_failures}. Raises GateFailed (exit 1) naming
    the blocking rules and their counts when rules block and no reason accepts them."""
    blocking = result.blocking(fail_on)
    if not blocking:
        return {"passed": True, "accepted_failures": None}
    if accept_failures is not None and not accept_failures.strip():
        raise ConfigError("--accept-failures needs a reason (who agreed, and why), e.g. "
                          "--accept-failures '客户确认: 旧系统数据, 上线后补录'")
    if accept_failures is None:
        shown = ", ".join(f"{r['rule_id']} ({_count(r)})" for r in blocking[:8])
        more = f" and {len(blocking) - 8} more" if len(blocking) > 8 else ""
        where = f"; failing rows in {result.files['failures_xlsx']}" if "failures_xlsx" in result.files else ""
        raise GateFailed(f"verify gate failed: {len(blocking)} rule(s) block the load: {shown}{more}{where}; "
                         "fix the data, or accept with --accept-failures REASON")
    from crmtool.clock import now_iso

    return {"passed": False, "accepted_failures": {"reason": accept_failures.strip(), "at": now_iso(),
                                                   "by": getpass.getuser(),
                                                   "rules": {r["rule_id"]: r["failed"] for r in blocking}}}


def _count(entry: dict) -> str:
    if entry["status"] == "disagree":
        counts = entry["engine_counts"]
        return f"engines disagree: sql {counts['sql']}, gx {counts['gx']}"
    return f"{entry['failed']:,} rows"
