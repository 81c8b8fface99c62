"""Cross-object links: which known contacts and accounts a lead is.

A lead is a person (`name`, `mobile`, `phone`, `email`, `title`, `department`) at a company (`company`,
`credit_code`, `address`). It links

- to an account by its company (crmtool.dedupe.leads: the account comparison set, the lead's mobile as a
  phone), reason `company = account A3: <levels>`;
- to a contact by its person fields, with the contact comparison set and the contact rules, the lead
  having no account of its own (the contact's account is not evidence of the lead's company here: it is
  what the link says), reason `mobile = contact C12 (account A3): <levels>`;
- through a contact to that contact's account (its `account_id`), reason `via contact C12: …`.

A lead whose company is account A while its mobile or e-mail is a contact of account B (a person who
changed jobs, a shared phone, a typo) is a *conflict*: every link of that lead becomes `review` and
carries both reasons (`conflict: company = account A; mobile = contact C (account B)`), so a person
decides; neither link wins silently.
"""

from __future__ import annotations

import pandas as pd

LINK_COLUMNS = ["lead_key", "object", "target_key", "account_key", "score", "decision", "reasons"]
PERSON_COLUMNS = ("name", "mobile", "phone", "email", "title", "department")
LINKED = ("match", "review")
# the contact levels that say which identifier the lead shares with the contact, as the reason names it
_EVIDENCE = (("mobile_match", "mobile"), ("email_match", "email"), ("phone_extension", "phone"),
             ("name_exact", "name"), ("name_pinyin", "name"), ("name_homophone", "name"))


def match_cross(leads: pd.DataFrame, lead_key: str, *, accounts: pd.DataFrame | None = None,
                account_key: str | None = None, contacts: pd.DataFrame | None = None,
                contact_key: str | None = None, contact_account: str = "account_id",
                account_settings=None, contact_settings=None) -> pd.DataFrame:
    """The links (LINK_COLUMNS) of every lead decided match or review, best first per lead.

    `object` is accounts or contacts; `target_key` the account's or contact's key; `account_key` the account
    the link puts the lead at (a contact's `contact_account`). Leads without a link have no row."""
    parts = []
    if accounts is not None:
        parts.append(_account_links(leads, lead_key, accounts, account_key, account_settings))
    if contacts is not None:
        found = _contact_links(leads, lead_key, contacts, contact_key, contact_account, contact_settings)
        via = _via_contacts(found)
        if accounts is not None and "company" in leads.columns:
            via = _unconfirmed(via, leads, lead_key, parts[0])
        parts += [found, via]
    links = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else _empty()
    links = _conflicts(_merge_account_links(links))
    order = links.assign(_rank=links["decision"].map({"match": 0, "review": 1}),
                         _obj=links["object"].map({"contacts": 0, "accounts": 1}))
    order = order.sort_values(["lead_key", "_rank", "score", "_obj", "target_key"],
                              ascending=[True, True, False, True, True], kind="stable")
    return order[LINK_COLUMNS].reset_index(drop=True).astype(
        {"lead_key": "string", "object": "string", "target_key": "string", "account_key": "string",
         "score": "float64", "decision": "string", "reasons": "string"})


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else "string") for c in LINK_COLUMNS})


def _account_links(leads, lead_key, accounts, account_key, settings) -> pd.DataFrame:
    from crmtool.dedupe.leads import match_leads

    person = [c for c in ("name", "mobile") if c in leads.columns and ("company" in leads.columns or c == "mobile")]
    company = leads.drop(columns=person)
    found = match_leads(company, lead_key, accounts, account_key, settings)
    found = found[found["decision"].isin(LINKED)]
    return pd.DataFrame({
        "lead_key": found["lead_key"].astype("string"), "object": "accounts",
        "target_key": found["account_key"].astype("string"), "account_key": found["account_key"].astype("string"),
        "score": found["score"].astype("float64"), "decision": found["decision"].astype("string"),
        "reasons": "company = account " + found["account_key"].astype("string") + ": " + found["reasons"].astype("string"),
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
    evidence = [_evidence(r) for r in cross["reasons"].tolist()]
    where = [f"contact {c}" + (f" (account {a})" if pd.notna(a) else "") for c, a in zip(contact_side, account, strict=True)]
    return pd.DataFrame({
        "lead_key": lead_side.astype("string").to_numpy(), "object": "contacts",
        "target_key": contact_side.astype("string").to_numpy(), "account_key": account.to_numpy(),
        "score": cross["score"].astype("float64").to_numpy(), "decision": cross["decision"].to_numpy(),
        "reasons": [f"{e} = {w}: {r}" for e, w, r in zip(evidence, where, cross["reasons"].tolist(), strict=True)],
    }).astype({"lead_key": "string", "target_key": "string", "account_key": "string", "decision": "string",
               "reasons": "string"})


def _evidence(reasons: str) -> str:
    """The identifiers a lead shares with a contact, as the reason names them: `mobile`, `mobile, email`."""
    found = []
    for level, word in _EVIDENCE:
        if level + "+" in reasons and word not in found:
            found.append(word)
    return ", ".join(found) or "similar"


def _via_contacts(contact_links: pd.DataFrame) -> pd.DataFrame:
    """The account each linked contact belongs to, as a link of the lead to that account (its strongest contact)."""
    via = contact_links[contact_links["account_key"].notna()].sort_values("score", ascending=False, kind="stable")
    via = via.drop_duplicates(["lead_key", "account_key"])
    return via.assign(object="accounts", target_key=via["account_key"], reasons="via " + via["reasons"])


def _unconfirmed(via: pd.DataFrame, leads: pd.DataFrame, lead_key: str, company_links: pd.DataFrame) -> pd.DataFrame:
    """A contact's account is the lead's only as far as the lead's company agrees: when the lead names a company
    that is not matched to that account, the link through the contact is a question (the person may have moved)."""
    from crmtool.canon.blank import is_blank

    named = {str(k) for k, c in zip(leads[lead_key].tolist(), leads["company"].tolist(), strict=True)
             if not (c is None or c is pd.NA or is_blank(str(c)))}
    confirmed = set(zip(company_links["lead_key"].tolist(), company_links["target_key"].tolist(), strict=True))
    ask = [lead in named and (lead, account) not in confirmed
           for lead, account in zip(via["lead_key"].tolist(), via["account_key"].tolist(), strict=True)]
    via = via.copy()
    via.loc[ask, "decision"] = "review"
    via.loc[ask, "reasons"] = via.loc[ask, "reasons"] + "; company not matched to account " + via.loc[ask, "account_key"]
    return via


def _merge_account_links(links: pd.DataFrame) -> pd.DataFrame:
    """One row per lead and account: a company link that a contact of the same account confirms keeps the
    stronger decision and both reasons."""
    accounts = links[links["object"] == "accounts"]
    if not accounts.duplicated(["lead_key", "target_key"]).any():
        return links
    accounts = accounts.assign(_rank=accounts["decision"].map({"match": 0, "review": 1}),
                               _via=accounts["reasons"].str.startswith("via "))
    accounts = accounts.sort_values(["_rank", "_via", "score"], ascending=[True, True, False], kind="stable")
    joined = accounts.groupby(["lead_key", "target_key"], sort=False)["reasons"].agg("; and ".join)
    best = accounts.drop_duplicates(["lead_key", "target_key"]).drop(columns=["_rank", "_via"])
    best["reasons"] = pd.MultiIndex.from_frame(best[["lead_key", "target_key"]]).map(joined)
    return pd.concat([links[links["object"] != "accounts"], best], ignore_index=True)


def _conflicts(links: pd.DataFrame) -> pd.DataFrame:
    """A lead whose company link and contact links name different accounts: all its links to review, each with
    the reasons of the others' accounts."""
    company = links[(links["object"] == "accounts") & links["reasons"].str.contains("company = account", regex=False)]
    contact = links[(links["object"] == "contacts") & links["account_key"].notna()]
    if not len(company) or not len(contact):
        return links
    company_accounts, contact_accounts = _accounts_by_lead(company), _accounts_by_lead(contact)
    both = company_accounts.keys() & contact_accounts.keys()
    torn = [lead for lead in sorted(both) if len(company_accounts[lead] | contact_accounts[lead]) > 1]
    if not torn:
        return links
    said = {}
    for lead in torn:
        parts = [f"company = account {a}" for a in sorted(company_accounts[lead])]
        for _, row in contact[contact["lead_key"] == lead].iterrows():
            parts.append(f"{_evidence(row['reasons'])} = contact {row['target_key']} (account {row['account_key']})")
        said[lead] = "conflict: " + "; ".join(parts) + " | "
    hit = links["lead_key"].isin(torn)
    links = links.copy()
    links.loc[hit, "decision"] = "review"
    links.loc[hit, "reasons"] = links.loc[hit, "lead_key"].map(said) + links.loc[hit, "reasons"]
    return links


def _accounts_by_lead(links: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for lead, account in zip(links["lead_key"].tolist(), links["account_key"].tolist(), strict=True):
        out.setdefault(lead, set()).add(account)
    return out


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
