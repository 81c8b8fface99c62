"""Company-name attributes for a whole column at once, for the names of the common shape.

`name_attributes(values)` takes company names (an Arrow string array; the dedupe keys give it their
distinct stripped names) and returns, for each name it handles, exactly what
`company_name.check_company_name` says of it: the clean name, the organisation form, the region's city
and province, the trade-name key and the branch part (tests/dedupe/test_dedupe_names.py holds it to
the per-value parser on every name of generated sets and on the hand-written cases). A name it does
not handle is left to that parser, which stays the definition.

Handled: names of Chinese characters (CJK unified and extension A), ASCII letters and digits, brackets
of either width and spaces, full-width letters and digits (NFKC), with no space between two ASCII
letters or digits, no number shaped like a house number or a date, not ending in an ASCII letter (an
English form may follow), at most one opening bracket once the form is cut off, and, for a branch, a
parent that ends in an organisation form (or 银行 …) right before the branch's place. In generated
exports that is 99.7% of the distinct names; the rest (branches without a parent's form, English
names, stray punctuation) go through the parser.

Each step column-wise, in the parser's order:
- normalisation: NFKC, spaces squeezed (`text.basic`), traditional → simplified (OpenCC over 50,000
  names joined by newlines at a time: no dictionary entry spans a newline), then every space removed
  (the parser removes every space next to a Chinese character or a bracket, which, without a space
  between two ASCII letters or digits, is every space), empty brackets dropped, brackets full-width;
- the branch part (`split_branch`): the longest branch word at the end, and the parent's last
  organisation form found in the reversed text as the parser finds it; the parser cuts there unless a
  place name starts later and what lies between is not a place, which depends only on the text after
  that form (read once per distinct text);
- the organisation form: the longest of ORG_FORMS that ends the name, by one regular expression (its
  leftmost match);
- a bracketed region: the one bracket pair's content, read by `divisions.parse_region_prefix` once per
  distinct content;
- a region prefix: `parse_region_prefix` reads the longest division name at the start, up to three
  times, and what it makes of them depends only on those names and on whether each leaves two
  characters after it. So the longest names are found column-wise (a prefix slice and a set lookup
  per name length) and the parser runs once per distinct combination, on one name that has it;
- the trade-name key: what is left, lower case, without brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from crmtool.cleanse import divisions
from crmtool.cleanse.company_name import (
    _BRANCH_SUFFIXES,
    _NO_ORG_FORM,
    _PARENT_ENDINGS,
    _branch_region,
    BRANCH_WORDS,
    ORG_FORMS,
    _is_place,
    _place_suffix_start,
    _t2s,
)
from crmtool.issues import Severity

if TYPE_CHECKING:
    import pyarrow as pa

    from crmtool.cleanse.rule import Settled

FIELDS = ("name_norm", "trade", "city", "province", "org_form", "branch")

_HAN = "\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}"  # Python's \w holds every one of them (tested)
# before NFKC, with at least one Chinese character: full-width brackets, letters, digits and the
# ideographic space too
_RAW_CLASS = (_HAN + "A-Za-z0-9 ()\\x{FF08}\\x{FF09}\\x{3000}\\x{FF10}-\\x{FF19}\\x{FF21}-\\x{FF3A}"
              "\\x{FF41}-\\x{FF5A}")
_RAW = f"^[{_RAW_CLASS}]*[{_HAN}][{_RAW_CLASS}]*$"
_NOT_PLAIN = "[\\x{3000}\\x{FF08}-\\x{FF5A} ]"  # what NFKC and the space rules change
_CLASS = f"^[{_HAN}A-Za-z0-9 ()]*[{_HAN}][{_HAN}A-Za-z0-9 ()]*$"
_LETTER = f"{_HAN}A-Za-z"
# names the parser reads otherwise: a branch, a house number (misplaced), a number or date, fewer than
# two letters, an ASCII letter at the end (no Chinese form ends so; an English form may)
_OTHER = f"[0-9][号號]|[A-Za-z]$|^[0-9（）年月日]+$|^[^{_LETTER}]*(?:[{_LETTER}][^{_LETTER}]*)?$"
_BRANCH = "(?:" + "|".join(sorted(BRANCH_WORDS, key=len, reverse=True)) + ")$"  # the longest branch word
# the end of the last parent ending (company_name._parent_end), searched in the reversed text: what
# precedes the first match there is what follows the parent in the name
_PARENT_END = "^(?P<p>.*?)(?:" + "|".join(re.escape(e[::-1]) for e in sorted(_PARENT_ENDINGS, key=len, reverse=True)) + ")"
# the longest organisation form: the leftmost start from which the rest is a form
_FORM = "(?:" + "|".join(re.escape(f) for f in sorted(ORG_FORMS, key=len, reverse=True)) + ")$"
_BRACKET = "^(?P<a>[^（]*)（(?P<c>[^（）]{2,12})）(?P<b>.*)$"  # with at most one （: company_name._BRACKETED
_CHUNK = 50_000  # names per OpenCC call


def name_attributes(values) -> tuple[np.ndarray, dict]:
    """(the positions of the values handled, {field: Arrow array with one entry per handled value})
    for FIELDS, null where the attribute is none. `values`: an Arrow string array without nulls."""
    parsed = parse_names(values)
    return parsed.rows, {"name_norm": parsed.name, "trade": parsed.trade, "city": parsed.city,
                         "province": parsed.province, "org_form": parsed.form, "branch": parsed.branch}


def settle_company_names(values) -> "Settled":
    """The cleanse rule's column-wise pass (`rule.Settled`): the names `parse_names` reads, with what
    `check_company_name` says of each — the clean name, every attribute, the traditional-characters
    and no-form findings; the rest is left to the check."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.cleanse.columnwise import per_key, where
    from crmtool.cleanse.rule import CONTENT, NOTATION, Settled, SettledFinding

    p = parse_names(values.cast(pa.string()))
    null = pa.scalar(None, pa.string())
    has_branch = _true(pc.is_valid(p.branch))
    attrs = {
        "org_form": p.form, "region": p.region, "province": p.province, "city": p.city,
        "is_branch": where(has_branch, "true", "false"), "branch": p.branch,
        "branch_region": per_key(p.branch.fill_null(""), lambda part: (_part_region(part),), ("r",))["r"],
        "parent": where(has_branch, p.head, null), "trade_name": p.rest, "name_key": p.trade,
    }
    simplified = np.flatnonzero(p.simplified)
    findings = [
        SettledFinding("company_name.traditional", Severity.INFO, simplified, "traditional characters simplified",
                       p.name.take(pa.array(simplified)).to_pylist(), rank=0),
        SettledFinding(_NO_ORG_FORM.rule, _NO_ORG_FORM.severity, np.flatnonzero(~_true(pc.is_valid(p.form))),
                       _NO_ORG_FORM.message, rank=1),
    ]
    return Settled(p.rows, p.name, np.ones(len(p.rows), dtype=bool), where(p.simplified, CONTENT, NOTATION),
                   {k: v.cast(pa.string()) for k, v in attrs.items()}, findings)


@lru_cache(maxsize=1 << 14)
def _part_region(part: str) -> str | None:
    """`split_branch`'s region of a branch part: the place before its branch word (the longest one the
    part ends in, which is the one that ended the whole name)."""
    if not part:
        return None
    for size, words in _BRANCH_SUFFIXES:
        if size <= len(part) and part[-size:] in words:
            return _branch_region(part[:-size])
    return None


@dataclass
class ParsedNames:
    """What `company_name.check_company_name` reads in each handled name, one entry per handled value
    (`rows`: their positions in the values given); null where the name has none."""

    rows: np.ndarray
    name: "pa.Array"  # the clean name
    simplified: np.ndarray  # traditional characters were simplified
    head: "pa.Array"  # the parent's name where there is a branch part, else the name
    branch: "pa.Array"
    form: "pa.Array"
    region: "pa.Array"  # the region as written (北京市, the bracket's 北京)
    rest: "pa.Array"  # the trade name: what is left without the form and the region
    trade: "pa.Array"  # the trade-name key: the trade name lower case, without brackets
    city: "pa.Array"
    province: "pa.Array"


def parse_names(values) -> ParsedNames:
    """The names of the common shape (the module docstring), read column-wise as the parser reads them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = np.flatnonzero(_true(pc.match_substring_regex(values, _RAW)))
    raw = values.take(pa.array(rows))
    spaced = _true(pc.match_substring_regex(raw, _NOT_PLAIN))
    text = _where(spaced, raw, lambda t: pc.utf8_trim(pc.replace_substring_regex(pc.utf8_normalize(t, "NFKC"), " {2,}", " "), " "))
    simple = _simplified(text)
    changed = ~_true(pc.equal(simple, text))
    keep = np.ones(len(rows), dtype=bool)
    keep[changed] = _true(pc.match_substring_regex(simple.filter(pa.array(changed)), _CLASS))
    keep[spaced] &= ~_true(pc.match_substring_regex(simple.filter(pa.array(spaced)), "[A-Za-z0-9] [A-Za-z0-9]"))
    rows, name, changed = _subset(keep, rows, simple, changed)
    name = pc.replace_substring(name, " ", "")
    while _true(pc.match_substring(name, "()")).any():
        name = pc.replace_substring(name, "()", "")
    name = pc.replace_substring(pc.replace_substring(name, "(", "（"), ")", "）")

    rows, name, changed = _subset(~_true(pc.match_substring_regex(name, _OTHER)), rows, name, changed)
    ok, head, branch = _branch_split(name)
    rows, name, changed, head, branch = _subset(ok, rows, name, changed, head, branch)

    core = pc.replace_substring_regex(head, _FORM, "")
    core_length = _ints(pc.utf8_length(core))
    rows, name, changed, head, branch, core, core_length = _subset(
        core_length > 0, rows, name, changed, head, branch, core, core_length)  # all form: the parser's
    form = _tail(head, core_length)

    opens = _ints(pc.count_substring(core, "（"))
    rows, name, changed, head, branch, core, form, opens = _subset(
        opens <= 1, rows, name, changed, head, branch, core, form, opens)
    city, province, bracket, core, bracketed = _bracketed_region(core, opens == 1)
    start, prefix_city, prefix_province = _prefix_region(core, ~bracketed)
    rest = _tail(core, start)
    found = bracketed | (start > 0)
    city = pc.if_else(pa.array(bracketed), city, prefix_city)
    province = pc.if_else(pa.array(bracketed), province, prefix_province)
    region = pc.if_else(pa.array(bracketed), bracket, _nonempty(_head(core, start)))
    keep = found.copy()
    keep[~found] = ~_true(pc.is_in(rest.filter(pa.array(~found)), value_set=_value_set(_whole_divisions())))
    rows, name, changed, head, branch, form, region, rest, city, province = _subset(
        keep, rows, name, changed, head, branch, form, region, rest, city, province)  # 北京市有限公司

    trade = pc.utf8_lower(pc.replace_substring_regex(rest, "[（）]", ""))
    return ParsedNames(rows, name, changed, head, branch, _nonempty(form), region, rest, _nonempty(trade), city,
                       province)


def _branch_split(name):
    """(handled, the name the trade name is read from, the branch part or null) per name:
    `company_name.split_branch` for the names it cuts at their parent's last organisation form (or 银行
    …), the others not handled (see `_cut_at_parent`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(name)
    stem = pc.replace_substring_regex(name, _BRANCH, "")
    stem_length = _ints(pc.utf8_length(stem))
    rows = np.flatnonzero(stem_length < _ints(pc.utf8_length(name)))
    ok = np.ones(n, dtype=bool)
    ok[rows] = stem_length[rows] > 0  # a branch word alone is no branch (_branch_word)
    found = pc.extract_regex(pc.utf8_reverse(stem.take(pa.array(rows))), _PARENT_END)
    after = pc.utf8_reverse(pc.struct_field(found, "p"))  # what follows the parent, null without one
    distinct = pc.unique(after.drop_null())
    cuts = np.asarray([_cut_at_parent(p) for p in distinct.to_pylist()] + [False], dtype=bool)
    at = pc.index_in(after, value_set=distinct).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    ok[rows] &= cuts[at]
    parent_length = stem_length[rows] - _ints(pc.utf8_length(after.fill_null("")))
    head = _put(name, rows, _head(name.take(pa.array(rows)), parent_length))
    part = _put(pa.nulls(n, pa.string()), rows, _tail(name.take(pa.array(rows)), parent_length))
    return ok, head, part


@lru_cache(maxsize=1 << 14)
def _cut_at_parent(after: str) -> bool:
    """Whether `split_branch` cuts a name at the end of its last parent ending when `after` follows it
    (before the branch word): the cut is elsewhere only where a place name starts after that end and
    what lies between is not a place (华信企业管理咨询海口分公司 is cut before 海口). Where the place
    starts is decided by `after` alone, except for a bracket that may open before it: not handled."""
    if after.endswith("）") and "（" not in after:
        return False
    start = _place_suffix_start(after)
    return start is None or start == 0 or _is_place(after[:start])


def _where(ask: np.ndarray, text, fn):
    """`fn` applied to the values in `ask`, the others as they are."""
    import pyarrow as pa

    if not ask.any():
        return text
    done = fn(text.filter(pa.array(ask)))
    order = np.concatenate([np.flatnonzero(~ask), np.flatnonzero(ask)])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return pa.concat_arrays([text.filter(pa.array(~ask)), done.cast(text.type)]).take(pa.array(back))


def _bracketed_region(core, ask: np.ndarray):
    """(city, province, the bracket's place as written, core without the bracket, found) per name:
    `company_name.find_region`'s bracketed infix, asked of the names in `ask` (those with one （)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(core)
    rows = np.flatnonzero(ask)
    parts = pc.extract_regex(core.take(pa.array(rows)), _BRACKET)
    before = pc.struct_field(parts, "a")
    matched = _true(pc.is_valid(parts)) & (_ints(pc.utf8_length(before.fill_null(""))) > 0)
    content = pc.struct_field(parts, "c")
    distinct = pc.unique(content.filter(pa.array(matched)))
    places = [_bracket_place(c) for c in distinct.to_pylist()]
    at = pc.index_in(content, value_set=distinct).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    hit = matched & np.asarray([p is not None for p in places] + [False], dtype=bool)[at]
    found = np.zeros(n, dtype=bool)
    found[rows[hit]] = True
    place = np.full(n, -1, dtype=np.int64)
    place[rows[hit]] = at[hit]
    lookup = pa.array(place, mask=place < 0)
    city = pa.array([p[1] if p else None for p in places], type=pa.string()).take(lookup)
    province = pa.array([p[0] if p else None for p in places], type=pa.string()).take(lookup)
    joined = pc.binary_join_element_wise(before, pc.struct_field(parts, "b"), "").filter(pa.array(hit))
    written = _put(pa.nulls(n, core.type), rows[hit], content.filter(pa.array(hit)))
    return city, province, written, _put(core, rows[hit], joined), found


@lru_cache(maxsize=1 << 14)
def _bracket_place(content: str) -> tuple[str | None, str | None] | None:
    found = divisions.parse_region_prefix(content, min_rest=0, any_short=True)
    return (found.province, found.city) if found.text == content else None


def _prefix_region(core, ask: np.ndarray):
    """(characters taken, city, province) of `divisions.parse_region_prefix(core)` (min_rest 2) for the
    names in `ask`; 0 and null elsewhere (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(core)
    total = _ints(pc.utf8_length(core))
    signature = np.zeros(n, dtype=np.int64)
    taken = np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(ask)
    rest = core.take(pa.array(rows))
    for _ in range(3):
        size, key = _longest_name(rest)
        taken[rows] += size
        fits = (total[rows] - taken[rows]) >= 2
        signature[rows] = (signature[rows] << 14) | ((key + 1) << 1) | fits
        more = size > 0
        rows, rest, size = rows[more], rest.filter(pa.array(more)), size[more]
        if not len(rows):
            break
        rest = _tail(rest, size)
    signature[~ask] = -1
    start = np.zeros(n, dtype=np.int64)
    city = province = pa.nulls(n, pa.string())
    named = np.flatnonzero(signature > 1)  # a division name found (1: none, fits or not)
    if len(named):
        _, first, inverse = np.unique(signature[named], return_index=True, return_inverse=True)
        reads = [divisions.parse_region_prefix(c) for c in core.take(pa.array(named[first])).to_pylist()]
        inverse = inverse.reshape(-1)
        start[named] = np.asarray([len(r.text) for r in reads], dtype=np.int64)[inverse]
        index = np.full(n, -1, dtype=np.int64)
        index[named] = inverse
        lookup = pa.array(index, mask=index < 0)
        city = pa.array([r.city for r in reads], type=pa.string()).take(lookup)
        province = pa.array([r.province for r in reads], type=pa.string()).take(lookup)
    return start, city, province


def _longest_name(text) -> tuple[np.ndarray, np.ndarray]:
    """(length, id) of the longest division name each value starts with (0, -1 for none): the names
    that start with a value's first two characters, longest first (most two characters start one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    heads, admits, groups = _names_by_head()
    size = np.zeros(len(text), dtype=np.int64)
    key = np.full(len(text), -1, dtype=np.int64)
    head = pc.index_in(pc.utf8_slice_codeunits(text, 0, 2), value_set=heads)
    rows = np.flatnonzero(_true(pc.is_valid(head)))
    head = head.filter(pc.is_valid(head)).to_numpy(zero_copy_only=False).astype(np.int64)
    for length, names, offset in groups:
        ask = admits[head, length] & (size[rows] == 0)
        if not ask.any():
            continue
        at = pc.index_in(pc.utf8_slice_codeunits(text.take(pa.array(rows[ask])), 0, length), value_set=names)
        hit = _true(pc.is_valid(at))
        where = rows[ask][hit]
        size[where] = length
        key[where] = at.filter(pa.array(hit)).to_numpy(zero_copy_only=False) + offset
    return size, key


@cache
def _names_by_head():
    """(first two characters of the names, per head and length whether a name has them, per length
    (longest first): the names and the id of the first)."""
    import pyarrow as pa

    names = divisions.prefix_names()
    assert len(names) < 1 << 12 and min(map(len, names)) >= 2  # a signature holds three ids of 13 bits
    heads = sorted({k[:2] for k in names})
    admits = np.zeros((len(heads), max(map(len, names)) + 1), dtype=bool)
    where = {h: i for i, h in enumerate(heads)}
    for k in names:
        admits[where[k[:2]], len(k)] = True
    groups, offset = [], 0
    for length in sorted({len(k) for k in names}, reverse=True):
        group = sorted(k for k in names if len(k) == length)
        groups.append((length, pa.array(group, type=pa.string()), offset))
        offset += len(group)
    return pa.array(heads, type=pa.string()), admits, tuple(groups)


@cache
def _whole_divisions() -> frozenset[str]:
    """Texts that are the full name of a division (`company_name._whole_division`)."""
    return frozenset(k for k, places in divisions.name_index().items() if any(p.name == k for p in places))


@cache
def _value_set(words):
    import pyarrow as pa

    return pa.array(sorted(words), type=pa.string())


def _simplified(text):
    """OpenCC t2s per value: the values joined by newlines, converted a few megabytes at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    converter = _t2s()
    if converter is None or not len(text):
        return text
    lines = pc.binary_join_element_wise(text, pa.scalar(""), "\n").cast(pa.large_string())  # each value + "\n"
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    pieces = []
    for i in range(0, len(lines), _CHUNK):
        j = min(i + _CHUNK, len(lines))
        chunk = data[offsets[i]:offsets[j]].to_pybytes().decode()
        converted = converter.convert(chunk)
        if converted.count("\n") != j - i:  # never seen: a conversion that adds or drops a line break
            converted = "".join(converter.convert(v) + "\n" for v in text[i:j].to_pylist())
        pieces.append(converted.encode())
    out = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    breaks = np.flatnonzero(out == 10)
    ends = breaks - np.arange(len(breaks))  # positions once the breaks are taken out
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(text), pa.py_buffer(offsets), pa.py_buffer(out[out != 10])).cast(pa.string())


def _tail(text, at: np.ndarray):
    """Each value without its first `at[i]` characters."""
    import pyarrow.compute as pc

    return _by_cut(text, at, lambda part, cut: pc.utf8_slice_codeunits(part, cut) if cut else part)


def _by_cut(text, at: np.ndarray, slice_):
    """`slice_(values, cut)` per group of values with one cut, back in the original order."""
    import pyarrow as pa

    if not len(text):
        return text
    order = np.argsort(at, kind="stable")
    bounds = np.flatnonzero(np.diff(at[order])) + 1
    parts = [slice_(text.take(pa.array(group)), int(at[group[0]])) for group in np.split(order, bounds)]
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return pa.concat_arrays(parts).take(pa.array(back))


def _head(text, at: np.ndarray):
    """The first `at[i]` characters of each value."""
    import pyarrow.compute as pc

    return _by_cut(text, at, lambda part, cut: pc.utf8_slice_codeunits(part, 0, cut))


def _put(text, rows: np.ndarray, values):
    """`text` with `values` at `rows`."""
    import pyarrow as pa

    if not len(rows):
        return text
    index = np.arange(len(text), dtype=np.int64)
    index[rows] = len(text) + np.arange(len(rows))
    return pa.concat_arrays([text, values.cast(text.type)]).take(pa.array(index))


def _subset(keep: np.ndarray, *arrays):
    """Each array (numpy or Arrow) with only the kept entries."""
    import pyarrow as pa

    mask = pa.array(keep)
    return tuple(a[keep] if isinstance(a, np.ndarray) else a.filter(mask) for a in arrays)


def _true(array) -> np.ndarray:
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _ints(array) -> np.ndarray:
    return np.asarray(array.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _nonempty(array):
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(array, ""), None, array)
