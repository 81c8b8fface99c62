"""Decisions: thresholds on the match weight, then the hard rules, then stored reviewer decisions.

Order of precedence (the last that applies wins):
1. weight ≥ `match_at` → match; ≥ `review_at` → review; else non-match;
2. different regions in otherwise equal names (region_conflict) → non-match unless the code or a
   phone agrees;
3. equal valid credit codes → match;
4. a reviewer's stored 是/否 for the pair;
5. two different valid credit codes → non-match, whatever the names say;
6. a branch and its head office (or two different branches) → non-match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MATCH, REVIEW, NON_MATCH = "match", "review", "non-match"
_CODE_AGREES = ("code_equal_valid", "code_equal", "org_code_equal", "code_close")


@dataclass(frozen=True)
class Thresholds:
    match_at: float = 6.0
    review_at: float = 3.0
    floor: float = 0.0  # pairs below this weight are not written to PAIRS


def decide(levels: pd.DataFrame, weight: np.ndarray, reasons: np.ndarray, thresholds: Thresholds = Thresholds(),
           reviewed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(decision per pair, reasons with the rule that decided appended). `reviewed`: "是"/"否"/None per pair."""
    decision = np.where(weight >= thresholds.match_at, MATCH, np.where(weight >= thresholds.review_at, REVIEW, NON_MATCH))
    rule = np.full(len(weight), "", dtype=object)
    code, phone = levels["code"].to_numpy(), levels["phone"].to_numpy()
    hard = [
        ((levels["region"].to_numpy() == "region_conflict") & ~np.isin(code, _CODE_AGREES) & (phone != "phone_match"),
         NON_MATCH, "rule:different_region"),
        (code == "code_equal_valid", MATCH, "rule:same_valid_code"),
    ]
    if reviewed is not None:
        hard += [(reviewed == "是", MATCH, "rule:reviewed_yes"), (reviewed == "否", NON_MATCH, "rule:reviewed_no")]
    hard += [
        (code == "code_conflict", NON_MATCH, "rule:different_valid_codes"),
        (levels["branch"].to_numpy() == "branch_conflict", NON_MATCH, "rule:branch_vs_head"),
    ]
    for mask, value, name in hard:
        decision = np.where(mask, value, decision)
        rule = np.where(mask, name, rule)
    reasons = np.where(rule == "", reasons, pd.Series(reasons, dtype=object).str.cat(pd.Series(rule), sep="; ").to_numpy())
    return decision.astype(object), reasons
