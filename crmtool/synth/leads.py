"""`generate_leads`: a CRM of accounts and contacts, and leads of which some are already in it, with truth.

The CRM is `generate_contacts`'s people at their accounts, the accounts given company records by
`generate_accounts` (one record per company, keyed by the contacts' `account_id`). Leads come from web
forms and trade-show lists, and are, by truth `kind`:

- `contact`: a person the CRM knows as a contact, written again: the name as entered, romanised (Zhang
  Wei, Wei Zhang), with spaces, in 繁體 or with a title stuck on; the mobile with or without +86, spaced or
  dashed, or (when there is none) a personal or work e-mail; the company as the account's records write it
  (one of the account generator's messy copies: 华信科技, 華信(北京)…);
- `account`: a new person at a known account (their own mobile; a work e-mail at the account's domain);
- `moved`: a known contact now at another known account (their mobile, the other company): a conflict a
  person must look at;
- `new`: a new person at a company the CRM does not hold; some of those companies are the account
  generator's look-alikes of known accounts (same trade name in another city, a branch).

A share of the new people carry a common name of a known contact (two 张伟 are not one person).

Truth: `record_id, kind, entity_id` (the contact person `P…`, for contact and moved leads), `account_id`
(the known account the lead is at now, empty for new leads), `mess`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmtool.synth.arrays import choose, digits, lookup
from crmtool.synth.contacts import NAME_TITLES, NAME_TRADITIONAL, TITLES, _frame, _names, _romanised, contact_population

LEAD_RECORD_COLUMNS = ["record_id", "name", "company", "credit_code", "mobile", "email", "title"]
LEAD_TRUTH_COLUMNS = ["record_id", "kind", "entity_id", "account_id", "mess"]
CRM_ACCOUNT_COLUMNS = ["record_id", "name", "credit_code", "phone", "address"]
LEAD_KINDS = {"contact": 0.45, "account": 0.22, "moved": 0.03, "new": 0.30}
NAME_COPY = 0.3  # new people who carry a known contact's name
LEAD_NAME_MESS = {"as_entered": 0.5, "romanised": 0.2, "spaces": 0.1, "traditional": 0.1, "title_suffix": 0.1}
LEAD_MOBILE_FORMS = {"plain": 0.4, "plus86_spaced": 0.2, "plus86": 0.15, "86_dash": 0.1, "dashed": 0.1, "spaced": 0.05}


def generate_leads(n: int, *, seed: int = 0, contacts: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                   pd.DataFrame, pd.DataFrame]:
    """(accounts, contacts, leads, lead truth): `n` leads against a CRM of `contacts` contact records
    (default 2n) at their accounts, deterministic for a seed (see the module docstring)."""
    from crmtool.synth.generate import generate_accounts

    if n < 0:
        raise ValueError("n must be >= 0")
    contact_records, contact_truth, model = contact_population(contacts if contacts is not None else 2 * n,
                                                               seed=seed)
    people, accounts, rng = model["people"], model["accounts"], model["rng"]
    kind = choose(rng, LEAD_KINDS, n)
    n_known = len(accounts["id"])
    n_new = int((kind == "new").sum())
    # companies: the first n_known are the CRM's accounts, the others the new leads' companies
    records, truth = generate_accounts(round((n_known + n_new + 1) / 0.7) + 1, seed=seed + 1, duplicate_share=0.3)
    entities = np.sort(truth["entity_id"].unique())
    if len(entities) < n_known + n_new:
        raise ValueError("not enough companies generated")
    first = truth["role"].to_numpy() == "first"
    by_entity = pd.Series(np.arange(len(truth)), index=truth["entity_id"].to_numpy())
    firsts = pd.Series(np.flatnonzero(first), index=truth["entity_id"].to_numpy()[first])
    crm = records.iloc[firsts[entities[:n_known]].to_numpy()][CRM_ACCOUNT_COLUMNS[1:]].reset_index(drop=True)
    crm.insert(0, "record_id", pd.array(accounts["id"], dtype="string"))

    def company_record(entity: str) -> int:
        rows = np.atleast_1d(by_entity[entity])
        return int(rows[rng.integers(0, len(rows))])

    n_people = len(people["name"])
    person = rng.integers(0, n_people, size=n)
    at_account = np.where(kind == "contact", people["account"][person], rng.integers(0, n_known, size=n))
    moved = kind == "moved"
    at_account[moved] = np.where(at_account[moved] == people["account"][person[moved]],
                                 (at_account[moved] + 1) % n_known, at_account[moved])
    new_company = np.full(n, -1)
    new_company[kind == "new"] = n_known + np.arange(n_new)
    company_entity = np.where(kind == "new", new_company, at_account)
    rows = np.asarray([company_record(entities[e]) for e in company_entity], dtype=int) if n else np.zeros(0, int)
    company = records["name"].to_numpy(dtype=object)[rows]
    code = np.where(rng.random(n) < 0.1, records["credit_code"].to_numpy(dtype=object)[rows], None)

    known = np.isin(kind, ("contact", "moved"))
    name, sur, sur_py, given_py = _names(rng, n)
    copy = ~known & (rng.random(n) < NAME_COPY)
    for field, values in (("name", name), ("surname", sur), ("surname_py", sur_py), ("given_py", given_py)):
        values[known | copy] = people[field][person[known | copy]]
    fresh_mobile = lookup(("138", "139", "186", "135", "159", "177", "199"), rng.integers(0, 7, size=n)) + digits(
        rng, n, 4) + digits(rng, n, 4)
    mobile = np.where(known, people["mobile"][person], fresh_mobile)
    own_work = np.asarray([f"{s}{g.replace(' ', '')}@{d}" for s, g, d in
                           zip(sur_py, given_py, accounts["domain"][at_account], strict=True)], dtype=object)
    own_work = _unique(own_work, people["work"])
    email = np.where(known, np.where(people["work"][person] != None, people["work"][person],  # noqa: E711
                                     people["personal"][person]), np.where(kind == "account", own_work, None))
    has_mobile = rng.random(n) < 0.85
    has_email = (rng.random(n) < 0.5) | ~has_mobile
    has_mobile |= email == None  # noqa: E711
    mobile = np.where(has_mobile, mobile, None)
    email = np.where(has_email, email, None)
    mess: list[list[str]] = [[] for _ in range(n)]
    name_kind = choose(rng, LEAD_NAME_MESS, n)
    form = choose(rng, LEAD_MOBILE_FORMS, n)
    for i in range(n):
        name[i] = _written_name(rng, name_kind[i], name[i], sur[i], sur_py[i], given_py[i])
        if name_kind[i] != "as_entered":
            mess[i].append(f"name:{name_kind[i]}")
        if mobile[i] is not None:
            mobile[i] = _written_mobile(form[i], mobile[i])
            if form[i] != "plain":
                mess[i].append(f"mobile:{form[i]}")
        if copy[i]:
            mess[i].append("name:copied")
    title = np.where(known & (rng.random(n) < 0.5), people["title"][person],
                     np.where(rng.random(n) < 0.3, lookup(TITLES, rng.integers(0, len(TITLES), size=n)), None))
    width = max(6, len(str(n)))
    record_id = np.char.add("L", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)
    leads = {"record_id": record_id, "name": name, "company": company, "credit_code": code, "mobile": mobile,
             "email": email, "title": title}
    lead_truth = {"record_id": record_id, "kind": kind,
                  "entity_id": np.where(known, model["entity_id"][person], None),
                  "account_id": np.where(kind == "new", None, accounts["id"][at_account]),
                  "mess": np.asarray([";".join(m) for m in mess], dtype=object)}
    return (crm.astype("string"), contact_records, _frame(leads)[LEAD_RECORD_COLUMNS],
            _frame(lead_truth)[LEAD_TRUTH_COLUMNS])


def link_accuracy(links: pd.DataFrame, truth: pd.DataFrame, contact_truth: pd.DataFrame) -> dict:
    """Precision of a links table's `match` rows (lead_key, object, target_key as crmtool.dedupe.cross writes
    them) against the leads' truth, and per object the recall: the share of the leads with a right answer
    (contacts: contact leads; accounts: contact and account leads; moved leads are review by design) that have
    a right match link.
    Adds `right` to a copy of the links (`links` in the result)."""
    person = dict(zip(contact_truth["record_id"].tolist(), contact_truth["entity_id"].tolist(), strict=True))
    lead = truth.set_index("record_id")
    entity, account = lead["entity_id"].to_dict(), lead["account_id"].to_dict()
    right = [bool(pd.notna(entity.get(k)) and person.get(t) == entity.get(k)) if obj == "contacts"
             else bool(pd.notna(account.get(k)) and t == account.get(k))
             for k, obj, t in zip(links["lead_key"].tolist(), links["object"].tolist(), links["target_key"].tolist(),
                                  strict=True)]
    links = links.assign(right=right)
    matches = links[links["decision"] == "match"]
    out = {"match_links": len(matches), "precision": float(matches["right"].mean()) if len(matches) else 1.0,
           "links": links}
    for obj, kinds in (("contacts", ("contact",)), ("accounts", ("contact", "account"))):
        wanted = set(lead.index[lead["kind"].isin(kinds)])
        found = set(matches.loc[(matches["object"] == obj) & matches["right"], "lead_key"]) & wanted
        out[f"{obj}_recall"] = len(found) / len(wanted) if wanted else 1.0
    return out


def _unique(addresses: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """A new person's mailbox at a domain where a contact of the same name already has one: zhangwei2@."""
    used = {a for a in taken.tolist() if a is not None}
    out = addresses.copy()
    for i, address in enumerate(addresses.tolist()):
        local, domain = address.rsplit("@", 1)
        k = 1
        while out[i] in used:
            k += 1
            out[i] = f"{local}{k}@{domain}"
        used.add(out[i])
    return out


def _written_name(rng, kind: str, name: str, surname: str, surname_py: str, given_py: str) -> str:
    if kind == "romanised":
        return _romanised(rng, surname_py, given_py)
    if kind == "spaces":
        return surname + " " + name[len(surname):]
    if kind == "traditional":
        return name.translate(NAME_TRADITIONAL)
    if kind == "title_suffix":
        return name + NAME_TITLES[rng.integers(0, len(NAME_TITLES))]
    return name


def _written_mobile(form: str, number: str) -> str:
    a, b, c = number[:3], number[3:7], number[7:]
    return {"plain": number, "plus86_spaced": f"+86 {a} {b} {c}", "plus86": "+86" + number,
            "86_dash": "86-" + number, "dashed": f"{a}-{b}-{c}", "spaced": f"{a} {b} {c}"}[form]

