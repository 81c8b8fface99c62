"""`generate_contacts`: messy contact (person) records with a known truth of which records are one person.

The model, written from how contacts reach a CRM (business cards, web forms, trade-show lists, a sales
rep's phone book), not from the matching rules:

- accounts: companies with a web domain, a switchboard landline (总机) shared by their people, and a
  size drawn from a long tail (a few accounts with hundreds of contacts);
- people: each at one account, with a name (a third drawn from the most common surname and given
  characters, so 张伟, 王芳, 李娜 recur by the dozen), a mobile (some people have a second one), a title
  and department, a work e-mail at the account's domain and/or a personal webmail address, and a
  landline: the switchboard (often with an extension) or a direct line;
- hard negatives (truth `relation`): a common name copied onto another person at another account
  (`same_name_other_account`) or at the same account with their own mobile and e-mail
  (`same_name_same_account`);
- records: one per person plus copies (`duplicate_share`), each written with the person-level mess of
  real data: spaces in names (张 伟), 繁體 (陳穎), a title stuck on (张伟经理) or only the surname and a
  title (张经理), romanised names (Zhang Wei, ZHANG Wei, Wei Zhang, zhangwei), mobiles with and without
  +86 / spaces / dashes / full-width digits or in the landline column, both mobiles of a person who has
  two (or only the second: most of their records carry the first), e-mail upper
  case / +tags / gmail dots / a domain typo, personal vs work e-mail, a missing account, title changes.

Truth: `record_id, entity_id, account_id, role, mess, canonical_name, relation, related_entity_id`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmtool.synth import vocab
from crmtool.synth.arrays import FULLWIDTH, NUM, choose, digits, lookup

CONTACT_RECORD_COLUMNS = ["record_id", "name", "mobile", "phone", "email", "account_id", "title", "department"]
CONTACT_TRUTH_COLUMNS = ["record_id", "entity_id", "account_id", "role", "mess", "canonical_name", "relation",
                         "related_entity_id"]

COMMON_SHARE = 0.35  # names drawn from the most common surnames and given characters
NEGATIVE_SHARE = {"same_name_other_account": 0.05, "same_name_same_account": 0.03}
SECOND_MOBILE = 0.06  # people with a second mobile
TITLES = ("销售经理", "采购经理", "总经理", "副总经理", "财务总监", "技术总监", "项目经理", "工程师", "采购专员",
          "销售代表", "市场经理", "行政主管", "人事经理", "总裁助理", "董事长", "客服主管")
DEPARTMENTS = ("销售部", "采购部", "财务部", "技术部", "市场部", "行政部", "人力资源部", "总经办", "客服部", "研发中心")
NAME_TITLES = ("经理", "先生", "女士", "总", "主任", "总监")
# Simplified → traditional for the person-name characters of vocab (a small table, not a converter).
NAME_TRADITIONAL = str.maketrans(dict(zip(
    "张刘陈杨黄赵吴孙郭罗郑梁谢许韩冯邓马伟丽强军艳杰涛刚辉鹏华秀霞芳静娟玲琳斌欣雪晨浩宇婷文建英明超平洋勇磊敏娜",
    "張劉陳楊黃趙吳孫郭羅鄭梁謝許韓馮鄧馬偉麗強軍艷傑濤剛輝鵬華秀霞芳靜娟玲琳斌欣雪晨浩宇婷文建英明超平洋勇磊敏娜",
    strict=True)))
NAME_MESS = ({"as_entered": 0.86, "spaces": 0.04, "traditional": 0.03, "title_suffix": 0.03, "romanised": 0.03,
              "surname_title": 0.01},
             {"as_entered": 0.62, "spaces": 0.07, "traditional": 0.06, "title_suffix": 0.06, "romanised": 0.12,
              "surname_title": 0.04, "typo": 0.03})
MOBILE_MESS = ({"plain": 0.72, "spaced": 0.08, "dashed": 0.05, "plus86": 0.05, "plus86_spaced": 0.03, "86": 0.02,
                "fullwidth": 0.01, "in_phone": 0.02, "missing": 0.02},
               {"plain": 0.55, "spaced": 0.10, "dashed": 0.08, "plus86": 0.08, "plus86_spaced": 0.05, "86": 0.04,
                "fullwidth": 0.03, "in_phone": 0.04, "missing": 0.03})
EMAIL_CHOICE = ({"work": 0.55, "personal": 0.25, "none": 0.20}, {"work": 0.45, "personal": 0.30, "none": 0.25})
EMAIL_MESS = {"clean": 0.84, "upper": 0.06, "plus_tag": 0.03, "domain_typo": 0.03, "spaces": 0.04}
PHONE_CHOICE = {"switchboard": 0.35, "switchboard_ext": 0.25, "direct": 0.15, "none": 0.25}
ACCOUNT_MISSING = (0.0, 0.04)
ACCOUNT_SIZE_CAP = 60  # the largest account draws this many times the smallest's people: ~250 contacts
TITLE_MESS = {"same": 0.55, "changed": 0.07, "missing": 0.38}
DEPARTMENT_MESS = {"same": 0.45, "missing": 0.55}


def generate_contacts(n: int, *, seed: int = 0, duplicate_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` contact records and their truth, deterministic for a seed (see the module docstring)."""
    records, truth, _ = contact_population(n, seed=seed, duplicate_share=duplicate_share)
    return records, truth


def contact_population(n: int, *, seed: int = 0, duplicate_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """generate_contacts's records and truth, and the model they were written from (`people`: per person
    index their fields; `accounts`; `rng`: the generator, to draw more from the same seed)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 <= duplicate_share < 1:
        raise ValueError("duplicate_share must be in [0, 1)")
    rng = np.random.default_rng(seed)
    n_dup = round(n * duplicate_share)
    n_people = n - n_dup
    if n_people == 0:
        return (pd.DataFrame({c: pd.Series([], dtype="string") for c in CONTACT_RECORD_COLUMNS}),
                pd.DataFrame({c: pd.Series([], dtype="string") for c in CONTACT_TRUTH_COLUMNS}), {})
    accounts = _accounts(rng, max(1, n_people // 6))
    people = _people(rng, n_people, accounts)
    copies = rng.integers(0, n_people, size=n_dup)
    person = np.concatenate([np.arange(n_people), copies])
    is_dup = np.concatenate([np.zeros(n_people, dtype=bool), np.ones(n_dup, dtype=bool)])
    order = rng.permutation(n)
    person, is_dup = person[order], is_dup[order]
    cols, mess = _records(rng, people, accounts, person, is_dup)
    width = max(6, len(str(n)))
    record_id = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)
    entity_id = np.char.add("P", np.char.zfill(np.arange(1, n_people + 1).astype(str), width)).astype(object)
    related = people["related"]
    truth = {
        "record_id": record_id, "entity_id": entity_id[person], "account_id": accounts["id"][people["account"]][person],
        "role": np.where(is_dup, "duplicate", "first").astype(object), "mess": mess,
        "canonical_name": people["name"][person],
        "relation": np.where(related >= 0, people["relation"], None)[person],
        "related_entity_id": np.where(related >= 0, entity_id[np.maximum(related, 0)], None)[person],
    }
    records = {"record_id": record_id, **cols}
    model = {"people": people, "accounts": accounts, "entity_id": entity_id, "rng": rng}
    return _frame(records)[CONTACT_RECORD_COLUMNS], _frame(truth)[CONTACT_TRUTH_COLUMNS], model


def _frame(columns: dict) -> pd.DataFrame:
    return pd.DataFrame({k: pd.array(np.asarray(v, dtype=object), dtype="string") for k, v in columns.items()})


def _syllables(rng: np.random.Generator, n: int, k: np.ndarray) -> np.ndarray:
    pool = [p for _, p in vocab.TRADE_CHARS]
    out = lookup(pool, rng.integers(0, len(pool), size=n))
    for extra in range(1, int(k.max()) + 1):
        more = lookup(pool, rng.integers(0, len(pool), size=n))
        out = np.where(k > extra, out + more, out)
    return out


def _accounts(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    width = max(5, len(str(n)))
    domain = _syllables(rng, n, rng.integers(2, 4, size=n)) + np.char.add(
        "", lookup((".com", ".com.cn", ".cn", ".net"), rng.integers(0, 4, size=n)).astype(str)).astype(object)
    area = lookup(("010", "021", "020", "0755", "025", "0571", "028", "027", "022", "023", "0512", "0532"),
                  rng.integers(0, 12, size=n))
    # a long tail: most accounts have a few contacts, some a few hundred (whatever the size of the data set)
    size = np.minimum(rng.pareto(1.3, size=n) + 1, ACCOUNT_SIZE_CAP)
    return {
        "id": np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object),
        "domain": domain, "area": area,
        "switchboard": NUM[rng.integers(5000, 9000, size=n)] + digits(rng, n, 4),
        "weight": size / size.sum(),
    }


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(name, surname, surname pinyin, given-name pinyin syllables joined by spaces) per person."""
    sur_idx = np.where(rng.random(n) < COMMON_SHARE, rng.choice(5, size=n, p=[0.26, 0.24, 0.22, 0.16, 0.12]),
                       rng.integers(0, len(vocab.SURNAMES), size=n))
    common = rng.random(n) < COMMON_SHARE
    zipf = 1 / np.arange(1, 21)
    g1 = np.where(common, rng.choice(20, size=n, p=zipf / zipf.sum()), rng.integers(0, len(vocab.GIVEN_CHARS), size=n))
    g2 = rng.integers(0, len(vocab.GIVEN_CHARS), size=n)
    two = ~common & (rng.random(n) < 0.6)
    sur = lookup([a for a, _ in vocab.SURNAMES], sur_idx)
    sur_py = lookup([b for _, b in vocab.SURNAMES], sur_idx)
    gc, gp = [a for a, _ in vocab.GIVEN_CHARS], [b for _, b in vocab.GIVEN_CHARS]
    name = sur + lookup(gc, g1) + np.where(two, lookup(gc, g2), "")
    given_py = lookup(gp, g1) + np.where(two, " " + lookup(gp, g2), "")
    return name, sur, sur_py, given_py


def _people(rng: np.random.Generator, n: int, accounts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    account = rng.choice(len(accounts["id"]), size=n, p=accounts["weight"])
    name, sur, sur_py, given_py = _names(rng, n)
    related = np.full(n, -1)
    relation = np.full(n, None, dtype=object)
    # hard negatives: someone else's (common) name on a person of their own
    kind = choose(rng, {"": 1 - sum(NEGATIVE_SHARE.values()), **NEGATIVE_SHARE}, n)
    plain = np.flatnonzero(kind == "")  # the people whose names are copied (never a copy themselves)
    source = plain[rng.integers(0, len(plain), size=n)] if len(plain) else np.arange(n)
    for label in NEGATIVE_SHARE:
        i = np.flatnonzero((kind == label) & (source != np.arange(n)))
        j = source[i]
        name[i], sur[i], sur_py[i], given_py[i] = name[j], sur[j], sur_py[j], given_py[j]
        related[i], relation[i] = j, label
        if label == "same_name_same_account":
            account[i] = account[j]
        else:
            other = rng.integers(0, len(accounts["id"]), size=len(i))
            account[i] = np.where(other == account[j], (other + 1) % len(accounts["id"]), other)
    mobile = lookup(vocab.MOBILE_PREFIXES, rng.integers(0, len(vocab.MOBILE_PREFIXES), size=n)) + digits(
        rng, n, 4) + digits(rng, n, 4)
    mobile2 = lookup(vocab.MOBILE_PREFIXES, rng.integers(0, len(vocab.MOBILE_PREFIXES), size=n)) + digits(
        rng, n, 4) + digits(rng, n, 4)
    mobile2 = np.where(rng.random(n) < SECOND_MOBILE, mobile2, None)
    given_joined = np.asarray([g.replace(" ", "") for g in given_py], dtype=object)
    style = rng.integers(0, 4, size=n)
    local = np.select([style == 0, style == 1, style == 2],
                      [sur_py + given_joined, given_joined + "." + sur_py,
                       sur_py + "." + np.asarray([g[:1] for g in given_joined], dtype=object)],
                      np.asarray([s[:1] for s in sur_py], dtype=object) + given_joined)
    work = local + "@" + accounts["domain"][account]
    free = lookup(vocab.FREE_MAIL, rng.integers(0, len(vocab.FREE_MAIL), size=n))
    personal = np.where(free == "qq.com", NUM[rng.integers(1000, 10000, size=n)] + digits(rng, n, 4) + "@qq.com",
                        sur_py + given_joined + np.where(rng.random(n) < 0.5, NUM[rng.integers(60, 100, size=n)], "")
                        + "@" + free)
    work, personal = _unique_mailboxes(work), _unique_mailboxes(personal)
    phone_kind = choose(rng, PHONE_CHOICE, n)
    area = accounts["area"][account]
    return {
        "account": account, "name": name, "surname": sur, "surname_py": sur_py, "given_py": given_py,
        "related": related, "relation": relation, "mobile": mobile, "mobile2": mobile2,
        "work": np.where(rng.random(n) < 0.85, work, None), "personal": np.where(rng.random(n) < 0.6, personal, None),
        "title": lookup(TITLES, rng.integers(0, len(TITLES), size=n)),
        "department": lookup(DEPARTMENTS, rng.integers(0, len(DEPARTMENTS), size=n)),
        "phone_kind": phone_kind,
        "landline": np.select([phone_kind == "direct", phone_kind == "none"],
                              [area + "-" + NUM[rng.integers(5000, 9000, size=n)] + digits(rng, n, 4), None],
                              area + "-" + accounts["switchboard"][account]),
        "extension": np.where(phone_kind == "switchboard_ext", NUM[rng.integers(100, 1000, size=n)], None),
    }


def _unique_mailboxes(addresses: np.ndarray) -> np.ndarray:
    """A mail server gives every mailbox once: the second 张伟 at one domain is zhangwei2@, the third zhangwei3@."""
    seen = pd.Series(addresses).groupby(pd.Series(addresses)).cumcount().to_numpy()
    out = addresses.copy()
    for i in np.flatnonzero(seen > 0):
        local, domain = addresses[i].rsplit("@", 1)
        out[i] = f"{local}{seen[i] + 1}@{domain}"
    return out


def _records(rng, people, accounts, person: np.ndarray, is_dup: np.ndarray) -> tuple[dict, np.ndarray]:
    n = len(person)
    tags: list[list[str]] = [[] for _ in range(n)]

    def tag(field: str, kinds: np.ndarray, quiet: tuple) -> None:
        for i in np.flatnonzero(~np.isin(kinds, quiet)):
            tags[i].append(f"{field}:{kinds[i]}")

    def by_role(options: tuple[dict, dict]) -> np.ndarray:
        return np.where(is_dup, choose(rng, options[1], n), choose(rng, options[0], n))

    p = {k: v[person] for k, v in people.items()}
    # name
    kind = by_role(NAME_MESS)
    name = p["name"].copy()
    for i in np.flatnonzero(kind != "as_entered"):
        k, text, sur = kind[i], name[i], p["surname"][i]
        if k == "spaces":
            name[i] = sur + " " + text[len(sur):]
        elif k == "traditional":
            name[i] = text.translate(NAME_TRADITIONAL)
        elif k == "title_suffix":
            name[i] = text + NAME_TITLES[rng.integers(0, len(NAME_TITLES))]
        elif k == "surname_title":
            name[i] = sur + NAME_TITLES[rng.integers(0, len(NAME_TITLES))]
        elif k == "typo":  # an IME slip: another character of the same reading when there is one
            given = text[len(sur):]
            same = [c for c, py in vocab.GIVEN_CHARS if py == dict(vocab.GIVEN_CHARS).get(given[-1:]) and c != given[-1:]]
            name[i] = sur + given[:-1] + same[0] if same else text
        elif k == "romanised":
            name[i] = _romanised(rng, p["surname_py"][i], p["given_py"][i])
    tag("name", kind, ("as_entered",))
    # mobile: the person's, or now and then their second one
    kind = by_role(MOBILE_MESS)
    # a second mobile: most records of such a person carry the first, some both (as a CRM learns of the
    # second), a few only the second
    has_two = p["mobile2"] != None  # noqa: E711
    which = rng.random(n)
    number = np.where(has_two & (which >= 0.85), p["mobile2"], p["mobile"])
    mobile = np.asarray(number, dtype=object).copy()
    both = np.flatnonzero(has_two & (which >= 0.6) & (which < 0.85) & ~np.isin(kind, ("in_phone", "missing")))
    for i in np.flatnonzero(~np.isin(kind, ("plain", "in_phone", "missing"))):
        m, k = number[i], kind[i]
        mobile[i] = {"spaced": f"{m[:3]} {m[3:7]} {m[7:]}", "dashed": f"{m[:3]}-{m[3:7]}-{m[7:]}", "plus86": "+86" + m,
                     "plus86_spaced": f"+86 {m[:3]} {m[3:7]} {m[7:]}", "86": "86" + m,
                     "fullwidth": m.translate(FULLWIDTH)}[k]
    mobile[both] = mobile[both] + np.where(rng.random(len(both)) < 0.5, " / ", "；") + p["mobile2"][both]
    mobile[np.isin(kind, ("in_phone", "missing"))] = None
    tag("mobile", kind, ("plain",))
    tag("mobile", np.where(has_two, np.where(which >= 0.85, "second", np.where(which >= 0.6, "both", "")), ""), ("",))
    # landline (and the mobile written into it)
    line = p["landline"]
    ext = p["extension"]
    present = (line != None) & (rng.random(n) < 0.7)  # noqa: E711
    phone = np.full(n, None, dtype=object)
    for i in np.flatnonzero(present):
        text = line[i]
        if ext[i] is not None:
            text += ("转" if rng.random() < 0.5 else "-") + ext[i]
        phone[i] = text
    moved = kind == "in_phone"
    phone[moved] = np.where(phone[moved] != None, number[moved] + "; " + phone[moved].astype(str), number[moved])  # noqa: E711
    # e-mail: work or personal, as the record's source had it
    choice = by_role(EMAIL_CHOICE)
    email = np.select([choice == "work", choice == "personal"], [p["work"], p["personal"]], None)
    email = np.where(email == None, np.where(choice == "work", p["personal"], p["work"]), email)  # noqa: E711
    email[choice == "none"] = None
    mess = choose(rng, EMAIL_MESS, n)
    for i in np.flatnonzero((mess != "clean") & (email != None)):  # noqa: E711
        local, domain = email[i].rsplit("@", 1)
        k = mess[i]
        if k == "upper":
            email[i] = email[i].upper() if rng.random() < 0.5 else local.capitalize() + "@" + domain
        elif k == "plus_tag":
            email[i] = f"{local}+crm@{domain}"
        elif k == "domain_typo":
            email[i] = f"{local}@{vocab.MAIL_TYPOS.get(domain, domain)}"
        elif k == "spaces":
            email[i] = " " + email[i] + " "
    tag("email", np.where(email != None, mess, "clean"), ("clean",))  # noqa: E711
    tag("email", np.where(email != None, "email_" + choice, ""), ("", "email_work", "email_none"))  # noqa: E711
    # account, title, department
    account = accounts["id"][p["account"]].copy()
    missing = rng.random(n) < np.where(is_dup, ACCOUNT_MISSING[1], ACCOUNT_MISSING[0])
    account[missing] = None
    tag("account", np.where(missing, "missing", ""), ("",))
    tk = choose(rng, TITLE_MESS, n)
    title = np.where(tk == "same", p["title"], np.where(tk == "changed", lookup(TITLES, rng.integers(0, len(TITLES), size=n)),
                                                         None))
    dk = choose(rng, DEPARTMENT_MESS, n)
    department = np.where(dk == "same", p["department"], None)
    cols = {"name": name, "mobile": mobile, "phone": phone, "email": email, "account_id": account, "title": title,
            "department": department}
    return cols, np.asarray([";".join(t) for t in tags], dtype=object)


def _romanised(rng: np.random.Generator, surname: str, given: str) -> str:
    """Zhang Wei, ZHANG Wei, Wei Zhang, zhang wei, Zhangwei, Zhang Xiao Ming: pinyin as people write it."""
    joined = given.replace(" ", "")
    style = rng.integers(0, 6)
    if style == 0:
        return f"{surname.capitalize()} {joined.capitalize()}"
    if style == 1:
        return f"{surname.upper()} {joined.capitalize()}"
    if style == 2:
        return f"{joined.capitalize()} {surname.capitalize()}"
    if style == 3:
        return f"{surname} {joined}"
    if style == 4:
        return (surname + joined).capitalize()
    return " ".join(s.capitalize() for s in [surname, *given.split(" ")])
