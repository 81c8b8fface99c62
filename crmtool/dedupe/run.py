"""The file-level entries the `crmtool dedupe` command calls (read → dedupe or lead match → write)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crmtool.errors import ConfigError, InputError


if TYPE_CHECKING:
    from crmtool.config.engine import EngineConfig

STORE_SUFFIXES = (".duckdb", ".db")


def load_store_accounts(path: str | Path, table: str = "accounts") -> pd.DataFrame:
    """The accounts table of a CRM store (a DuckDB file), every column as text."""
    from crmtool.engine import DuckDBEngine

    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such store file")
    try:
        with DuckDBEngine(str(path), read_only=True) as engine:
            frame = engine.sql(f'SELECT * FROM "{table}"').to_pandas()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - duckdb raises many kinds for a bad file or a missing table
        raise InputError(path, f"cannot read table '{table}' ({str(exc).splitlines()[0]})") from None
    return frame.astype("string")


def load_accounts(path: str | Path, table: str = "accounts") -> pd.DataFrame:
    """Records of an object (accounts by default) from a CRM store (.duckdb/.db: the object's table) or from
    any file `crmtool read` accepts."""
    from crmtool.read import read_table

    path = Path(path)
    if path.suffix.lower() in STORE_SUFFIXES:
        return load_store_accounts(path, table)
    if not path.exists():
        raise InputError(path, "no such file")
    return read_table(path).table.astype("string")


def _checked_key(table: pd.DataFrame, key: str, source: str | Path, option: str = "--key") -> None:
    if key not in table.columns:
        data = [c for c in table.columns if not c.startswith("_")]
        raise ConfigError(f"{option} {key}: no such column in {source} (columns: {', '.join(data) or 'none'})")
    duplicated = table[key].duplicated() & table[key].notna()
    if duplicated.any():
        raise ConfigError(f"{option} {key}: values are not unique in {source} "
                          f"(e.g. {table.loc[duplicated, key].iloc[0]!r}); pick a column that identifies a row, "
                          "or _row_id")
    if table[key].isna().any():
        raise ConfigError(f"{option} {key}: empty in {int(table[key].isna().sum())} row(s) of {source}")


def run_lead_match(input_path: str | Path, key: str, out: str | Path, *, against: str | Path, account_key: str,
                   sheet: str | None = None, processes: int | None = None, rules: str | Path | None = None) -> dict:
    """Match the leads of one file to existing accounts (crmtool.dedupe.leads); write one row per lead."""
    from crmtool.dedupe.leads import match_leads
    from crmtool.dedupe.pipeline import DedupeSettings
    from crmtool.dedupe.rules import load_rules
    from crmtool.read import read_table
    from crmtool.tableio import write_table

    leads = read_table(input_path, sheet=sheet).table
    _checked_key(leads, key, input_path)
    accounts = load_accounts(against)
    _checked_key(accounts, account_key, against, "--account-key")
    settings = DedupeSettings.from_rules(load_rules(rules), processes=processes or os.cpu_count() or 1)
    found = match_leads(leads, key, accounts, account_key, settings)
    found = found.rename(columns={"lead_key": key})
    found["decision"] = found["decision"].astype("string")
    write_table(found, out)
    decisions = found["decision"].value_counts()
    return {"input": str(input_path), "against": str(against), "out": str(out), "leads": len(found),
            "accounts": len(accounts), "matched": int(decisions.get("match", 0)),
            "review": int(decisions.get("review", 0)), "unmatched": int(decisions.get("non-match", 0))}


def run_cross_match(input_path: str | Path, key: str, out: str | Path, *, against: str | Path | None,
                    account_key: str, against_contacts: str | Path, contact_key: str, sheet: str | None = None,
                    processes: int | None = None, rules: str | Path | None = None) -> dict:
    """Link the leads of one file to known contacts and accounts (crmtool.dedupe.cross); write one row per link."""
    from crmtool.dedupe.cross import link_counts, match_cross
    from crmtool.dedupe.pipeline import DedupeSettings
    from crmtool.dedupe.rules import builtin_rules, load_rules
    from crmtool.read import read_table
    from crmtool.tableio import write_table

    leads = read_table(input_path, sheet=sheet).table
    _checked_key(leads, key, input_path)
    contacts = load_accounts(against_contacts, "contacts")
    _checked_key(contacts, contact_key, against_contacts, "--contact-key")
    accounts = None
    if against is not None:
        accounts = load_accounts(against)
        _checked_key(accounts, account_key, against, "--account-key")
    workers = processes or os.cpu_count() or 1
    links = match_cross(leads, key, accounts=accounts, account_key=account_key, contacts=contacts,
                        contact_key=contact_key,
                        account_settings=DedupeSettings.from_rules(load_rules(rules), processes=workers),
                        contact_settings=DedupeSettings.from_rules(builtin_rules("contacts"), processes=workers))
    write_table(links, out)
    return {"input": str(input_path), "against": str(against) if against else None,
            "against_contacts": str(against_contacts), "out": str(out),
            "accounts": len(accounts) if accounts is not None else 0, "contacts": len(contacts),
            **link_counts(links, len(leads))}


def run_dedupe(input_path: str | Path, key: str, out: str | Path, *, pairs: str | Path | None = None,
               review: str | Path | None = None, against: str | Path | None = None,
               decisions: str | Path | None = None, golden: str | Path | None = None,
               sheet: str | None = None, processes: int | None = None, masked: bool = True,
               rules: str | Path | None = None, object_name: str = "accounts",
               engine: "EngineConfig | None" = None, learn: bool = False, apply_learned: bool = False,
               u_sample: int = 200_000) -> dict:
    """Deduplicate one input file of `object_name` records (accounts: companies; contacts: people);
    write CLUSTERS (and PAIRS, the review workbook, golden records).
    `rules`: a dedupe rules file over the object's built-in rules (crmtool.config.dedupe).
    `engine`: where it runs (default: in-process DuckDB; crmtool.dedupe.engines).
    `learn`: also estimate m/u per level by EM (crmtool.dedupe.learn; u from `u_sample` random pairs, held
    fixed) and report them as `learned_weights`; `apply_learned`: decide with the learned weights (the run is
    scored again with them in place of the configured weights of the levels learned)."""
    from crmtool.config.engine import EngineConfig
    from crmtool.dedupe.decisions import DEFAULT_FILE, load_decisions
    from crmtool.dedupe.engines import dedupe_on
    from crmtool.dedupe.pipeline import DedupeSettings
    from crmtool.dedupe.rules import load_rules
    from crmtool.dedupe.review import write_review_workbook
    from crmtool.read import read_table
    from crmtool.tableio import write_table

    effective = load_rules(rules, object_name)
    table = read_table(input_path, sheet=sheet).table
    _checked_key(table, key, input_path)
    store_path = Path(decisions) if decisions else Path(out).parent / DEFAULT_FILE
    settings = DedupeSettings.from_rules(effective, decisions=load_decisions(store_path),
                                   processes=processes or os.cpu_count() or 1)
    defaults = dict(settings.weights.levels)
    store = load_accounts(against, object_name) if against else None
    if store is not None and key not in store.columns:
        raise ConfigError(f"--against {against}: its {object_name} have no column '{key}' to identify them")
    if apply_learned and not learn:
        raise ConfigError("--apply-learned applies the weights --learn-weights learns: give both")
    if learn:
        settings.u_sample = u_sample
    result = dedupe_on(engine or EngineConfig(), table, key, settings, store=store)
    learned = None
    if learn:
        learned = _learned(result, settings, len(table), 0 if store is None else len(store))
        if apply_learned:
            from dataclasses import replace

            from crmtool.dedupe.scoring import Weights

            settings = replace(settings, weights=Weights({**settings.weights.levels, **learned.weights}), u_sample=0)
            result = dedupe_on(engine or EngineConfig(), table, key, settings, store=store)
    clusters = result.clusters.copy()
    clusters["is_survivor"] = clusters["is_survivor"].map({True: "true", False: "false"})
    write_table(clusters, out)
    if pairs:
        write_table(result.pairs, pairs)
    if review:
        from crmtool.dedupe.review import ANSWER, PERSON_ANSWER

        write_review_workbook(result.review, review, masked=masked,
                              question=PERSON_ANSWER if settings.compare == "contact" else ANSWER)
    if golden:
        write_table(result.golden, golden)
    summary = {"input": str(input_path), "object": object_name, "out": str(out), **result.stats, "blocks": result.blocks,
               "decisions_store": str(store_path), "stored_decisions": len(settings.decisions),
               "rules": str(rules) if rules else "built-in"}
    if store is not None:
        summary["matched_accounts"] = int(result.clusters["matched_account"].notna().sum())
    if learned is not None:
        summary["weights"] = "learned" if apply_learned else "configured"
        summary["learned_weights"] = learned_summary(learned, defaults)
    return summary


def _learned(result, settings, n_new: int, n_store: int):
    """EM's weights for one run's candidate pairs (crmtool.dedupe.learn), u from its random pairs."""
    from crmtool.dedupe.learn import learn_weights
    from crmtool.dedupe.scoring import LEVEL_SETS

    if result.pattern_counts is None or result.random_u is None:
        raise ConfigError("--learn-weights runs on the default engine only (--engine duckdb)")
    all_pairs = n_new * (n_new - 1) // 2 + n_new * n_store  # the pairs a run may compare
    candidates = int(result.pattern_counts.sum())
    return learn_weights(result.pattern_counts, LEVEL_SETS[settings.compare], u=result.random_u, all_pairs=all_pairs,
                         start=settings.weights.levels, lam=min(0.1, max(candidates, 1) / max(all_pairs, 1)))


def learned_summary(learned, defaults: dict[str, float]) -> dict:
    """The summary's `learned_weights`: EM's state, and per level its pairs, default, learned weight, m and u."""
    info = learned.to_dict()
    for level, row in info["levels"].items():
        row["default"] = defaults.get(level, 0.0)
    info["log_likelihood"] = [round(v, 3) for v in info["log_likelihood"]]
    return info
