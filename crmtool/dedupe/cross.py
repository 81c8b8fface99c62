"""Cross-object links: which known contacts and accounts a lead is.

A lead is a person (`name`, `mobile`, `phone`, `email`, `title`, `department`) at a company (`company`,
`credit_code`, `address`). It links

- to an account by its company (`company`, `credit_code`, `address`; crmtool.dedupe.leads with the
  account comparison set and rules), reason `company = account A3: <levels>`. The lead's name and mobile
  are a person's, compared on the contacts' side, not with the account's phone;
- to a contact by its person fields, with the contact comparison set and the contact rules, the lead
  having no account of its own (the contact's account is not evidence of the lead's company here: it is
  what the link says), reason `mobile = contact C12 (account A3): <levels>`;
- through a contact to that contact's account (its `account_id`), reason `via contact C12: …`.

A lead whose company could be several accounts (华信科技: Beijing or Shanghai) and whose mobile is a contact
of one of them links to that one, with both reasons. A lead whose company is account A while its mobile or
e-mail is a contact of account B (a person who changed jobs, a shared phone, a typo) is a *conflict*: every
link of that lead becomes `review` and carries both reasons (`conflict: company = account A; mobile =
contact C (account B) | …`), so a person decides; neither link wins silently. A lead that names a company
no account matches, with the mobile of a contact of account B, is that contact (match) and perhaps no
longer at B (review: `company not matched to account B`).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

LINK_COLUMNS = ["lead_key", "object", "target_key", "account_key", "score", "decision", "reasons"]
PERSON_COLUMNS = ("name", "mobile", "phone", "email", "title", "department")
LINKED = ("match", "review")
_REFUSED = "rule:cluster_constraint"
# the contact levels that say which identifier the lead shares with the contact, as the reason names it
_EVIDENCE = (("mobile_match", "mobile"), ("email_match", "email"), ("phone_extension", "phone"),
             ("name_exact", "name"), ("name_pinyin", "name"), ("name_homophone", "name"))


class Link(NamedTuple):
    """One link of a lead (LINK_COLUMNS)."""

    lead_key: str
    object: str
    target_key: str
    account_key: str | None
    score: float
    decision: str
    reasons: str

    def asking(self, reasons: str) -> "Link":
        """The same link as a question for a person (review), with `reasons`."""
        return self._replace(decision="review", reasons=reasons)


def contact_reason(reasons: str, contact: str, account: str | None) -> str:
    """A contact link's reason: `mobile = contact C12 (account A3): <levels>`."""
    where = f"contact {contact}" + (f" (account {account})" if account is not None and not pd.isna(account) else "")
    return f"{link_evidence(reasons)} = {where}: {reasons}"


def company_reason(account: str, reasons: str) -> str:
    """An account link's reason: `company = account A3: <levels>`."""
    return f"company = account {account}: {reasons}"


def match_cross(leads: pd.DataFrame, lead_key: str, *, accounts: pd.DataFrame | None = None,
                account_key: str | None = None, contacts: pd.DataFrame | None = None,
                contact_key: str | None = None, contact_account: str = "account_id",
                account_settings=None, contact_settings=None) -> pd.DataFrame:
    """The links (LINK_COLUMNS) of every lead decided match or review, best first per lead.

    `object` is accounts or contacts; `target_key` the account's or contact's key; `account_key` the account
    the link puts the lead at (a contact's `contact_account`). Leads without a link have no row."""
    company = (_company_links(leads, lead_key, accounts, account_key, account_settings) if accounts is not None
               else _empty())
    people = (_contact_links(leads, lead_key, contacts, contact_key, contact_account, contact_settings)
              if contacts is not None else _empty())
    named = set()
    if accounts is not None and "company" in leads.columns:
        from crmtool.canon.blank import is_blank

        named = {str(k) for k, c in zip(leads[lead_key].tolist(), leads["company"].tolist(), strict=True)
                 if isinstance(c, str) and not is_blank(c)}
    rows = []
    by_lead, by_person = _rows_by_lead(company), _rows_by_lead(people)
    for lead in sorted(by_lead.keys() | by_person.keys()):
        rows += resolve_links(by_lead.get(lead, []), by_person.get(lead, []), lead in named)
    links = pd.DataFrame(rows, columns=LINK_COLUMNS) if rows else _empty()
    order = links.assign(_rank=links["decision"].map({"match": 0, "review": 1}),
                         _obj=links["object"].map({"contacts": 0, "accounts": 1}))
    order = order.sort_values(["lead_key", "_rank", "score", "_obj", "target_key"],
                              ascending=[True, True, False, True, True], kind="stable")
    return order[LINK_COLUMNS].reset_index(drop=True).astype(
        {"lead_key": "string", "object": "string", "target_key": "string", "account_key": "string",
         "score": "float64", "decision": "string", "reasons": "string"})


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else "string") for c in LINK_COLUMNS})


def _rows_by_lead(links: pd.DataFrame) -> dict[str, list[Link]]:
    """Each lead's links (NA account as None)."""
    out: dict[str, list[Link]] = {}
    columns = [links[c].astype(object).where(links[c].notna(), None).tolist() for c in LINK_COLUMNS]
    for row in zip(*columns, strict=True):
        out.setdefault(row[0], []).append(Link(*row))
    return out


def resolve_links(company: list[Link], people: list[Link], has_company: bool) -> list[Link]:
    """One lead's links from its company candidates (accounts) and the contacts it is (see the module docstring):

    - the contacts' accounts among the company's candidates: those accounts, each one row with both reasons,
      match when either says match; the company's other candidates are dropped (the contact tells them apart);
    - company candidates, none of them a contact's account: a conflict, every link review with both reasons;
    - no company candidate: the contacts' accounts, review when the lead names a company (not theirs);
    - no contact with an account: the company's best candidate."""
    via: dict[str, Link] = {}
    for link in sorted(people, key=lambda r: -r.score):
        if link.account_key is not None and link.account_key not in via:
            via[link.account_key] = link._replace(object="accounts", target_key=link.account_key,
                                                  reasons="via " + link.reasons)
    candidates = {r.target_key: r for r in company}
    ranked = sorted(candidates.values(), key=lambda r: (r.decision != "match", -r.score, r.target_key))
    if not via:
        if len(ranked) > 1 and _REFUSED in ranked[1].reasons:
            others = ", ".join(r.target_key for r in ranked[1:] if _REFUSED in r.reasons)
            ranked[0] = ranked[0].asking(f"{ranked[0].reasons}; or account {others}")
        return people + ranked[:1]
    if any(a in candidates for a in via):
        out = []
        for account, through in via.items():
            own = candidates.get(account)
            if own is None:
                out.append(_ask(through))
                continue
            out.append(own._replace(score=max(own.score, through.score),
                                    decision="match" if "match" in (own.decision, through.decision) else "review",
                                    reasons=own.reasons + "; and " + through.reasons))
        return people + out
    if ranked:
        best = ranked[0]
        said = "; ".join([f"company = account {best.target_key}"] + [
            f"{link_evidence(r.reasons)} = contact {r.target_key} (account {r.account_key})"
            for r in people if r.account_key is not None])
        return [r.asking(f"conflict: {said} | {r.reasons}") for r in (*people, best, *via.values())]
    return people + [(_ask(r) if has_company else r) for r in via.values()]


def _ask(link: Link) -> Link:
    """A contact's account as the lead's when the lead names a company not linked to it: a question (the person
    may have moved)."""
    return link.asking(f"{link.reasons}; company not matched to account {link.account_key}")


def _company_links(leads, lead_key, accounts, account_key, settings) -> pd.DataFrame:
    """Every account the lead's company is decided match or review with. The lead's person fields are left out
    (its name is a person's, and its mobile one person's: the contacts' side compares those)."""
    from crmtool.dedupe.leads import lead_account_pairs

    company = leads.drop(columns=[c for c in ("name", "mobile") if c in leads.columns and "company" in leads.columns])
    found = lead_account_pairs(company, lead_key, accounts, account_key, settings)
    # a second account the company matches as well as the first, refused only because a lead is one company
    # (the entity step): the company is ambiguous, and a contact may tell the two apart
    refused = (found["decision"] == "non-match") & found["reasons"].str.contains(f"{_REFUSED} (", regex=False)
    found = found.assign(decision=found["decision"].mask(refused, "review"))
    found = found[found["decision"].isin(LINKED)]
    return pd.DataFrame({
        "lead_key": found["lead_key"].astype("string"), "object": "accounts",
        "target_key": found["account_key"].astype("string"), "account_key": found["account_key"].astype("string"),
        "score": found["score"].astype("float64"), "decision": found["decision"].astype("string"),
        "reasons": [company_reason(a, r) for a, r in zip(found["account_key"], found["reasons"], strict=True)],
    })


def _contact_links(leads, lead_key, contacts, contact_key, contact_account, settings) -> pd.DataFrame:
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe
    from crmtool.dedupe.rules import builtin_rules

    settings = settings or DedupeSettings.from_rules(builtin_rules("contacts"))
    key = "__key"
    people = leads.assign(**{key: "L:" + leads[lead_key].astype(str)})
    store = contacts.assign(**{key: "C:" + contacts[contact_key].astype(str)})
    result = dedupe(people[[c for c in (*PERSON_COLUMNS, key) if c in people.columns]], key, settings,
                    store=store[[c for c in (*PERSON_COLUMNS, key) if c in store.columns]])
    pairs = result.pairs
    lead_a = pairs["key_a"].str.startswith("L:")
    cross = pairs[lead_a != pairs["key_b"].str.startswith("L:")].astype({"decision": "string", "reasons": "string"})
    cross = cross[cross["decision"].isin(LINKED)]
    lead_a = cross["key_a"].str.startswith("L:")
    lead_side = cross["key_a"].where(lead_a, cross["key_b"]).str.slice(2)
    contact_side = cross["key_b"].where(lead_a, cross["key_a"]).str.slice(2)
    account_of = (contacts.set_index(contacts[contact_key].astype("string"))[contact_account].astype("string")
                  if contact_account in contacts.columns else pd.Series(dtype="string"))
    account = contact_side.map(account_of).astype("string")
    return pd.DataFrame({
        "lead_key": lead_side.astype("string").to_numpy(), "object": "contacts",
        "target_key": contact_side.astype("string").to_numpy(), "account_key": account.to_numpy(),
        "score": cross["score"].astype("float64").to_numpy(), "decision": cross["decision"].to_numpy(),
        "reasons": [contact_reason(r, c, a) for r, c, a in zip(cross["reasons"], contact_side, account, strict=True)],
    }).astype({"lead_key": "string", "target_key": "string", "account_key": "string", "decision": "string",
               "reasons": "string"})


def link_evidence(reasons: str) -> str:
    """The identifiers a lead shares with a contact, as the reason names them: `mobile`, `mobile, email`."""
    found = []
    for level, word in _EVIDENCE:
        if level + "+" in reasons and word not in found:
            found.append(word)
    return ", ".join(found) or "similar"


def link_counts(links: pd.DataFrame, leads: int) -> dict:
    """Summary counts of a links table: leads linked per object and decision, conflicts."""
    counts = {"leads": leads, "links": len(links),
              "conflicts": int(links.loc[links["reasons"].str.startswith("conflict:"), "lead_key"].nunique())}
    for obj in ("contacts", "accounts"):
        own = links[links["object"] == obj]
        for decision in LINKED:
            counts[f"{obj}_{decision}"] = int(own.loc[own["decision"] == decision, "lead_key"].nunique())
    counts["leads_linked"] = int(links.loc[links["decision"] == "match", "lead_key"].nunique())
    return counts
