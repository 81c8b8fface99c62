"""Cross-object matching: which existing account (if any) a lead comes from.

Leads are matched against accounts with the same keys, blocks, weights and hard rules as account
dedupe, in incremental mode (accounts are never compared with each other). A lead's company name may
sit in `company` (the usual lead field) instead of `name`; a lead's `mobile` counts as a phone.
"""

from __future__ import annotations

import pandas as pd

LEAD_MATCH_COLUMNS = ["lead_key", "account_key", "score", "decision", "reasons"]


def _as_account_columns(leads: pd.DataFrame) -> pd.DataFrame:
    out = leads.copy()
    if "name" not in out.columns and "company" in out.columns:
        out["name"] = out["company"]
    if "phone" not in out.columns and "mobile" in out.columns:
        out["phone"] = out["mobile"]
    return out


def lead_account_pairs(leads: pd.DataFrame, lead_key: str, accounts: pd.DataFrame, account_key: str,
                       settings=None) -> pd.DataFrame:
    """Every scored (lead, account) pair: lead_key, account_key, score, decision, reasons."""
    from crmtool.dedupe.pipeline import dedupe

    prepared = _as_account_columns(leads)
    key = "__key"
    new = prepared.assign(**{key: "L:" + prepared[lead_key].astype(str)})
    store = accounts.assign(**{key: "A:" + accounts[account_key].astype(str)})
    result = dedupe(new[[c for c in new.columns if c in ("name", "credit_code", "phone", "address", key)]], key,
                    settings, store=store[[c for c in store.columns if c in ("name", "credit_code", "phone", "address", key)]])
    pairs = result.pairs
    cross = pairs[pairs["key_a"].str.startswith("L:") != pairs["key_b"].str.startswith("L:")]
    cross = cross.astype({"decision": "string", "reasons": "string"})
    lead_a = cross["key_a"].str.startswith("L:")
    return pd.DataFrame({"lead_key": cross["key_a"].where(lead_a, cross["key_b"]).str.slice(2),
                         "account_key": cross["key_b"].where(lead_a, cross["key_a"]).str.slice(2),
                         "score": cross["score"], "decision": cross["decision"], "reasons": cross["reasons"]})


def match_leads(leads: pd.DataFrame, lead_key: str, accounts: pd.DataFrame, account_key: str,
                settings=None) -> pd.DataFrame:
    """One row per lead: the best matching account's key (or <NA>), the score, decision and reasons.

    decision is match (the lead is an existing customer), review, or non-match.
    """
    from crmtool.dedupe.decide import MATCH, NON_MATCH

    cross = lead_account_pairs(leads, lead_key, accounts, account_key, settings)
    rank = cross["decision"].map({MATCH: 0, "review": 1, NON_MATCH: 2})
    best = cross.assign(rank=rank).sort_values(["lead_key", "rank", "score"], ascending=[True, True, False])
    best = best.drop_duplicates("lead_key").set_index("lead_key")
    keys = leads[lead_key].astype(str)
    out = pd.DataFrame({"lead_key": leads[lead_key].to_numpy()})
    out["account_key"] = keys.map(best["account_key"]).astype("string").to_numpy()
    out["score"] = keys.map(best["score"]).to_numpy()
    out["decision"] = keys.map(best["decision"]).fillna(NON_MATCH).to_numpy()
    out["reasons"] = keys.map(best["reasons"]).fillna("").to_numpy()
    out.loc[out["decision"] == NON_MATCH, "account_key"] = pd.NA
    return out[LEAD_MATCH_COLUMNS]
