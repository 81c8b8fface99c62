"""The real companies behind the records: one row per entity, clean, with unique registered names.

Some entities are hard negatives on purpose: a company with the same trade name in another city,
one with the same trade name in another industry, and branches (分公司) of a head office. They
are separate legal entities with their own credit codes; `relation` and `related` say which
entity each one was derived from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmtool.synth import vocab
from crmtool.synth.arrays import NUM, choose, digits, lookup
from crmtool.synth.codes import build_codes, random_org_bodies
from crmtool.synth.regions import load_regions

NEGATIVE_SHARE = {"same_trade_other_city": 0.06, "same_trade_other_industry": 0.04, "branch": 0.05}
# the hard setting's look-alikes, drawn among the plain entities left (see `_derive_hard_negatives`)
HARD_SHARE = {"neighbour_same_street": 0.08, "neighbour_other_district": 0.06, "short_other_city": 0.06}
_HARD_POOL = 0.02  # the neighbours imitate this share of the plain entities: several neighbours each
_TRADE_LENGTHS = {2: 0.55, 3: 0.30, 4: 0.15}
_LATIN_SHARE = 0.02
_INFIX_SHARE = 0.12  # registered as 华信（北京）科技有限公司 rather than 北京华信科技有限公司
_DAYS = 6400  # created dates spread over 2008-01-01 + 0..6400 days


def make_entities(rng: np.random.Generator, n: int, *, hard: bool = False) -> dict[str, np.ndarray]:
    """n clean entities as equal-length numpy columns; names are unique, hard negatives are marked.

    `hard` adds dense one-edit trade-name neighbourhoods (several companies one character apart in one
    city, on one street or in another district) and same-name companies of other cities whose records
    are mostly written without the region (see `HARD_SHARE`)."""
    regions = load_regions()
    e = _base(rng, n, regions)
    _make_names_unique(rng, e)
    _derive_negatives(rng, e, regions)
    if hard:
        _derive_hard_negatives(rng, e, regions)
    _make_names_unique(rng, e)
    e["name"] = compose(name_parts(e), e["infix"])
    _contact_fields(rng, e, regions)
    if hard:
        _same_street(rng, e)
    return e


def _base(rng: np.random.Generator, n: int, regions) -> dict[str, np.ndarray]:
    region = rng.integers(0, len(regions), size=n)
    forms = vocab.ORG_FORMS
    form = rng.choice(len(forms), size=n, p=_normalised([f[1] for f in forms]))
    coop = lookup([f[0] for f in forms], form) == vocab.COOPERATIVE
    industry = np.where(
        coop,
        lookup(vocab.AGRI_INDUSTRIES, rng.integers(0, len(vocab.AGRI_INDUSTRIES), size=n)),
        lookup(vocab.INDUSTRIES, rng.integers(0, len(vocab.INDUSTRIES), size=n)),
    )
    e: dict[str, np.ndarray] = {
        "region": region,
        "name_region": region.copy(),
        "form": form,
        "industry": industry,
        "infix": rng.random(n) < _INFIX_SHARE,
        "relation": np.full(n, "", dtype=object),
        "related": np.full(n, -1),
        "branch_region": np.full(n, -1),
    }
    e["trade"], e["trade_pinyin"], e["trade_typo"] = _trades(rng, n)
    return e


def _trades(rng: np.random.Generator, n: int, lengths: dict[int, float] | None = None):
    """Trade names (2-4 pool characters, a few with Latin letters/digits), their pinyin, and a one-typo variant."""
    chars = [c for c, _ in vocab.TRADE_CHARS]
    pinyin = [p for _, p in vocab.TRADE_CHARS]
    opts = lengths or _TRADE_LENGTHS
    length = rng.choice(list(opts), size=n, p=_normalised(list(opts.values())))
    idx = rng.integers(0, len(chars), size=(n, 4))
    typo_pos = (rng.random(n) * length).astype(int)
    typo_idx = idx.copy()
    typo_idx[np.arange(n), typo_pos] = (idx[np.arange(n), typo_pos] + rng.integers(1, len(chars), size=n)) % len(chars)
    trade = np.full(n, "", dtype=object)
    typo = np.full(n, "", dtype=object)
    py = np.full(n, "", dtype=object)
    for j in range(4):
        used = length > j
        trade = trade + np.where(used, lookup(chars, idx[:, j]), "")
        typo = typo + np.where(used, lookup(chars, typo_idx[:, j]), "")
        py = py + np.where(used, lookup(pinyin, idx[:, j]), "")
    latin = rng.random(n) < (_LATIN_SHARE if lengths is None else 0)
    pick = rng.integers(0, len(vocab.LATIN_TRADES), size=n)
    trade = np.where(latin, lookup([t for t, _ in vocab.LATIN_TRADES], pick), trade)
    py = np.where(latin, lookup([p for _, p in vocab.LATIN_TRADES], pick), py)
    typo[latin] = [_latin_typo(t) for t in trade[latin]]
    return trade, py, typo


def _latin_typo(trade: str) -> str:
    """易U -> 易u; 优品365 -> 优品366 (a trade name without letters gets its last digit changed)."""
    if trade.lower() != trade:
        return trade.lower()
    last = max(i for i, c in enumerate(trade) if c.isdigit())
    return trade[:last] + str((int(trade[last]) + 1) % 10) + trade[last + 1:]


def _derive_negatives(rng: np.random.Generator, e: dict[str, np.ndarray], regions) -> None:
    """Turn some entities into look-alikes of others (never of another look-alike)."""
    n = len(e["region"])
    kind = choose(rng, {"": 1 - sum(NEGATIVE_SHARE.values()), **NEGATIVE_SHARE}, n)
    base = np.flatnonzero(kind == "")
    if len(base) == 0:
        return
    cities = np.array([r.city for r in regions], dtype=object)
    for name in NEGATIVE_SHARE:
        who = np.flatnonzero(kind == name)
        src = base[rng.integers(0, len(base), size=len(who))]
        if name == "branch":
            src = src[_is_company(e["form"][src])] if len(src) else src
            who = who[: len(src)]
        for col in ("trade", "trade_pinyin", "trade_typo", "form", "infix"):
            e[col][who] = e[col][src]
        if name == "same_trade_other_industry":
            e["region"][who] = e["region"][src]
            e["industry"][who] = _other_industry(rng, e["industry"][src])
        else:
            e["industry"][who] = e["industry"][src]
            e["region"][who] = _other_city(rng, e["region"][src], cities)
        if name == "branch":
            e["name_region"][who] = e["name_region"][src]
            e["branch_region"][who] = e["region"][who]
        else:
            e["name_region"][who] = e["region"][who]
        e["relation"][who] = name
        e["related"][who] = src


def _derive_hard_negatives(rng: np.random.Generator, e: dict[str, np.ndarray], regions) -> None:
    """Turn some plain entities into the hard setting's look-alikes of a small pool of others.

    Neighbours take the pool entity's trade name with one character changed, its industry, form and
    city: on its street (`_same_street` gives them another house number) or in another district.
    short_other_city is same_trade_other_city whose records mostly drop the region (records.py)."""
    plain = np.flatnonzero(e["relation"] == "")
    kind = choose(rng, {"": 1 - sum(HARD_SHARE.values()), **HARD_SHARE}, len(plain))
    base = plain[kind == ""]
    if len(base) == 0:
        return
    pool = rng.choice(base, size=max(1, round(len(base) * _HARD_POOL)), replace=False)
    cities = np.array([r.city for r in regions], dtype=object)
    for name in HARD_SHARE:
        who = plain[kind == name]
        src = pool[rng.integers(0, len(pool), size=len(who))] if name != "short_other_city" else \
            base[rng.integers(0, len(base), size=len(who))]
        for col in ("trade", "trade_pinyin", "trade_typo", "form", "infix", "industry"):
            e[col][who] = e[col][src]
        if name == "short_other_city":
            e["region"][who] = _other_city(rng, e["region"][src], cities)
        else:
            e["trade"][who] = _substitute(rng, e["trade"][src])
            e["trade_typo"][who] = _substitute(rng, e["trade"][who], avoid=e["trade"][src])
            e["region"][who] = e["region"][src] if name == "neighbour_same_street" else \
                _other_district(rng, e["region"][src], regions)
        e["name_region"][who] = e["region"][who]
        e["relation"][who] = name
        e["related"][who] = src


def _substitute(rng: np.random.Generator, trades: np.ndarray, avoid: np.ndarray | None = None) -> np.ndarray:
    """Each trade name with one character replaced by another pool character (never giving `avoid`)."""
    chars = [c for c, _ in vocab.TRADE_CHARS]
    out = np.empty(len(trades), dtype=object)
    pos = rng.random(len(trades))
    pick = rng.integers(0, len(chars), size=(len(trades), 2))
    for i, trade in enumerate(trades.tolist()):
        j = int(pos[i] * len(trade))
        options = [chars[k] for k in pick[i] if chars[k] != trade[j]] or [c for c in chars if c != trade[j]][:1]
        out[i] = trade[:j] + options[0] + trade[j + 1:]
        if avoid is not None and out[i] == avoid[i]:
            out[i] = trade[:j] + next(c for c in chars if c not in (trade[j], avoid[i][j])) + trade[j + 1:]
    return out


def _other_district(rng: np.random.Generator, region: np.ndarray, regions) -> np.ndarray:
    """Another district of the same city where the region table has one, else the same region."""
    cities = [r.city for r in regions]
    same_city = [[j for j, c in enumerate(cities) if c == cities[i] and j != i and regions[j].district]
                 for i in range(len(regions))]
    draw = rng.random(len(region))
    return np.array([same_city[r][int(d * len(same_city[r]))] if same_city[r] else r
                     for r, d in zip(region.tolist(), draw)], dtype=region.dtype)


def _same_street(rng: np.random.Generator, e: dict[str, np.ndarray]) -> None:
    """Street neighbours get their model's address with another house number."""
    import re

    who = np.flatnonzero(e["relation"] == "neighbour_same_street")
    src = e["related"][who]
    number = rng.integers(1, 1000, size=len(who))
    for i, s, k in zip(who.tolist(), src.tolist(), number.tolist()):
        model = e["address"][s]
        old = re.search(r"(\d+)号", model)
        k = k if str(k) != old.group(1) else k + 1
        e["address"][i] = model[:old.start()] + f"{k}号" + model[old.end():]


def _is_company(form: np.ndarray) -> np.ndarray:
    """Only companies (公司) have branches here."""
    return lookup([f[0].endswith("公司") for f in vocab.ORG_FORMS], form).astype(bool)


def _other_industry(rng: np.random.Generator, industry: np.ndarray) -> np.ndarray:
    pool = np.asarray(vocab.INDUSTRIES + vocab.AGRI_INDUSTRIES, dtype=object)
    agri = np.isin(industry, vocab.AGRI_INDUSTRIES)
    lo, hi = np.where(agri, len(vocab.INDUSTRIES), 0), np.where(agri, len(pool), len(vocab.INDUSTRIES))
    out = industry.copy()
    todo = np.ones(len(industry), dtype=bool)
    while todo.any():
        out[todo] = pool[rng.integers(lo[todo], hi[todo])]
        todo = out == industry
    return out


def _other_city(rng: np.random.Generator, region: np.ndarray, cities: np.ndarray) -> np.ndarray:
    out = region.copy()
    todo = np.ones(len(region), dtype=bool)
    while todo.any():
        out[todo] = rng.integers(0, len(cities), size=int(todo.sum()))
        todo = cities[out] == cities[region]
    return out


def name_parts(e: dict[str, np.ndarray] | pd.DataFrame) -> dict[str, np.ndarray]:
    """The pieces a company name is made of, per entity."""
    regions = load_regions()
    short = np.array([r.city_short for r in regions], dtype=object)
    forms = [f[0] for f in vocab.ORG_FORMS]
    branch_region = np.asarray(e["branch_region"])
    suffix = np.where(branch_region >= 0, short[np.maximum(branch_region, 0)] + vocab.BRANCH_SUFFIX, "")
    return {
        "city": short[np.asarray(e["name_region"])],
        "trade": np.asarray(e["trade"], dtype=object),
        "industry": np.asarray(e["industry"], dtype=object),
        "form": lookup(forms, np.asarray(e["form"])),
        "form_alt": lookup([f[3] for f in vocab.ORG_FORMS], np.asarray(e["form"])),
        "suffix": suffix.astype(object),
    }


def compose(p: dict[str, np.ndarray], infix: np.ndarray, trade: np.ndarray | None = None,
            form: np.ndarray | None = None, open_: str = "（", close: str = "）") -> np.ndarray:
    """City-prefix or bracketed-infix names from parts (trade and form may be swapped for variants)."""
    trade = p["trade"] if trade is None else trade
    form = p["form"] if form is None else form
    prefixed = p["city"] + trade + p["industry"] + form + p["suffix"]
    bracketed = trade + open_ + p["city"] + close + p["industry"] + form + p["suffix"]
    return np.where(infix, bracketed, prefixed)


def _make_names_unique(rng: np.random.Generator, e: dict[str, np.ndarray]) -> None:
    """Registered names are unique; colliding entities get a fresh 4-character trade name and lose any relation.

    Two names count as the same when they differ only in org form or in where the city is written
    (北京华信科技有限公司, 华信（北京）科技有限责任公司): a registry would not admit both. Look-alikes
    yield to plain entities (those sort first), so that an entity others were derived from keeps its name.
    """
    city = _city_ids()
    order = np.argsort(e["relation"] != "", kind="stable")
    industry_code = pd.factorize(e["industry"])[0]
    for _ in range(50):
        trade_code = pd.factorize(e["trade"])[0].astype(np.int64)
        key = ((trade_code * 128 + city[e["name_region"]]) * 64 + industry_code) * 128 + city[e["branch_region"]] + 1
        clash = pd.Series(key[order]).duplicated().to_numpy()
        if not clash.any():
            return
        who = order[clash]
        trade, py, typo = _trades(rng, len(who), lengths={4: 1.0})
        e["trade"][who], e["trade_pinyin"][who], e["trade_typo"][who] = trade, py, typo
        e["relation"][who], e["related"][who], e["branch_region"][who] = "", -1, -1
        e["name_region"][who] = e["region"][who]
    raise RuntimeError("could not make entity names unique")  # pragma: no cover - 50 rounds never fail in practice


def _city_ids() -> np.ndarray:
    """A city number per region row (districts of one city share it); index -1 (no branch) maps to -1."""
    cities = [r.city for r in load_regions()]
    ids = pd.factorize(np.asarray(cities, dtype=object))[0]
    return np.append(ids, -1)


def _contact_fields(rng: np.random.Generator, e: dict[str, np.ndarray], regions) -> None:
    n = len(e["region"])
    region = e["region"]
    division = np.array([[int(d) for d in r.division_code] for r in regions])[region]
    org_type = np.array([int(f[2]) for f in vocab.ORG_FORMS])[e["form"]]
    e["credit_code"] = build_codes("9", org_type, division, random_org_bodies(rng, n))
    e["mobile"] = lookup(vocab.MOBILE_PREFIXES, rng.integers(0, len(vocab.MOBILE_PREFIXES), size=n)) + digits(
        rng, n, 4
    ) + digits(rng, n, 4)
    e["area_code"] = np.array([r.area_code for r in regions], dtype=object)[region]
    seven = np.array([r.local_digits == 7 for r in regions])[region]
    eight = rng.integers(2000, 9000, size=n)
    eight = np.where((eight >= 8000) & (eight < 8010), eight + 10, eight)  # 800x is not a local number (800 service)
    head = np.where(seven, NUM[rng.integers(200, 900, size=n)], NUM[eight])
    e["local"] = head + digits(rng, n, 4)
    e["address"] = _addresses(rng, n, regions, region)
    e["contact"], e["contact_pinyin"] = person_names(rng, n)
    e["email"] = _emails(rng, e)
    e["created_day"] = rng.integers(0, _DAYS, size=n)


def _addresses(rng: np.random.Generator, n: int, regions, region: np.ndarray) -> np.ndarray:
    prefix = np.array([r.address_prefix for r in regions], dtype=object)[region]
    road = lookup(vocab.ROADS, rng.integers(0, len(vocab.ROADS), size=n))
    number = NUM[rng.integers(1, 1000, size=n)] + "号"
    building = lookup(vocab.BUILDINGS, rng.integers(0, len(vocab.BUILDINGS), size=n))
    room = NUM[rng.integers(1, 30, size=n)] + np.where(rng.random(n) < 0.5, "层", "0" + NUM[rng.integers(1, 10, size=n)] + "室")
    tail = np.where(rng.random(n) < 0.5, building + room, "")
    return prefix + road + number + tail


def person_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Chinese person names (surname + 1-2 given characters) and their pinyin."""
    s = rng.integers(0, len(vocab.SURNAMES), size=n)
    g1 = rng.integers(0, len(vocab.GIVEN_CHARS), size=n)
    g2 = rng.integers(0, len(vocab.GIVEN_CHARS), size=n)
    two = rng.random(n) < 0.6
    sur, sur_py = lookup([a for a, _ in vocab.SURNAMES], s), lookup([b for _, b in vocab.SURNAMES], s)
    gc = [a for a, _ in vocab.GIVEN_CHARS]
    gp = [b for _, b in vocab.GIVEN_CHARS]
    name = sur + lookup(gc, g1) + np.where(two, lookup(gc, g2), "")
    pinyin = sur_py + lookup(gp, g1) + np.where(two, lookup(gp, g2), "")
    return name, pinyin


def _emails(rng: np.random.Generator, e: dict[str, np.ndarray]) -> np.ndarray:
    n = len(e["region"])
    kind = choose(rng, {"personal": 0.4, "qq": 0.2, "company": 0.4}, n)
    free = lookup(vocab.FREE_MAIL, rng.integers(0, len(vocab.FREE_MAIL), size=n))
    year = np.where(rng.random(n) < 0.4, NUM[rng.integers(60, 100, size=n)], "")
    personal = e["contact_pinyin"] + year + "@" + free
    qq = NUM[rng.integers(1000, 10000, size=n)] + digits(rng, n, 4) + NUM[rng.integers(0, 100, size=n)] + "@qq.com"
    ind = np.array([vocab.INDUSTRY_PINYIN[i] for i in vocab.INDUSTRIES + vocab.AGRI_INDUSTRIES], dtype=object)
    ind_index = {w: i for i, w in enumerate(vocab.INDUSTRIES + vocab.AGRI_INDUSTRIES)}
    ind_py = ind[pd.Series(e["industry"]).map(ind_index).to_numpy(dtype=int)]
    tld = lookup((".com", ".com.cn", ".cn", ".net"), rng.integers(0, 4, size=n))
    domain = np.where(rng.random(n) < 0.5, e["trade_pinyin"] + tld, e["trade_pinyin"] + "-" + ind_py + ".com")
    box = lookup(("sales", "info", "service", "hr", "admin"), rng.integers(0, 5, size=n))
    company = np.where(rng.random(n) < 0.5, e["contact_pinyin"], box) + "@" + domain
    return np.select([kind == "personal", kind == "qq"], [personal, qq], company)


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()
