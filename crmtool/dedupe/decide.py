"""Decisions: thresholds on the match weight, then the hard rules, then stored reviewer decisions.

Order of precedence (the last that applies wins):
1. weight ≥ `match_at` → match; ≥ `review_at` → review; else non-match;
2. different regions in otherwise equal names (region_conflict), or places that cannot be one in the
   names, addresses and area codes (place_conflict) → non-match unless the code or a phone agrees;
3. equal valid credit codes (must-link same_valid_code), or an equal phone (same_phone) → match;
4. a reviewer's stored 是/否 for the pair;
5. two different valid credit codes → non-match, whatever the names say;
6. a branch and its head office (or two different branches) → non-match.
Steps 2, 3, 5 and 6 are hard rules a rules file switches on and off (`hard_rules`: must_link and
cannot_link, by the names after `rule:`); the built-in rules have all but same_phone.

The contact set (`compare: contact`) has its own: must-link same_mobile and same_email (step 3, off in
the built-in rules), cannot-link different_account (step 5).

Everything but step 4 depends on the pair's levels only, so it is worked out once per comparison
pattern (scoring.PatternTable) and looked up per pair; step 4 is applied per pair on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmtool.dedupe.rules import builtin_rules

MATCH, REVIEW, NON_MATCH = "match", "review", "non-match"
DECISIONS = (MATCH, REVIEW, NON_MATCH)  # decision codes 0, 1, 2
RULES = ("", "rule:different_region", "rule:same_valid_code", "rule:reviewed_yes", "rule:reviewed_no",
         "rule:different_valid_codes", "rule:branch_vs_head", "rule:different_place", "rule:same_phone",  # codes 0..8
         "rule:same_mobile", "rule:same_email", "rule:different_account")  # the contact set's (9..11)
CODE_AGREES = ("code_equal_valid", "code_equal", "org_code_equal", "code_close")
_REVIEW_ANSWERS = {"是": (0, RULES.index("rule:reviewed_yes")), "否": (2, RULES.index("rule:reviewed_no"))}


@dataclass(frozen=True)
class Thresholds:
    """By default the built-in rules' thresholds."""

    match_at: float = field(default_factory=lambda: builtin_rules().thresholds.match)
    review_at: float = field(default_factory=lambda: builtin_rules().thresholds.review)
    floor: float = field(default_factory=lambda: builtin_rules().thresholds.floor)  # lower pairs are not written


@dataclass(frozen=True)
class HardRules:
    """The hard rules in force, by name (crmtool.config.dedupe.MUST_LINK / CANNOT_LINK); by default the
    built-in rules'."""

    must_link: frozenset[str] = field(default_factory=lambda: frozenset(builtin_rules().hard_rules.must_link))
    cannot_link: frozenset[str] = field(default_factory=lambda: frozenset(builtin_rules().hard_rules.cannot_link))


@dataclass
class DecisionTable:
    """Per pattern: the decision and deciding rule before reviews, and whether a rule overrides reviews."""

    decision: np.ndarray  # int8 codes into DECISIONS
    rule: np.ndarray  # int8 codes into RULES
    final: np.ndarray  # bool: step 5 or 6 applies (a reviewer cannot overrule it)
    strong: np.ndarray  # bool: the code or a phone agrees (allows a merge across cities)


def decision_table(levels: pd.DataFrame, weight: np.ndarray, thresholds: Thresholds | None = None,
                   hard: HardRules | None = None, compare: str = "company") -> DecisionTable:
    """Decisions for rows of level names (one row per pattern, or per pair) and their weights, with the
    hard rules of the comparison set `compare` (company or contact) that `hard` has in force."""
    thresholds, hard = thresholds or Thresholds(), hard or HardRules()
    decision = np.where(weight >= thresholds.match_at, 0, np.where(weight >= thresholds.review_at, 1, 2)).astype(np.int8)
    rule = np.zeros(len(weight), dtype=np.int8)
    before, after, strong = (_contact_rules if compare == "contact" else _company_rules)(levels)
    in_force = hard.must_link | hard.cannot_link
    before, after = ([r for r in rules if r[2].removeprefix("rule:") in in_force] for rules in (before, after))
    final = np.zeros(len(weight), dtype=bool)
    for mask, value, name in before + after:
        decision = np.where(mask, np.int8(value), decision)
        rule = np.where(mask, np.int8(RULES.index(name)), rule)
    for mask, _, _ in after:
        final |= mask
    return DecisionTable(decision.astype(np.int8), rule.astype(np.int8), final, strong)


def _company_rules(levels: pd.DataFrame) -> tuple[list, list, np.ndarray]:
    """(rules before reviews, rules after them, "code or phone agrees") of the company set."""
    code, phone = levels["code"].to_numpy(), levels["phone"].to_numpy()
    strong = np.isin(code, CODE_AGREES) | (phone == "phone_match")
    before = [
        ((levels["region"].to_numpy() == "region_conflict") & ~strong, 2, "rule:different_region"),
        ((levels["region"].to_numpy() == "place_conflict") & ~strong, 2, "rule:different_place"),
        (phone == "phone_match", 0, "rule:same_phone"),
        (code == "code_equal_valid", 0, "rule:same_valid_code"),  # after same_phone: the stronger reason is named
    ]
    after = [
        (code == "code_conflict", 2, "rule:different_valid_codes"),
        (levels["branch"].to_numpy() == "branch_conflict", 2, "rule:branch_vs_head"),
    ]
    return before, after, strong


def _contact_rules(levels: pd.DataFrame) -> tuple[list, list, np.ndarray]:
    """The contact set's: must-link same_mobile, same_email; cannot-link different_account (after reviews:
    two accounts' people are two people, whatever a reviewer said). Strong: a mobile or an e-mail agrees."""
    mobile, email = levels["mobile"].to_numpy() == "mobile_match", levels["email"].to_numpy() == "email_match"
    before = [(email, 0, "rule:same_email"), (mobile, 0, "rule:same_mobile")]
    after = [(levels["account"].to_numpy() == "account_differ", 2, "rule:different_account")]
    return before, after, mobile | email


def decide(table: DecisionTable, pattern: np.ndarray, reviewed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(decision code, rule code) per pair. `reviewed`: "是"/"否"/None per pair, or None for no reviews."""
    decision, rule = table.decision[pattern], table.rule[pattern]
    if reviewed is None:
        return decision, rule
    for answer, (value, name) in _REVIEW_ANSWERS.items():
        mask = (reviewed == answer) & ~table.final[pattern]
        decision = np.where(mask, np.int8(value), decision)
        rule = np.where(mask, np.int8(name), rule)
    return decision, rule
