"""Phone numbers for a whole column at once: `settle_phones(values, expected=None) -> rule.Settled`.

Settled here, exactly as `phone.check_phone` (and, for a `mobile` or `landline` column, its type
check) says (tests/cleanse/test_vector_rules.py holds the two to each other): one number per cell,
written in digits, spaces, dashes, brackets and a leading +, in ASCII or full width (NFKC), Excel's
trailing `.0` allowed, that the rule's fast path reads and finds valid:

- the national significant number is what `phone._FAST` leaves, decided without its look-arounds:
  +86 or 0086 or (before an 11-digit mobile) 86 off, then one trunk 0, then 5-12 digits not starting
  0, 11, 12, 179 or 86; every step of that regular expression has one way to succeed, so where these
  steps succeed it gives the same number, and where they do not the value goes to the check;
- the type is libphonenumber's Chinese number plan, the same patterns and possible lengths that
  `phone._national_type` tries, in its order, run by RE2 (libphonenumber's patterns are written for it);
- carrier and region: a mobile's from its segment (号段) as `phone._segment` reads it, with the
  prefix tables of phonenumbers searched column-wise by prefix length, each distinct geocoder
  description read once, and phone.dat's index searched with numpy for the segments phonenumbers
  places only in 中国; other numbers' regions from the same prefix search.

Left to the check: several numbers, extensions, notes, labels, letters, scientific notation, a local
number without its area code, anything invalid on the fast path, and any other character.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmtool.cleanse.columnwise import apply_where, concat, mask, matches, matches_where, nfkc_text, per_key, where
from crmtool.cleanse.phone import (
    _TYPES,
    _UNKNOWN,
    _cn_plan,
    _dat_index,
    _described_region,
    _prefix_tables,
    dat_place,
    dat_record,
)
from crmtool.cleanse.rule import CONTENT, NOTATION, Settled, SettledFinding
from crmtool.issues import Severity

_LEFT = r"ext=|[或和及@OoIl]|^\s*[0-9](?:\.[0-9]+)?[eE]\+?[0-9]{1,2}\s*$"  # phone._SPLIT's look-arounds, e-mails,
# look-alike letters, Excel's scientific display
_LABEL = r"(?i)^(?:电话|手机|座机|固话|tel|mobile|phone|fax|传真)"  # phone._LABEL
_NOTE = r"\s*[(（][^0-9()（）]{1,12}[)）]$"  # phone._NOTE
_EXTENSION = r"(?i)^(?P<bare>.*?)\s*(?:转|分机|;?\s*ext[.=]?|extension|x|#)\s*(?P<ext>[0-9]{1,6})\s*$"  # its search
_DASH_EXTENSION = r"^(?P<bare>0[0-9]{2,3}[- ]?[0-9]{7,8})-(?P<ext>[0-9]{1,5})$"
_SIMPLE = r"^[0-9+() \-]*(?:\.0)?$"
_NATIONAL = r"^[1-9][0-9]{4,11}$"
_NOT_NATIONAL = r"^(?:1[12]|179|86)"
_SAME_DIGITS = pa.array(["", "0", "86", "860", "0086", "00860"], type=pa.large_string())  # by length
_NONE = pa.scalar(None, pa.string())


def settle_phones(values: pa.Array, expected: str | None = None) -> Settled:
    if _prefix_tables() is None:  # phonenumberslite: the check reads carriers and regions its own way
        return Settled(np.zeros(0, np.int64), pa.array([], pa.string()), np.zeros(0, bool), pa.array([], pa.string()))
    plain, text = nfkc_text(values)
    cell, part = _split(text)
    read = _read(part)
    # a cell is settled when every number in it is: valid, or a local number without its area code,
    # at most one of those (the check would keep the last message of several)
    cells = len(plain)
    parts = np.bincount(cell, minlength=cells)
    good_parts = np.bincount(cell, weights=read["good"], minlength=cells).astype(np.int64)
    read["bad"] = read["local"] | read["unread"]
    bad_parts = np.bincount(cell, weights=read["bad"], minlength=cells).astype(np.int64)
    keep = (parts > 0) & (good_parts + bad_parts == parts) & (bad_parts <= 1)
    keep &= ~matches_where(text, _LEFT, ~matches(text, _SIMPLE))
    part_kept = keep[cell]
    cell, read = cell[part_kept], {k: (v[part_kept] if isinstance(v, np.ndarray) else v.filter(pa.array(part_kept)))
                                   for k, v in read.items()}
    renumber = np.cumsum(keep) - 1
    cell = renumber[cell]
    positions, parts, good_parts, bad_parts = plain[keep], parts[keep], good_parts[keep], bad_parts[keep]
    n = len(positions)
    good = read["good"]
    good_cell = cell[good]
    cleans = read["clean"].filter(pa.array(good))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(good_cell, minlength=n))]).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), cleans.cast(pa.string())), "; ")
    first = np.full(n, -1, np.int64)
    with_good, first_at = np.unique(good_cell, return_index=True)
    first[with_good] = np.flatnonzero(good)[first_at]  # each cell's first valid number
    has_good = first >= 0
    pick = pa.array(np.maximum(first, 0))
    attrs = {name: where(has_good, read[name].take(pick), _NONE) for name in
             ("phone_type", "e164", "extension", "carrier", "province", "city", "region_source")}
    attrs["phone_type"] = where(has_good, attrs["phone_type"], "invalid")
    attrs["count"] = where(has_good, pa.array(good_parts.astype(str), pa.string()), _NONE)
    valid = bad_parts == 0
    changed = np.bincount(cell, weights=read["changed"] & good, minlength=n) > 0
    findings = []
    bad = np.flatnonzero(read["bad"])
    why = where(read["local"][bad], concat(read["part"].take(pa.array(bad)),
                                           ": a local number without its area code (区号); add it from the address"),
                concat("not a valid phone number: ", read["part"].take(pa.array(bad))))
    findings.append(SettledFinding("phone.invalid", Severity.ERROR, cell[bad], why.to_pylist(), rank=0))
    several = np.flatnonzero((parts > 1) & has_good)
    findings.append(SettledFinding("phone.multiple", Severity.INFO, several,
                                   [f"{k} numbers in one cell" for k in parts[several].tolist()],
                                   joined.take(pa.array(several)).to_pylist(), rank=1))
    if expected is not None:
        other = np.flatnonzero(valid & ~mask(pc.equal(attrs["phone_type"], expected)))
        findings.append(SettledFinding("phone.type_mismatch", Severity.WARNING, other,
                                       concat("a ", attrs["phone_type"].take(pa.array(other)),
                                              f" number in a {expected} column").to_pylist(), rank=2))
    return Settled(positions, where(valid, joined, _NONE), valid, where(changed, CONTENT, NOTATION), attrs,
                   [f for f in findings if len(f.hits)])


def _split(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """phone.split_numbers column-wise: (the cell of each number, the numbers), in the cells' order."""
    alone = ~matches(text, r"[;,/、| ]")
    if alone.all():
        return np.arange(len(text)), text
    several_at = np.flatnonzero(~alone)
    cell, values = _split_several(text.take(pa.array(several_at)))
    cell = np.concatenate([np.flatnonzero(alone), several_at[cell]])
    values = pa.concat_arrays([text.filter(pa.array(alone)).cast(pa.large_string()), values.cast(pa.large_string())])
    order = np.argsort(cell, kind="stable")
    return cell[order], values.take(pa.array(order))


def _split_several(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    pieces = pc.split_pattern_regex(text, r";|[,/、|]+")
    cell = np.asarray(pc.list_parent_indices(pieces))
    piece = pc.utf8_trim(pc.list_flatten(pieces), " ")
    full = mask(pc.greater(pc.utf8_length(piece), 0))
    cell, piece = cell[full], piece.filter(pa.array(full))
    tokens = pc.split_pattern(piece, " ")
    counts = np.asarray(pc.list_value_length(tokens))
    flat = pc.list_flatten(tokens)
    digits = np.asarray(pc.utf8_length(pc.replace_substring_regex(flat, r"[^0-9]", "")))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    fewest = np.minimum.reduceat(digits, starts) if len(digits) else np.zeros(0, np.int64)
    several = (counts > 1) & (fewest >= 7)  # "13800138000 13900139000": numbers separated by one space
    token_of = np.repeat(np.arange(len(piece)), counts)
    # each piece once, or its tokens where it holds several numbers; pieces in order, tokens in order
    order_piece = np.flatnonzero(~several)
    order_token = np.flatnonzero(several[token_of])
    at = np.concatenate([order_piece, token_of[order_token]])
    sort = np.argsort(at, kind="stable")
    values = pa.concat_arrays([piece.filter(pa.array(~several)).cast(pa.large_string()),
                               flat.take(pa.array(order_token)).cast(pa.large_string())]).take(pa.array(sort))
    return cell[at[sort]], values


def _read(part: pa.Array) -> dict:
    """phone._read_part column-wise: per number, whether it is valid (`good`) or a local number without
    its area code (`local`), what the check makes of it, and whether its digits changed."""
    simple = matches(part, _SIMPLE)  # no label, note or extension word: what most numbers look like
    open_ = ~matches_where(part, _LABEL, ~simple) & ~matches_where(part, _LEFT, ~simple)
    bare = apply_where(part, ~simple | mask(pc.ends_with(part, ")")), lambda t: pc.replace_substring_regex(t, _NOTE, ""))
    ext, has_ext = pa.nulls(len(part), pa.string()), np.zeros(len(part), bool)
    for pattern, only in ((_EXTENSION, ~simple), (_DASH_EXTENSION, simple & _dashes(part))):
        at = np.flatnonzero(only & ~has_ext)
        found = pc.extract_regex(bare.take(pa.array(at)), pattern) if len(at) else None
        if found is None or not mask(pc.is_valid(found)).any():
            continue
        hit = mask(pc.is_valid(found))
        now = np.zeros(len(part), bool)
        now[at[hit]] = True
        found = found.filter(pa.array(hit))
        ext = pc.replace_with_mask(ext, pa.array(now), pc.struct_field(found, "ext").cast(pa.string()))
        bare = pc.replace_with_mask(bare, pa.array(now), pc.struct_field(found, "bare").cast(bare.type))
        has_ext |= now
    digits = pc.replace_substring_regex(bare, r"[ \-()]+|\.0$", "")
    national, open_ = _national(digits, open_)
    kinds = _types(national, open_)
    shaped, open_ = open_, open_ & (kinds != _UNKNOWN)
    kind = pa.array([_TYPES.get(k, "other") for k in range(100)], pa.string()).take(pa.array(np.where(open_, kinds, 0)))
    length = np.asarray(pc.fill_null(pc.utf8_length(national), 0))
    mobile = open_ & mask(pc.equal(kind, "mobile"))
    local = open_ & ~mobile & (length >= 7) & (length < 9) & ~matches(bare, r"^(?:0|\+|86|\(0)")
    good = open_ & ~local
    # no number in any plan: digits that neither the fast path nor phonenumbers' parse reads another way
    # (no prefix, trunk 0, carrier code or extension; phonenumbers strips only those)
    unread = (shaped & (kinds == _UNKNOWN) & matches(bare, r"^[0-9 \-]+$") & matches(digits, r"^[2-9][0-9]{4,11}$")
              & ~mask(pc.is_valid(ext)))
    carrier, province, city, source = _places(where(open_, national, _NONE), mobile)
    e164 = concat("+86", national)
    clean = where(mask(pc.is_valid(ext)), concat(e164, ";ext=", ext), e164)
    written = pc.replace_substring_regex(part, r"\.0$|[^0-9]", "")  # phone._digits
    number = concat(national, pc.fill_null(ext, ""))
    # phone._same_digits: the digits as written are "", 0, 86, 860, 0086 or 00860 before the number's
    extra = np.asarray(pc.fill_null(pc.utf8_length(written), 0)) - np.asarray(pc.fill_null(pc.utf8_length(number), 0))
    allowed = (extra >= 0) & (extra < len(_SAME_DIGITS))
    before = _SAME_DIGITS.take(pa.array(np.where(allowed, extra, 0)))
    same = allowed & mask(pc.equal(written.cast(pa.large_string()), concat(before, number)))
    return {"good": good, "local": local, "unread": unread, "changed": ~same, "part": part, "clean": clean, "phone_type": kind,
            "e164": e164, "extension": ext, "carrier": carrier, "province": province, "city": city,
            "region_source": source}


def _dashes(part: pa.Array) -> np.ndarray:
    """Where a number holds two dashes or more (a dash extension needs them: 010-62345678-801)."""
    return np.asarray(pc.count_substring(part, "-")) >= 2


def _national(digits: pa.Array, keep: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """phone._FAST's national number, where its steps succeed (see the module docstring)."""
    plus86, zero86 = mask(pc.starts_with(digits, "+86")), mask(pc.starts_with(digits, "0086"))
    mobile86 = matches(digits, r"^861[3-9][0-9]{9}$")
    cut = np.where(plus86, 3, np.where(zero86, 4, np.where(mobile86, 2, 0)))
    rest = _slice_from(digits, cut)
    trunk = mask(pc.starts_with(rest, "0"))
    rest = _slice_from(rest, trunk.astype(np.int64))
    keep = keep & matches(rest, _NATIONAL) & ~matches(rest, _NOT_NATIONAL)
    return rest, keep


def _slice_from(values: pa.Array, starts: np.ndarray) -> pa.Array:
    """values[i][starts[i]:] for ASCII strings (a few distinct starts)."""
    out = values
    for start in np.unique(starts).tolist():
        if start:
            out = where(starts == start, pc.utf8_slice_codeunits(values, start), out)
    return out


def _places(national: pa.Array, mobile: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """(carrier, province, city, region source) per number, as `phone.parse_one` finds them: what
    phonenumbers' prefix tables and phone.dat say depends on the first seven digits only, so it is
    worked out once per distinct seven."""
    none = pa.scalar(None, pa.string())
    encoded = pc.dictionary_encode(pc.utf8_slice_codeunits(national, 0, 7))
    keys = encoded.dictionary
    full = concat("86", keys)
    geo, carriers = _prefix_arrays()
    description = pc.coalesce(_longest(full, geo), pa.scalar("中国", pa.string()))
    described = per_key(description, _described_fields, ("found", "province", "city", "source"))
    carrier = _longest(full, carriers)
    dat = _dat_fields(keys)

    def rows(per_key_values: pa.Array) -> pa.Array:
        return per_key_values.take(encoded.indices)

    found = mask(pc.is_valid(rows(described["found"])))
    from_dat = mobile & ~found
    province = where(found, rows(described["province"]), where(from_dat, rows(dat["province"]), none))
    city = where(found, rows(described["city"]), where(from_dat, rows(dat["city"]), none))
    source = where(found, rows(described["source"]), where(from_dat, rows(dat["source"]), none))
    named = rows(carrier)
    carrier = where(mobile, where(mask(pc.greater(pc.utf8_length(named), 0)), named, rows(dat["carrier"])), none)
    return carrier, province, city, source


def _described_fields(description: str) -> tuple:
    found = _described_region(description)
    return ("1", *found) if found is not None else (None, None, None, None)


@cache
def _prefix_arrays():
    """phonenumbers' geocoding and carrier prefixes that start with 86 and have a Chinese name, per
    prefix length: {length: (prefixes, names)}, for `_longest`."""
    tables = _prefix_tables()
    out = []
    for data, _ in tables:
        by_length: dict[int, tuple[list, list]] = {}
        for prefix, names in data.items():
            if prefix.startswith("86") and names.get("zh") is not None:
                keys, values = by_length.setdefault(len(prefix), ([], []))
                keys.append(prefix)
                values.append(names["zh"])
        out.append({n: (pa.array(k, pa.large_string()), pa.array(v, pa.string())) for n, (k, v) in by_length.items()})
    return tuple(out)


def _longest(full: pa.Array, table: dict) -> pa.Array:
    """`phone._prefix_name` column-wise: the name of each value's longest prefix in the table (null
    where there is none; the scalar function answers "")."""
    out = pa.nulls(len(full), pa.string())
    for length in sorted(table):
        keys, names = table[length]
        at = pc.index_in(pc.utf8_slice_codeunits(full, 0, length), value_set=keys)
        out = pc.coalesce(names.take(at), out)
    return out


@cache
def _dat_entries():
    """phone.dat's index as numpy: (segments, record offsets, carrier kinds), sorted by segment."""
    index = _dat_index()
    if index is None:
        return None
    dat, segments = index
    layout = np.dtype([("segment", "<i4"), ("offset", "<i4"), ("kind", "u1")])
    entries = np.frombuffer(dat.buf, layout, count=dat.phone_record_count, offset=dat.first_phone_record_offset)
    return np.asarray(segments, np.int64), entries["offset"].astype(np.int64), entries["kind"].astype(np.int64)


def _dat_fields(segments: pa.Array) -> dict[str, pa.Array]:
    """phone.dat's carrier, province, city and source per 7-digit segment (`phone._dat_region`,
    `phone._dat_carrier`), null where it has no entry."""
    names = ("carrier", "province", "city", "source")
    entries = _dat_entries()
    if entries is None or not len(segments):
        return {name: pa.nulls(len(segments), pa.string()) for name in names}
    keys, offsets, kinds = entries
    wanted = np.asarray(pc.cast(segments, pa.int64()))
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[at] == wanted
    record = pa.array(np.where(hit, offsets[at] * 256 + kinds[at], -1))
    return per_key(record, _dat_answer, names)


def _dat_answer(record: int) -> tuple:
    if record < 0:
        return None, None, None, None
    found = dat_record(record // 256, record % 256)
    return (found["phone_type"], *dat_place(found["province"], found["city"]))


def _types(national: pa.Array, keep: np.ndarray) -> np.ndarray:
    """phone._national_type column-wise: a PhoneNumberType value per entry (_UNKNOWN where not kept)."""
    general, specials, fixed, mobile, same_pattern = _cn_plan()
    length = np.asarray(pc.fill_null(pc.utf8_length(national), 0))

    def hit(matcher, only: np.ndarray) -> np.ndarray:
        if matcher is None:
            return np.zeros(len(national), bool)
        lengths, fullmatch = matcher
        ok = np.isin(length, list(lengths)) if lengths else np.ones(len(national), bool)
        return matches_where(national, f"^(?:{fullmatch.__self__.pattern})$", ok & only)

    out = np.full(len(national), _UNKNOWN, np.int64)
    open_ = hit(general, keep)
    for kind, matcher in specials:
        found = hit(matcher, open_)
        out[found], open_ = kind, open_ & ~found
    is_fixed, is_mobile = hit(fixed, open_), hit(mobile, open_)
    out[open_ & is_fixed] = 2 if same_pattern else 0
    if not same_pattern:
        out[open_ & is_fixed & is_mobile] = 2
        out[open_ & ~is_fixed & is_mobile] = 1
    return out
