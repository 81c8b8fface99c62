"""Records as a CRM export holds them: every entity once, some of them several times, all messy.

Each field is built for all records at once; the kind of mess is drawn per record (first records
get a little, copies get a lot) and noted in the truth's `mess` column as `field:kind` tags.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from crmtool.synth import vocab
from crmtool.synth.arrays import (
    FULLWIDTH,
    NUM,
    PAD2,
    apply,
    choose,
    choose_by_role,
    lookup,
    translate,
)
from crmtool.synth.codes import mistype_codes, ocr_confuse, spaced
from crmtool.synth.entities import compose, name_parts, person_names
from crmtool.synth.regions import load_regions

TRADITIONAL_TABLE = str.maketrans(vocab.TRADITIONAL)

NAME_VARIANTS = ({"as_registered": 0.93, "spaces": 0.04, "form_changed": 0.03},
                 {"as_registered": 0.22, "region_moved": 0.16, "form_dropped": 0.12, "form_changed": 0.12,
                  "short": 0.10, "typo": 0.14, "spaces": 0.06, "halfwidth_brackets": 0.08})
NAME_SCRIPT = ({"": 0.97, "traditional": 0.02, "fullwidth": 0.01}, {"": 0.80, "traditional": 0.12, "fullwidth": 0.08})
CODE_MESS = ({"clean": 0.84, "missing": 0.08, "typo": 0.02, "lower": 0.02, "spaced": 0.025, "ocr": 0.01, "fullwidth": 0.005},
             {"clean": 0.45, "missing": 0.25, "typo": 0.08, "lower": 0.06, "spaced": 0.08, "ocr": 0.05, "fullwidth": 0.03})
PHONE_MISSING = (0.05, 0.15)
MOBILE_FORMATS = {"plain": 0.40, "spaced": 0.10, "dashed": 0.08, "plus86_spaced": 0.08, "86_dash": 0.05,
                  "plus86": 0.05, "float": 0.12, "fullwidth": 0.04, "wechat": 0.03, "two_numbers": 0.05}
LANDLINE_FORMATS = {"dashed": 0.40, "brackets": 0.12, "fullwidth_brackets": 0.06, "extension": 0.10,
                    "spaced": 0.08, "local_only": 0.10, "plus86": 0.06, "run_together": 0.08}
CONTACT_MESS = ({"same": 0.87, "title": 0.06, "missing": 0.05, "spaced": 0.02},
                {"same": 0.50, "other_person": 0.22, "title": 0.10, "missing": 0.15, "spaced": 0.03})
EMAIL_MESS = ({"clean": 0.80, "missing": 0.10, "domain_typo": 0.05, "upper": 0.02, "spaces": 0.02, "no_at": 0.01},
              {"clean": 0.55, "missing": 0.30, "domain_typo": 0.07, "upper": 0.03, "spaces": 0.03, "no_at": 0.02})
ADDRESS_MESS = ({"full": 0.82, "no_province": 0.08, "missing": 0.05, "fullwidth_digits": 0.03, "newline": 0.02},
                {"full": 0.50, "no_province": 0.20, "missing": 0.20, "fullwidth_digits": 0.05, "newline": 0.05})
DATE_FORMATS = {"iso": 0.30, "slash": 0.20, "chinese": 0.10, "compact": 0.10, "dotted": 0.08, "datetime": 0.08,
                "slash_padded": 0.06, "excel_serial": 0.03, "missing": 0.05}
AMOUNT_FORMATS = {"plain": 0.40, "integer": 0.15, "thousands": 0.12, "yuan_sign": 0.05, "wan": 0.05,
                  "yuan_suffix": 0.05, "missing": 0.18}
_EPOCH = np.datetime64("2008-01-01")
_EXCEL_EPOCH = np.datetime64("1899-12-30")


class Mess:
    """Collects, per field, the kind of mess each record got; joined into `field:kind;...` tags at the end."""

    def __init__(self, n: int):
        self.n = n
        self.fields: list = []

    def add(self, field: str, kinds: np.ndarray, quiet: tuple[str, ...] = ("",)) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        kinds = pa.array(kinds, type=pa.string())
        tags = pc.binary_join_element_wise(field + ":", kinds, ";", "")
        self.fields.append(pc.if_else(pc.is_in(kinds, pa.array(list(quiet))), "", tags))

    def result(self) -> np.ndarray:
        import pyarrow.compute as pc

        if not self.fields:
            return np.full(self.n, "", dtype=object)
        # (null_handling="skip" would be simpler, but loses rows that are null in every field in pyarrow 26)
        joined = pc.utf8_rtrim(pc.binary_join_element_wise(*self.fields, ""), characters=";")
        return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def by_kind(kind: np.ndarray, default: np.ndarray, builders: dict) -> np.ndarray:
    """`default`, with the rows of each kind replaced by what its builder makes from their indices.

    Builders see only their own rows, so a format used by 5% of the records costs 5% of the work.
    """
    out = default.copy()
    for label, build in builders.items():
        idx = np.flatnonzero(kind == label)
        if len(idx):
            out[idx] = build(idx)
    return out


SHORT_OTHER_CITY_SHORT = 0.6  # hard setting: records of a same-name company of another city written without the region


def make_records(rng: np.random.Generator, e: dict[str, np.ndarray], entity: np.ndarray, is_dup: np.ndarray,
                 *, hard: bool = False):
    """Record columns (dict of object arrays, None = empty) and the mess tags, one per record.

    `hard`: most records of a short_other_city entity carry the short name (华信科技有限公司 for
    上海华信科技有限公司) with an address, which is then what says the company is in 上海."""
    n = len(entity)
    mess = Mess(n)
    short = np.zeros(n, dtype=bool)
    if hard:
        short = (e["relation"][entity] == "short_other_city") & (rng.random(n) < SHORT_OTHER_CITY_SHORT)
    cols = {
        "name": _names(rng, e, entity, is_dup, mess, short),
        "credit_code": _codes(rng, e["credit_code"][entity], is_dup, mess),
        "phone": _phones(rng, e, entity, is_dup, mess),
        "address": _addresses(rng, e["address"][entity], e["region"][entity], is_dup, mess, short),
        "contact": _contacts(rng, e["contact"][entity], is_dup, mess),
        "email": _emails(rng, e["email"][entity], is_dup, mess),
        "created": _dates(rng, e["created_day"][entity], is_dup, mess),
        "amount": _amounts(rng, n, mess),
    }
    return cols, mess.result()


def _names(rng, e, entity, is_dup, mess: Mess, short: np.ndarray) -> np.ndarray:
    parts = {k: v[entity] for k, v in name_parts(e).items()}
    infix = e["infix"][entity]
    kind = choose_by_role(rng, is_dup, *NAME_VARIANTS)
    kind[short] = "short"

    def sub(i: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v[i] for k, v in parts.items()}

    registered = e["name"][entity]
    name = by_kind(kind, registered, {
        "region_moved": lambda i: compose(sub(i), ~infix[i]),
        "form_dropped": lambda i: compose(sub(i), infix[i], form=np.full(len(i), "", dtype=object)),
        "form_changed": lambda i: compose(sub(i), infix[i], form=parts["form_alt"][i]),
        "short": lambda i: parts["trade"][i] + parts["industry"][i] + parts["suffix"][i],
        "typo": lambda i: compose(sub(i), infix[i], trade=e["trade_typo"][entity[i]]),
        "spaces": lambda i: compose(sub(i), infix[i], trade=parts["trade"][i] + " ") + " ",
        "halfwidth_brackets": lambda i: compose(sub(i), np.ones(len(i), dtype=bool), open_="(", close=")"),
    })
    mess.add("name", kind, quiet=("as_registered",))
    script = choose_by_role(rng, is_dup, *NAME_SCRIPT)
    before = name
    name = apply(name, script == "traditional", lambda v: translate(v, TRADITIONAL_TABLE))
    name = apply(name, script == "fullwidth", lambda v: translate(v, FULLWIDTH))
    # A script change that changed nothing (no ASCII to widen, no simplified character in the table) is no mess.
    changed = script != ""
    changed[changed] = name[changed] != before[changed]
    mess.add("name", np.where(changed, script, ""))
    return name


def _codes(rng, codes: np.ndarray, is_dup, mess: Mess) -> np.ndarray:
    kind = choose_by_role(rng, is_dup, *CODE_MESS)
    has_ocr_target = np.array(["0" in c or "1" in c for c in codes], dtype=bool) if len(codes) else np.zeros(0, bool)
    kind = np.where((kind == "ocr") & ~has_ocr_target, "clean", kind)
    out = codes.copy()
    out = apply(out, kind == "typo", lambda v: mistype_codes(rng, v))
    out = apply(out, kind == "lower", lambda v: np.array([c.lower() for c in v], dtype=object))
    out = apply(out, kind == "spaced", lambda v: spaced(v, rng))
    out = apply(out, kind == "ocr", ocr_confuse)
    out = apply(out, kind == "fullwidth", lambda v: translate(v, FULLWIDTH))
    out[kind == "missing"] = None
    # A lower-cased code of digits only is unchanged; call it clean.
    kind = np.where((kind == "lower") & (out == codes), "clean", kind)
    mess.add("credit_code", kind, quiet=("clean",))
    return out


def _phones(rng, e, entity, is_dup, mess: Mess) -> np.ndarray:
    n = len(entity)
    mobile = e["mobile"][entity]
    area, local = e["area_code"][entity], e["local"][entity]
    use_mobile = rng.random(n) < 0.6
    kind = np.where(use_mobile, "mobile_" + choose(rng, MOBILE_FORMATS, n), "landline_" + choose(rng, LANDLINE_FORMATS, n))
    missing = rng.random(n) < np.where(is_dup, PHONE_MISSING[1], PHONE_MISSING[0])
    kind[missing] = "missing"
    out = np.where(use_mobile, mobile, area + "-" + local)
    out = by_kind(kind, out, {**_mobile_formats(rng, mobile, area, local), **_landline_formats(rng, area, local)})
    out[missing] = None
    mess.add("phone", kind, quiet=("mobile_plain", "landline_dashed"))
    return out


def _mobile_formats(rng, m: np.ndarray, area: np.ndarray, local: np.ndarray) -> dict:
    def grouped(i: np.ndarray, sep: str, head: str = "") -> np.ndarray:
        a, b, c = _split(m[i], (0, 3, 7, 11))
        return head + a + sep + b + sep + c

    def two(i: np.ndarray) -> np.ndarray:
        return m[i] + np.where(rng.random(len(i)) < 0.5, "/", "；") + area[i] + "-" + local[i]

    return {
        "mobile_spaced": lambda i: grouped(i, " "),
        "mobile_dashed": lambda i: grouped(i, "-"),
        "mobile_plus86_spaced": lambda i: grouped(i, " ", "+86 "),
        "mobile_86_dash": lambda i: "86-" + m[i],
        "mobile_plus86": lambda i: "+86" + m[i],
        "mobile_float": lambda i: m[i] + ".0",
        "mobile_fullwidth": lambda i: translate(m[i], FULLWIDTH),
        "mobile_wechat": lambda i: m[i] + "（微信同号）",
        "mobile_two_numbers": two,
    }


def _landline_formats(rng, area: np.ndarray, local: np.ndarray) -> dict:
    def ext(i: np.ndarray) -> np.ndarray:
        sep = lookup(("转", "-", " ext.", "转分机"), rng.integers(0, 4, size=len(i)))
        return area[i] + "-" + local[i] + sep + NUM[rng.integers(100, 999, size=len(i))]

    def spaced(i: np.ndarray) -> np.ndarray:
        return area[i] + " " + np.array([f"{x[:-4]} {x[-4:]}" for x in local[i]], dtype=object)

    return {
        "landline_brackets": lambda i: "(" + area[i] + ")" + local[i],
        "landline_fullwidth_brackets": lambda i: "（" + area[i] + "）" + local[i],
        "landline_extension": ext,
        "landline_spaced": spaced,
        "landline_local_only": lambda i: local[i],
        "landline_plus86": lambda i: "+86-" + np.array([a[1:] for a in area[i]], dtype=object) + "-" + local[i],
        "landline_run_together": lambda i: area[i] + local[i],
    }


def _split(values: np.ndarray, bounds: tuple[int, ...]) -> list[np.ndarray]:
    """Fixed-width strings cut at the given positions (vectorised through a character matrix)."""
    width = bounds[-1]
    chars = np.asarray(values, dtype=f"<U{width}").view("<U1").reshape(len(values), width)
    return [np.ascontiguousarray(chars[:, a:b]).view(f"<U{b - a}").ravel().astype(object)
            for a, b in pairwise(bounds)]


def _addresses(rng, address: np.ndarray, region: np.ndarray, is_dup, mess: Mess, present: np.ndarray) -> np.ndarray:
    kind = choose_by_role(rng, is_dup, *ADDRESS_MESS)
    kind[present & (kind == "missing")] = "full"
    regions = load_regions()
    prefix_len = np.array([len(r.address_prefix) for r in regions])[region]
    head_len = np.array([len(r.address_prefix) - len(r.district) for r in regions])[region]
    out = address.copy()
    cut = kind == "no_province"
    out[cut] = [a[k:] for a, k in zip(address[cut], head_len[cut])]
    split = kind == "newline"
    out[split] = [a[:k] + "\n" + a[k:] for a, k in zip(address[split], prefix_len[split])]
    digits_only = {i: i + 0xFEE0 for i in range(0x30, 0x3A)}
    out = apply(out, kind == "fullwidth_digits", lambda v: translate(v, digits_only))
    out[kind == "missing"] = None
    mess.add("address", kind, quiet=("full",))
    return out


def _contacts(rng, contact: np.ndarray, is_dup, mess: Mess) -> np.ndarray:
    kind = choose_by_role(rng, is_dup, *CONTACT_MESS)
    n = len(contact)
    other, _ = person_names(rng, n)
    title = lookup(vocab.CONTACT_TITLES, rng.integers(0, len(vocab.CONTACT_TITLES), size=n))
    out = contact.copy()
    out[kind == "other_person"] = other[kind == "other_person"]
    out[kind == "title"] = (contact + title)[kind == "title"]
    sp = kind == "spaced"
    out[sp] = [c[0] + " " + c[1:] for c in contact[sp]]
    out[kind == "missing"] = None
    mess.add("contact", kind, quiet=("same",))
    return out


def _emails(rng, email: np.ndarray, is_dup, mess: Mess) -> np.ndarray:
    kind = choose_by_role(rng, is_dup, *EMAIL_MESS)
    out = email.copy()

    def typo(values: np.ndarray) -> list[str]:
        result = []
        for v in values:
            local, _, domain = v.partition("@")
            result.append(local + "@" + vocab.MAIL_TYPOS.get(domain, domain.replace(".com", ".con")))
        return result

    out = apply(out, kind == "domain_typo", typo)
    out = apply(out, kind == "upper", lambda v: [x.upper() for x in v])
    out = apply(out, kind == "spaces", lambda v: [" " + x.replace("@", " @") + " " for x in v])
    out = apply(out, kind == "no_at", lambda v: [x.replace("@", "#" if len(x) % 2 else "") for x in v])
    out[kind == "missing"] = None
    mess.add("email", kind, quiet=("clean",))
    return out


def _dates(rng, day: np.ndarray, is_dup, mess: Mess) -> np.ndarray:
    n = len(day)
    later = is_dup & (rng.random(n) < 0.4)
    day = day + np.where(later, rng.integers(1, 900, size=n), 0)
    dates = _EPOCH + day.astype("timedelta64[D]")
    months = dates.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(int) + 1970
    m = months.astype(int) % 12 + 1
    d = (dates - months).astype(int) + 1
    ys, ms, ds, mp, dp = NUM[y], NUM[m], NUM[d], PAD2[m], PAD2[d]
    kind = choose(rng, DATE_FORMATS, n)

    def stamp(i: np.ndarray) -> np.ndarray:
        hms = PAD2[rng.integers(8, 19, size=len(i))] + ":" + PAD2[rng.integers(0, 60, size=len(i))] + ":" + PAD2[
            rng.integers(0, 60, size=len(i))]
        return ys[i] + "-" + mp[i] + "-" + dp[i] + " " + hms

    out = by_kind(kind, np.full(n, None, dtype=object), {
        "iso": lambda i: ys[i] + "-" + mp[i] + "-" + dp[i],
        "slash": lambda i: ys[i] + "/" + ms[i] + "/" + ds[i],
        "chinese": lambda i: ys[i] + "年" + ms[i] + "月" + ds[i] + "日",
        "compact": lambda i: ys[i] + mp[i] + dp[i],
        "dotted": lambda i: ys[i] + "." + mp[i] + "." + dp[i],
        "datetime": stamp,
        "slash_padded": lambda i: ys[i] + "/" + mp[i] + "/" + dp[i],
        "excel_serial": lambda i: (dates[i] - _EXCEL_EPOCH).astype(int).astype(str).astype(object),
    })
    mess.add("created", kind, quiet=("iso",))
    return out


def _amounts(rng, n: int, mess: Mess) -> np.ndarray:
    cents = np.round(rng.lognormal(mean=11.0, sigma=1.2, size=n) * 100).astype(np.int64)
    kind = choose(rng, AMOUNT_FORMATS, n)

    def plain(i: np.ndarray) -> np.ndarray:
        return (cents[i] // 100).astype(str).astype(object) + "." + PAD2[cents[i] % 100]

    out = by_kind(kind, np.full(n, None, dtype=object), {
        "plain": plain,
        "integer": lambda i: (cents[i] // 10_000 * 100).astype(str).astype(object),
        "thousands": lambda i: [f"{c / 100:,.2f}" for c in cents[i]],
        "yuan_sign": lambda i: [f"¥{c / 100:,.2f}" for c in cents[i]],
        "wan": lambda i: [f"{c / 1_000_000:.2f}万" for c in cents[i]],
        "yuan_suffix": lambda i: plain(i) + "元",
    })
    mess.add("amount", kind, quiet=("plain",))
    return out
