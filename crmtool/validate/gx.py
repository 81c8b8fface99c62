"""The same rules as great-expectations (1.x) suites: the second, independent engine of verify.

Each primitive check of a rule becomes one built-in expectation (regex, in-set, between, unique,
not-null, value lengths); a rule fails on the union of its expectations' unexpected rows. Two
checks have no built-in expectation:

- the credit code's check characters: a custom column-map expectation
  (`expect_column_values_to_be_valid_credit_code`) whose pandas metric calls the cleanse module's
  Python implementation (crmtool.cleanse.credit_code.is_valid_uscc), so SQL arithmetic and Python
  code check each other;
- relationships (cross-frame): `expect_column_values_to_be_in_set` with the referred object's keys.

GX reads a prepared copy of each frame: blank values (crmtool.canon.blank) become nulls, so that
GX's own null handling skips them (and not-null fails them, for required); range checks read a
numeric column parsed with pandas. great_expectations is imported here only, with analytics and
progress bars off; `crmtool --help` and crmtool.validate.rules never import it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from crmtool.canon.blank import BLANK_CHARS, blank_mask
from crmtool.validate.patterns import NUMBER, ascii_classes
from crmtool.validate.rules import Between, Check, InKeys, InSet, Length, NotBlank, Regex, Rule, Unique, Uscc

if TYPE_CHECKING:
    import pandas as pd

CREDIT_CODE_METRIC = "column_values.crmtool_valid_credit_code"


def python_regex(pattern: str) -> str:
    """A full-match regex as GX's `str.contains` reads it (pandas keeps Python `re` semantics, running
    RE2 where that is the same): ASCII classes spelled out (rules.ascii_classes), anchored at both
    ends with `\\Z` (`$` would also match before a final newline)."""
    return f"^(?:{ascii_classes(pattern)})\\Z"


@dataclass
class GxOutcome:
    """Per rule id: failing row count, the failing `_row_id`s, or the error GX raised."""

    counts: dict[str, int | None] = field(default_factory=dict)
    row_ids: dict[str, set[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    docs: Path | None = None


def _import_gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx

    _custom_expectations()
    return gx


@cache
def _custom_expectations() -> dict[str, type]:
    """Register the credit-code expectation with GX once (class creation registers it)."""
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.metrics.map_metric_provider import (
        ColumnMapMetricProvider,
        column_condition_partial,
    )

    class ColumnValuesValidCreditCode(ColumnMapMetricProvider):
        condition_metric_name = CREDIT_CODE_METRIC

        @column_condition_partial(engine=PandasExecutionEngine)
        def _pandas(cls, column, **kwargs):
            from crmtool.canon.uscc import is_valid_uscc

            return column.astype(str).map(is_valid_uscc).astype(bool)

    class ExpectColumnValuesToBeValidCreditCode(ColumnMapExpectation):
        """Expect values to be GB 32100-2015 credit codes (统一社会信用代码): 18 characters of the code's
        charset, position 17 the GB 11714 organisation-code check, position 18 the mod-31 check."""

        map_metric = CREDIT_CODE_METRIC
        success_keys = ("mostly",)
        args_keys = ("column",)

    return {"metric": ColumnValuesValidCreditCode, "credit_code": ExpectColumnValuesToBeValidCreditCode}


def _context(gx, docs_dir: Path | None):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["crmtool"] = {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                               progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
                               data_docs_sites=sites, analytics_enabled=False)
    return gx.get_context(mode="ephemeral", project_config=config)


def prepare(frame: "pd.DataFrame", rules: Sequence[Rule]) -> "pd.DataFrame":
    """What GX reads for one object: `_row_id`, each ruled field as text with blanks as nulls (absent
    fields all null), and `<field>__as_number` for range rules."""
    import re

    import pandas as pd

    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out["_row_id"] = frame["_row_id"].astype(str).to_numpy()
    for name in dict.fromkeys(r.field for r in rules):
        if name in frame.columns:
            text = frame[name].astype("string").reset_index(drop=True)
            out[name] = text.mask(blank_mask(text)).astype(object).where(lambda s: s.notna(), None)
        else:
            out[name] = pd.Series([None] * len(frame), dtype=object)
        if any(isinstance(c, Between) for r in rules if r.field == name for c in r.checks):
            text = out[name].astype("string")
            numeric = text.where(text.str.fullmatch(re.compile(NUMBER, re.ASCII)).fillna(False))
            out[f"{name}__as_number"] = pd.to_numeric(numeric, errors="coerce").astype("float64")
    return out


def expectation_for(gx, check: Check, column: str, keys: Mapping[tuple[str, str], list[str]], meta: dict):
    """The GX expectation that evaluates one primitive check on one column."""
    e = gx.expectations
    if isinstance(check, NotBlank):
        return e.ExpectColumnValuesToNotBeNull(column=column, meta=meta)
    if isinstance(check, Regex):
        return e.ExpectColumnValuesToMatchRegex(column=column, regex=python_regex(check.pattern), meta=meta)
    if isinstance(check, Length):
        return e.ExpectColumnValueLengthsToBeBetween(column=column, min_value=check.min, max_value=check.max, meta=meta)
    if isinstance(check, InSet):
        return e.ExpectColumnValuesToBeInSet(column=column, value_set=list(check.values), meta=meta)
    if isinstance(check, Between):
        return e.ExpectColumnValuesToBeBetween(column=f"{column}__as_number", min_value=check.min,
                                               max_value=check.max, meta=meta)
    if isinstance(check, Unique):
        return e.ExpectColumnValuesToBeUnique(column=column, meta=meta)
    if isinstance(check, InKeys):
        return e.ExpectColumnValuesToBeInSet(column=column, value_set=keys[(check.object, check.key)], meta=meta)
    if isinstance(check, Uscc):
        return _custom_expectations()["credit_code"](column=column, meta=meta)
    raise TypeError(f"no expectation for {check!r}")


def run_gx(frames: Mapping[str, "pd.DataFrame"], rules: Sequence[Rule],
           known_keys: Mapping[str, Iterable[str]] | None = None, docs_dir: str | Path | None = None) -> GxOutcome:
    """Validate `frames` against `rules` with great-expectations; Data Docs into `docs_dir` if given."""
    gx = _import_gx()
    docs = Path(docs_dir).resolve() if docs_dir is not None else None
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
    context = _context(gx, docs)
    source = context.data_sources.add_pandas("crmtool")
    keys = _keys(frames, rules, known_keys or {})
    outcome = GxOutcome(docs=docs)
    for obj, frame in frames.items():
        own = [r for r in rules if r.object == obj]
        if not own:
            continue
        prepared = prepare(frame, own)
        suite = context.suites.add(gx.ExpectationSuite(name=obj))
        for rule in own:
            outcome.counts[rule.rule_id] = 0
            outcome.row_ids[rule.rule_id] = set()
            for j, check in enumerate(rule.checks):
                meta = {"rule_id": rule.rule_id, "check": j, "severity": rule.severity}
                suite.add_expectation(expectation_for(gx, check, rule.field, keys, meta))
        batch = source.add_dataframe_asset(obj).add_batch_definition_whole_dataframe("all rows")
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=obj, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"verify {obj}", validation_definitions=[definition], result_format={"result_format": "COMPLETE"}))
        result = checkpoint.run(batch_parameters={"dataframe": prepared})
        for run in result.run_results.values():
            for er in run.results:
                _collect(er, prepared, outcome)
    if docs is not None:
        context.build_data_docs()  # once from the stored results: an action per checkpoint rebuilds the site each time
    for rule_id, ids in outcome.row_ids.items():
        if rule_id not in outcome.errors:
            outcome.counts[rule_id] = len(ids)
    return outcome


def _collect(er: Any, prepared: "pd.DataFrame", outcome: GxOutcome) -> None:
    rule_id = er.expectation_config.meta["rule_id"]
    problem = _exception(er.exception_info or {})
    if problem is not None:
        outcome.errors[rule_id] = problem
        outcome.counts[rule_id] = None
        return
    index = er.result.get("unexpected_index_list") or []
    outcome.row_ids[rule_id].update(prepared["_row_id"].to_numpy()[list(index)].tolist())


def _exception(info: dict) -> str | None:
    """The message of an exception GX caught; it reports one flat or one per metric."""
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in entries:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "great_expectations raised an error")
    return None


def _keys(frames: Mapping[str, "pd.DataFrame"], rules: Sequence[Rule],
          known: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        for check in rule.checks:
            if isinstance(check, InKeys) and (check.object, check.key) not in out:
                values: set[str] = set()
                frame = frames.get(check.object)
                if frame is not None and check.key in frame.columns:
                    column = frame[check.key].astype("string")
                    values.update(column[~blank_mask(column)].tolist())
                values.update(str(k) for k in known.get(check.object, ()) if str(k).strip(BLANK_CHARS))
                out[(check.object, check.key)] = sorted(values)
    return out
