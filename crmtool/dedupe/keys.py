"""Matching keys per record, derived with the cleanse rules.

Name keys come from `crmtool.cleanse.company_name` (normalisation, branch part, organisation form,
region, trade-name key) as they are; credit codes from `crmtool.cleanse.credit_code`. One key is
derived here because the cleanse functions do not give it:

- phone keys, vectorised: every number in the cell reduced to its subscriber digits (a mobile's 11
  digits, a landline's local number after the area code) plus the area code when present. Parsing
  each cell with libphonenumber (cleanse.phone.parse_one) costs ~250 µs a cell, minutes on a million
  rows; the key needs only the digits that identify a line.

Everything is computed once per distinct value and mapped back, so repeated names cost nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

NAME_FIELDS = ("name_norm", "trade", "region", "province", "org_form", "branch")
_NON_DIGIT = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def name_keys(name: str) -> tuple:
    """(normalised name, trade-name key, city, province, organisation form, branch tag) for one name."""
    out = _check_company_name()(name)
    if out.clean is None:
        return (None,) * len(NAME_FIELDS)
    a = out.attrs
    clean = out.clean
    return (clean if clean.isalnum() else _SPACES.sub("", clean), a["name_key"], a["city"], a["province"], a["org_form"],
            (a["branch"] or None) if a["is_branch"] == "true" else None)


def _name_columns(names: pd.Series, processes: int = 1) -> list:
    """`name_keys` of every name as one Arrow array per NAME_FIELDS: the distinct names of the common
    shape column-wise (`cleanse.company_name_columns`, which gives what cleanse's parser gives), the
    others through `name_keys`."""
    return _name_finish(*_name_fast(names), processes)


NAME_CHUNK = 100_000  # distinct names parsed column-wise at a time: their temporaries stay small


def _name_fast(names: pd.Series) -> tuple:
    """The distinct names and the column-wise attributes of those of the common shape (no worker
    processes: this may run in a thread)."""
    import pyarrow as pa

    from crmtool.cleanse.company_name_columns import FIELDS, name_attributes

    encoded = _plain_array(names).dictionary_encode()
    distinct = encoded.dictionary
    rows, parts = [], []
    for start in range(0, len(distinct), NAME_CHUNK):
        chunk_rows, columns = name_attributes(distinct.slice(start, NAME_CHUNK))
        rows.append(chunk_rows + start)
        parts.append(columns)
    if not parts:
        return (encoded, *name_attributes(distinct))
    return (encoded, np.concatenate(rows),
            {f: pa.concat_arrays([p[f].cast(pa.string()) for p in parts]) for f in FIELDS})


def _name_finish(encoded, fast_rows: np.ndarray, fast: dict, processes: int) -> list:
    """The other distinct names through `name_keys`, and every row's attributes."""
    import pyarrow as pa

    distinct = encoded.dictionary
    slow = np.ones(len(distinct), dtype=bool)
    slow[fast_rows] = False
    slow_rows = np.flatnonzero(slow)
    slow = _map_unique(pd.Series(pd.arrays.ArrowStringArray(distinct.take(pa.array(slow_rows)).cast(pa.large_string()))),
                       name_keys, [pa.string()] * len(NAME_FIELDS), processes)
    position = np.empty(len(distinct), dtype=np.int64)
    position[fast_rows] = np.arange(len(fast_rows))
    position[slow_rows] = len(fast_rows) + np.arange(len(slow_rows))
    codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    index = pa.array(position[codes] if len(distinct) else codes.astype(np.int64), mask=_true(encoded.indices.is_null()))
    fast_columns = [fast[f] for f in ("name_norm", "trade", "city", "province", "org_form", "branch")]
    return [pa.concat_arrays([f.cast(pa.string()), s.combine_chunks() if isinstance(s, pa.ChunkedArray) else s]).take(index)
            for f, s in zip(fast_columns, slow, strict=True)]


def _beside(parallel: bool, fn, *args):
    """`fn(*args)` in a thread beside the caller's own work, or now; returns a function giving the
    result. Arrow's kernels and DuckDB release the GIL, so two column-wise key steps run on two cores."""
    if not parallel:
        value = fn(*args)
        return lambda: value
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="crmtool-keys")
    future = pool.submit(fn, *args)
    pool.shutdown(wait=False)
    return future.result


@lru_cache(maxsize=1)
def _check_company_name():
    from crmtool.cleanse.company_name import check_company_name

    return check_company_name


PARALLEL_FROM = 20000  # distinct names below this are parsed in-process: a pool costs more than it saves
BATCH = 5_000  # distinct values a worker turns into Arrow at once


def _map_unique(values: pd.Series, fn, types: list, processes: int = 1) -> list:
    """Apply `fn` once per distinct non-null value; return one Arrow array per result field (`types`),
    aligned with `values` (null where the value is null).

    Results are turned into Arrow a batch of distinct values at a time, in the worker that computed
    them: a million parsed names never sit in memory as Python tuples, and what travels back from a
    worker is Arrow buffers, not pickled tuples.
    """
    import pyarrow as pa

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    batches = [(fn, types, uniques[i:i + BATCH].tolist()) for i in range(0, len(uniques), BATCH)]
    if processes > 1 and len(uniques) >= PARALLEL_FROM:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(processes) as pool:
            results = list(pool.imap(_arrow_batch, batches))
    else:
        results = [_arrow_batch(batch) for batch in batches]
    index = pa.array(codes, mask=codes < 0, type=pa.int64())
    return [pa.chunked_array([r[i] for r in results], type=type_).take(index) for i, type_ in enumerate(types)]


def _arrow_batch(batch: tuple) -> list:
    """`fn` over a batch of values, as one Arrow array per result field."""
    import pyarrow as pa

    fn, types, values = batch
    fields = list(zip(*map(fn, values), strict=True)) if values else [() for _ in types]
    return [pa.array(column, type=type_) for column, type_ in zip(fields, types, strict=True)]


@lru_cache(maxsize=1 << 16)
def code_keys(value: str) -> tuple[str | None, bool, str | None, str | None]:
    """(normalised code, valid USCC, organisation-code part, division code) for one credit-code cell."""
    from crmtool.canon.uscc import is_valid_uscc
    from crmtool.cleanse.credit_code import is_valid_org_code, normalise_credit_code

    code, _ = normalise_credit_code(value)
    if len(code) < 8:
        return None, False, None, None
    valid = is_valid_uscc(code)
    if len(code) == 18:
        return code, valid, code[8:17], code[2:8]
    if len(code) == 9 and is_valid_org_code(code):
        return code, False, code, None
    return code, False, None, None


_PHONE_SPLIT = re.compile(r"[;；,，/、|\n]+|\s{2,}|(?<=\d)\s*(?:或|和|及)\s*(?=[\d+(（])")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*\d{1,6}\s*$|(?<=\d{7})-\d{1,5}$", re.IGNORECASE)


@lru_cache(maxsize=1 << 18)
def phone_keys(value: str) -> tuple[str, ...]:
    """Line keys for every number in a cell (see `_line_key`).

    Full-width digits, +86 / 0086 / 86 prefixes, brackets, dashes, spaces, an extension, a trailing
    '.0' (a number that went through Excel as a float) and "微信同号" notes are all ignored.
    """
    from crmtool.cleanse.text import nfkc

    text = nfkc(value)
    keys: list[str] = []
    for part in _PHONE_SPLIT.split(text):
        part = _EXTENSION.sub("", part.strip())
        part = part.removesuffix(".0")
        digits = _NON_DIGIT.sub("", part)
        tokens = [_NON_DIGIT.sub("", t) for t in part.split()]
        if len(tokens) > 1 and all(len(t) >= 11 for t in tokens):  # two numbers separated by one space
            keys.extend(k for t in tokens if (k := _line_key(t)))
            continue
        if (key := _line_key(digits)) is not None:
            keys.append(key)
    return tuple(dict.fromkeys(keys))


def _phone_key_list(value: str) -> tuple[list[str]]:
    return (list(phone_keys(value)),)


def _line_key(digits: str) -> str | None:
    """The subscriber part of one number: 11 digits for a mobile, the local 7-8 digits for a landline.

    The area code is dropped on purpose: 'local only' entries (65937957) must meet 025-65937957.
    """
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    if not digits.startswith("0") and 9 <= len(digits) <= 11:
        digits = "0" + digits  # +86 25 6593 7957: the international form drops the trunk 0
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area_len = 3 if digits[1] in "12" else 4
        return digits[area_len:]
    if 7 <= len(digits) <= 8:
        return digits
    return None


_ADDRESS_REGION = re.compile(r"^(?:中国)?(?:[^省市]{2,7}(?:省|自治区))?(?:[^省市区县]{2,7}?(?:市|自治州|地区|盟))?"
                             r"(?:[^省市区县]{1,7}?(?:区|县|旗))?")


_HOUSE_NUMBER = "([0-9]+)号"


def address_keys(values: pd.Series) -> tuple:
    """(street part, province, city, district, house number) per address.

    The street part is the address without its province/city/district prefix, for comparison. The
    prefix is read by cleanse's `parse_address` once per distinct prefix (a few thousand in a million
    addresses); the house number is the digits before the street part's first 号, -1 for none. One
    DuckDB pass (its regexp_replace is ten times Arrow's on this pattern)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.engine import DuckDBEngine

    cells = pa.table({"a": pc.utf8_normalize(_plain_array(values), "NFKC")})
    with DuckDBEngine() as engine:
        engine.register("cells", cells)
        found = engine.sql("""
            WITH s AS (SELECT regexp_replace(a, '\\s+', '', 'g') AS s FROM cells),
            p AS (SELECT s, regexp_extract(s, ?) AS prefix FROM s),
            d AS (SELECT prefix, s[length(prefix) + 1:] AS detail FROM p)
            SELECT CASE WHEN length(detail) >= 3 THEN detail END AS detail, nullif(prefix, '') AS prefix,
                   TRY_CAST(nullif(regexp_extract(detail, ?, 1), '') AS INTEGER) AS house FROM d""",
                           [_ADDRESS_REGION.pattern, _HOUSE_NUMBER])
    detail = pd.Series(pd.arrays.ArrowStringArray(found.column("detail").cast(pa.large_string())), index=values.index)
    prefix = pd.Series(pd.arrays.ArrowStringArray(found.column("prefix").cast(pa.large_string())))
    province, city, district = _map_unique(prefix, _prefix_place, [pa.string()] * 3)
    house = found.column("house").fill_null(-1).to_numpy().astype(np.int32)
    return detail, province, city, district, house


def _prefix_place(prefix: str) -> tuple[str | None, str | None, str | None]:
    from crmtool.cleanse.address import parse_address

    parsed = parse_address(prefix)
    return parsed["province"], parsed["city"], parsed["district"] if parsed["city"] else None


# The area code of a landline written with it (025-65937957, (025)65937957, +86 25 6593 7957), at the
# start of the cell or of a number after a separator: 3 digits for 010 and 02x, else 4.
_AREA_CODE = "(?:^|[;,/|、])(0(?:10|2[0-9]|[3-9][0-9]{2}))[2-9][0-9]{6,7}(?:[^0-9]|$)"


def phone_places(values: pd.Series):
    """(province, city) of each cell's landline area code (cleanse's phone attribution, asked once
    per distinct area code with a placeholder local number), null where the cell has none. The city
    is null where one area code serves several cities (028: 成都市、资阳市…)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.engine import DuckDBEngine

    cells = pa.table({"p": pc.utf8_normalize(_plain_array(values), "NFKC")})
    with DuckDBEngine() as engine:
        engine.register("cells", cells)
        area = engine.sql("""SELECT nullif(regexp_extract(s, ?, 1), '') AS area FROM (
            SELECT regexp_replace(regexp_replace(p, '[\\s()（）\\-]+|\\.0$', '', 'g'), '^(\\+86|0086)', '0') AS s
            FROM cells)""", [_AREA_CODE]).column("area")
    return _map_unique(pd.Series(pd.arrays.ArrowStringArray(area.cast(pa.large_string()))), area_place,
                       [pa.string(), pa.string()])


def area_place(area: str) -> tuple[str | None, str | None]:
    """(province, city) of a telephone area code. The attribution's city text is read again as a
    division name, so that it is written as addresses and names write it (内蒙古呼和浩特市 → 呼和浩特市)."""
    from crmtool.cleanse.divisions import parse_region_prefix
    from crmtool.cleanse.phone import parse_one

    for local in ("62345678", "6234567"):  # local numbers have 8 digits in most cities, 7 in a few
        found = parse_one(f"{area}-{local}")
        if found and (found["province"] or found["city"]):
            place = parse_region_prefix(found["city"] or found["province"], min_rest=0)
            return found["province"] or place.province, place.city
    return None, None


def first_mobile(phones):
    """The first mobile line key (11 digits) of each record's phone keys, null for none."""
    import pyarrow as pa

    from crmtool.engine import DuckDBEngine

    with DuckDBEngine() as engine:
        engine.register("cells", pa.table({"k": phones}))
        return engine.sql("SELECT list_filter(k, lambda x: length(x) = 11 AND x[1] = '1')[1] AS m FROM cells").column("m")


# Vectorised fast paths for the cells that are already in their plainest form (most of a big column):
# they give exactly what code_keys / phone_keys give for such a cell (tested), without a Python call
# per value; every other cell still goes through those functions.
_USCC_PLAIN = "^[0-9A-HJ-NPQRTUWXY]{18}$"  # 18 characters of the USCC set: normalisation changes nothing


def _lookup(chars: str, values) -> np.ndarray:
    table = np.zeros(256, dtype=np.int64)
    table[np.frombuffer(chars.encode(), dtype=np.uint8)] = values
    return table


def _true(array) -> np.ndarray:
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _fixed_width(array, width: int) -> np.ndarray:
    """The ASCII bytes of an Arrow string array whose values all have `width` characters, one row each."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[0] + width * len(array)].reshape(-1, width)


def _plain_array(values: pd.Series):
    """A Series' values as one contiguous Arrow string array."""
    import pyarrow as pa

    arr = pa.array(values.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def _scatter(array, rows: np.ndarray, n: int):
    """An Arrow array of length n holding `array` at `rows` and null elsewhere."""
    import pyarrow as pa

    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    return array.take(pa.array(position, mask=position < 0))


# Cells normalise_credit_code reads as ASCII: letters, digits (either width), spaces (ASCII, ideographic)
# and the separators - _ . / \ it drops
_CODE_CELL = "^[0-9A-Za-z\\x{FF10}-\\x{FF19}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A} \\x{3000}\\-_./\\\\]+$"


def _normalised_codes(arr):
    """`credit_code.normalise_credit_code` of the cells of `_CODE_CELL` (NFKC, upper case, no spaces or
    separators, O → 0 and I → 1), the other cells as they are: code_keys of a cell is that of its
    normalised code, and normalising twice changes nothing."""
    import pyarrow.compute as pc

    ascii_ = pc.utf8_upper(pc.utf8_normalize(arr, "NFKC"))
    code = pc.replace_substring_regex(ascii_, "[ \\-_./\\\\]+", "")
    code = pc.replace_substring(pc.replace_substring(code, "O", "0"), "I", "1")
    return pc.if_else(pc.match_substring_regex(arr, _CODE_CELL).fill_null(False), code, arr)


def _plain_codes(arr) -> tuple[np.ndarray, list]:
    """(handled per row, [code, valid, org_code, division] for the handled rows, null elsewhere)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.canon.uscc import USCC_CHARSET

    handled = pc.match_substring_regex(arr, _USCC_PLAIN).fill_null(False).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(handled)
    code = arr.take(pa.array(rows))
    raw = _fixed_width(code, 18)
    uscc = _lookup(USCC_CHARSET, np.arange(len(USCC_CHARSET)))
    alnum = _lookup("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.arange(36))
    org_total = np.zeros(len(raw), dtype=np.int64)  # position by position: no (rows × 18) temporaries
    for j, w in enumerate((3, 7, 9, 10, 5, 8, 4, 2)):
        org_total += alnum[raw[:, 8 + j]] * w
    org_check = 11 - org_total % 11
    org_char = np.where(org_check == 11, ord("0"), np.where(org_check == 10, ord("X"), ord("0") + org_check))
    total = np.zeros(len(raw), dtype=np.int64)
    for j, w in enumerate((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)):
        total += uscc[raw[:, j]] * w
    check = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)[(31 - total % 31) % 31]
    valid = (raw[:, 16] == org_char) & (raw[:, 17] == check)
    parts = [code, pa.array(valid), pc.utf8_slice_codeunits(code, 8, 17), pc.utf8_slice_codeunits(code, 2, 8)]
    return handled, [_scatter(part, rows, len(arr)) for part in parts]


# A cell that is one number, whatever its punctuation (phone_keys would not split it or cut an extension).
# (Fewer than 22 digits: phone_keys reads space-separated tokens of 11+ digits each as several numbers.)
_ONE_NUMBER = r"""
    regexp_full_match(p, '[+(]?[0-9][0-9 ()\-]*[0-9](\.0)?') AND NOT contains(p, '  ')
    AND NOT regexp_matches(p, '[0-9]{7}-[0-9]{1,5}$')
    AND (NOT contains(p, ' ') OR length(regexp_replace(p, '[^0-9]', '', 'g')) <= 21)"""
# phone_keys' _line_key, column-wise: prefixes 0086/86 off, a mobile as is, the trunk 0 restored, the
# area code (3 digits for 010/02x, else 4) dropped, a local number as is
_LINE_KEY = """
    WITH c AS (SELECT i, regexp_replace(regexp_replace(p, '\\.0$', ''), '[^0-9]', '', 'g') AS d FROM cells WHERE {one}),
    n AS (SELECT i, CASE WHEN starts_with(d, '0086') THEN d[5:] WHEN starts_with(d, '86') AND length(d) >= 12
                         THEN d[3:] ELSE d END AS d FROM c),
    z AS (SELECT i, d, CASE WHEN NOT starts_with(d, '0') AND length(d) BETWEEN 9 AND 11 THEN '0' || d ELSE d END AS t
          FROM n)
    SELECT i, CASE WHEN length(d) = 11 AND regexp_full_match(d, '1[3-9][0-9]{{9}}') THEN d
                   WHEN starts_with(t, '0') AND length(t) BETWEEN 10 AND 12
                       THEN CASE WHEN t[2] IN ('1', '2') THEN t[4:] ELSE t[5:] END
                   WHEN length(t) BETWEEN 7 AND 8 THEN t END AS k
    FROM z ORDER BY i"""


# Cells phone_keys splits only at ; , / | 、 (after NFKC): before NFKC, ASCII letters, digits, spaces and
# + ( ) - . # ; , / |, their full-width forms, the ideographic space, Chinese characters and 、; after it,
# no double space, no 或/和/及 (phone_keys splits there too) and nothing but ASCII, Chinese characters and 、.
_PHONE_RAW = "[0-9A-Za-z +()\\-.;,/|#、\\x{3000}\\x{4E00}-\\x{9FFF}\\x{FF01}-\\x{FF5E}]+"
_PHONE_TEXT = "[0-9A-Za-z +()\\-.;,/|#、\\x{4E00}-\\x{9FFF}]+"
# phone_keys' _EXTENSION in one pass (a 7-digit run kept instead of a lookbehind; the two never both apply)
_PHONE_EXTENSION = "(?i)(?:转|分机|ext\\.?|x|#)\\s*[0-9]{1,6}\\s*$|([0-9]{7})-[0-9]{1,5}$"
# per part: stripped, extension and a trailing .0 off, the digits; then phone_keys' _line_key column-wise
# (prefixes 0086/86 off, a mobile as is, the trunk 0 restored, the area code (3 digits for 010/02x, else
# 4) dropped, a local number as is); a part with a space and more than 21 digits may be two numbers
# separated by one space (phone_keys' tokens): its cell is left to phone_keys
_PHONE_PARTS = """
    WITH c AS (SELECT i, p FROM cells
               WHERE regexp_full_match(raw, '{raw}') AND regexp_full_match(p, '{text}') AND NOT contains(p, '  ')
                 AND NOT regexp_matches(p, '[或和及]')),
    s AS (SELECT i, unnest(l) AS part, generate_subscripts(l, 1) AS j
          FROM (SELECT i, CASE WHEN regexp_matches(p, '[;,/|、]') THEN string_split_regex(p, '[;,/|、]+') ELSE [p] END AS l
                FROM c)),
    t AS (SELECT i, j, trim(part) AS part FROM s),
    x AS (SELECT i, j, CASE WHEN regexp_matches(part, '{extension}') THEN regexp_replace(part, '{extension}', '\\1')
                            ELSE part END AS x FROM t),
    y AS (SELECT i, j, x, regexp_replace(CASE WHEN suffix(x, '.0') THEN x[:-3] ELSE x END, '[^0-9]', '', 'g') AS d FROM x),
    d AS (SELECT i, j, length(d) > 21 AND contains(x, ' ') AS tokens, d FROM y),
    n AS (SELECT i, j, tokens, CASE WHEN starts_with(d, '0086') THEN d[5:] WHEN starts_with(d, '86') AND length(d) >= 12
                                    THEN d[3:] ELSE d END AS d FROM d),
    z AS (SELECT i, j, tokens, d,
                 CASE WHEN NOT starts_with(d, '0') AND length(d) BETWEEN 9 AND 11 THEN '0' || d ELSE d END AS t FROM n),
    k AS (SELECT i, j, tokens,
                 CASE WHEN length(d) = 11 AND regexp_full_match(d, '1[3-9][0-9]{{9}}') THEN d
                      WHEN starts_with(t, '0') AND length(t) BETWEEN 10 AND 12
                          THEN CASE WHEN t[2] IN ('1', '2') THEN t[4:] ELSE t[5:] END
                      WHEN length(t) BETWEEN 7 AND 8 THEN t END AS k FROM z)
    SELECT i, j, tokens, k FROM k"""


def _plain_phones(arr) -> tuple[np.ndarray, object]:
    """(handled per row, the line keys of each handled row (`phone_keys`' list), null elsewhere): the
    cells that are one number in one pass, the others split into their numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.engine import DuckDBEngine

    cells = pa.table({"i": pa.array(np.arange(len(arr), dtype=np.int64)), "raw": arr, "p": pc.utf8_normalize(arr, "NFKC")})
    with DuckDBEngine() as engine:
        engine.register("cells", cells)
        one = engine.sql(_LINE_KEY.format(one=_ONE_NUMBER))
        single = np.zeros(len(arr), dtype=bool)
        single[one.column("i").to_numpy()] = True
        engine.register("cells", cells.filter(pa.array(~single & _true(arr.is_valid()))))
        found = engine.sql(_PHONE_PARTS.format(raw=_PHONE_RAW, text=_PHONE_TEXT, extension=_PHONE_EXTENSION))
    found = pa.concat_tables([found, pa.table({"i": one.column("i"), "j": pa.array(np.ones(len(one), dtype=np.int64)),
                                               "tokens": pa.array(np.zeros(len(one), dtype=bool)), "k": one.column("k")})
                              .cast(found.schema)])
    # one row per part: the lists are put together here (a GROUP BY with list() costs five times the rest)
    cell, part = found.column("i").to_numpy(), found.column("j").to_numpy()
    order = np.lexsort((part, cell))
    cell, key = cell[order], found.column("k").combine_chunks().take(pa.array(order))
    handled = np.zeros(len(arr), dtype=bool)
    handled[cell] = True
    handled[cell[np.asarray(found.column("tokens").combine_chunks().take(pa.array(order)), dtype=bool)]] = False
    keep = handled[cell] & _true(key.is_valid())
    sizes = np.bincount(cell[keep], minlength=len(arr))
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, key.filter(pa.array(keep)).cast(pa.string()))
    return handled, pc.if_else(pa.array(handled), _first_of_each(lists), pa.nulls(len(arr), lists.type))


def _first_of_each(lists):
    """Each list without its repeats, the first of each kept in order (phone_keys' dict.fromkeys); only
    the lists of two or more keys (a few cells in a hundred) are looked at."""
    import pyarrow as pa
    import pyarrow.compute as pc

    several = np.flatnonzero(pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False) >= 2)
    if not len(several):
        return lists
    fixed = pa.array([list(dict.fromkeys(v)) for v in lists.take(pa.array(several)).to_pylist()], type=lists.type)
    index = np.arange(len(lists), dtype=np.int64)
    index[several] = len(lists) + np.arange(len(several))
    return pa.concat_arrays([lists, fixed]).take(pa.array(index))


def _fallback(later: list, background: bool, done, values: pd.Series, handled: np.ndarray, fast: list, fn, types: list,
              processes: int) -> None:
    """`done(*_with_fallback(…))` now when the fallback runs in-process (or nothing runs beside this
    thread), else appended to `later`."""
    step = lambda: done(*_with_fallback(values, handled, fast, fn, types, processes))
    rest = int(np.count_nonzero(~handled & values.notna().to_numpy()))
    if background and rest >= PARALLEL_FROM and processes > 1:
        later.append(step)
    else:
        step()


def _with_fallback(values: pd.Series, handled: np.ndarray, fast: list, fn, types: list, processes: int) -> list:
    """The fast path's arrays where it handled a row, `_map_unique(fn)` on the other rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    slow = _map_unique(values.mask(handled), fn, types, processes)
    mask = pa.array(handled)
    return [pc.if_else(mask, f, s) for f, s in zip(fast, slow, strict=True)]


_SAMPLE = {"name": "華信（北京）科技有限公司", "credit_code": "91110108MA01ABCD2X", "phone": "010-62345678",
           "address": "北京市海淀区中关村大街1号"}


def _warm_up() -> None:
    """Import and index what the key functions read (divisions, OpenCC, phonenumbers' geodata: ~1 s)
    before two threads need them at once: built concurrently, under the GIL and the import lock, the
    same work cost 2-3 s of a million-record run."""
    import pyarrow as pa

    from crmtool.cleanse.company_name_columns import name_attributes

    one_record_keys(_SAMPLE)
    name_attributes(pa.array([_SAMPLE["name"]]))


def record_keys(table: pd.DataFrame, key: str, *, processes: int = 1) -> pd.DataFrame:
    """One row per input row: the key plus every matching key (columns that are absent count as empty).

    Text keys are Arrow-backed strings, `phones` an Arrow list of strings (never null: [] for none).
    """
    import pyarrow as pa

    from crmtool.dedupe.memory import release_memory

    n = len(table)
    empty = pd.Series([pd.NA] * n, dtype="string", index=table.index)
    col = lambda name: table[name].astype("string") if name in table.columns else empty
    text = lambda array: pd.array(array, dtype="string")
    out = pd.DataFrame({"_key": table[key].astype("string").array})
    names = col("name").str.strip().replace("", pd.NA)
    codes = col("credit_code").str.strip().replace("", pd.NA)
    phones = col("phone").str.strip().replace("", pd.NA)
    # the column-wise name parsing in a thread beside the code, phone and address keys; a per-value
    # fallback that may need worker processes waits until that thread is done (no fork beside a thread)
    background = processes > 1 and n >= PARALLEL_FROM
    if background:
        _warm_up()
    names_fast = _beside(background, _name_fast, names)
    later = []

    def codes_done(code, valid, org, division):
        out["code"] = text(code)
        out["code_valid"] = valid.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        out["org_code"] = text(org)
        out["division"] = text(division)

    def phones_done(line_keys):
        out["phones"] = pd.Series(pd.arrays.ArrowExtensionArray(line_keys.fill_null(pa.scalar([], type=line_keys.type))))

    handled, fast = _plain_codes(_normalised_codes(_plain_array(codes)))
    _fallback(later, background, codes_done, codes, handled, fast, code_keys,
              [pa.string(), pa.bool_(), pa.string(), pa.string()], processes)
    handled, lists = _plain_phones(_plain_array(phones))
    _fallback(later, background, phones_done, phones, handled, [lists], _phone_key_list, [pa.list_(pa.string())],
              processes)
    del handled, fast, lists
    release_memory(n)
    detail, province, city, district, house = address_keys(col("address"))
    out["address"] = detail.array
    out["address_province"], out["address_city"], out["address_district"] = text(province), text(city), text(district)
    out["house"] = house
    del detail, province, city, district, house
    release_memory(n)
    province, city = phone_places(phones)
    out["phone_province"], out["phone_city"] = text(province), text(city)
    del province, city
    release_memory(n)
    for i, (field, arr) in enumerate(zip(NAME_FIELDS, _name_finish(*names_fast(), processes), strict=True)):
        out.insert(1 + i, field, text(arr))  # the name keys first, after the key
    del names_fast
    release_memory(n)
    for step in later:
        step()
    out["mobile"] = text(first_mobile(pa.array(out["phones"])))
    release_memory(n)
    return out


# One record at a time (crmtool.dedupe.realtime): the same keys as `record_keys` gives that record in a
# table, from the same per-value functions (name_keys, code_keys, phone_keys, _prefix_place, area_place),
# without the column machinery whose fixed cost (DuckDB connections, memory release) is ~300 ms a call.
# The two SQL regular expressions of address_keys and phone_places are the same patterns run by Python's
# `re`; RE2's `\s` is [\t\n\f\r ] and its `$` the end of the text, written so here. A test holds
# `one_record_keys` to `record_keys` row by row on the generated hard set.
_RE2_SPACES = re.compile(r"[\t\n\f\r ]+")
_ADDRESS_REGION_PY = re.compile(_ADDRESS_REGION.pattern)
_HOUSE_NUMBER_PY = re.compile(_HOUSE_NUMBER)
_PHONE_PUNCT = re.compile(r"[\t\n\f\r ()（）\-]+|\.0\Z")
_PHONE_PREFIX = re.compile(r"\A(\+86|0086)")
_AREA_CODE_PY = re.compile(r"(?:\A|[;,/|、])(0(?:10|2[0-9]|[3-9][0-9]{2}))[2-9][0-9]{6,7}(?:[^0-9]|\Z)")  # _AREA_CODE
_INT32_MAX = 2 ** 31 - 1
_prefix_place_cached = lru_cache(maxsize=1 << 14)(_prefix_place)
_area_place_cached = lru_cache(maxsize=1 << 12)(area_place)


def one_record_keys(fields: dict) -> dict:
    """The keys `record_keys` gives one record (`fields`: name, credit_code, phone, address; text or None),
    as a dict of the same columns without `_key` (text or None, `code_valid` bool, `phones` a list,
    `house` an int, -1 for none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = [fields.get(c) for c in ("name", "credit_code", "phone", "address")]
    trimmed = pc.utf8_trim_whitespace(pa.array(cells[:3], type=pa.string())).to_pylist()
    name, code, phone = (v or None for v in trimmed)  # strip, '' → missing, as record_keys does
    address = cells[3]
    out = dict(zip(NAME_FIELDS, name_keys(name) if name is not None else (None,) * len(NAME_FIELDS), strict=True))
    out["code"], out["code_valid"], out["org_code"], out["division"] = code_keys(code) if code is not None else (None, False, None, None)
    out["code_valid"] = bool(out["code_valid"])
    phones = list(phone_keys(phone)) if phone is not None else []
    out["phones"] = phones
    detail, province, city, district, house = None, None, None, None, -1
    if address is not None:
        s = _RE2_SPACES.sub("", pc.utf8_normalize(pa.array([address], type=pa.string()), "NFKC")[0].as_py())
        prefix = _ADDRESS_REGION_PY.match(s).group(0)
        rest = s[len(prefix):]
        detail = rest if len(rest) >= 3 else None
        if prefix:
            province, city, district = _prefix_place_cached(prefix)
        number = _HOUSE_NUMBER_PY.search(rest)
        if number and int(number.group(1)) <= _INT32_MAX:
            house = int(number.group(1))
    out["address"], out["address_province"], out["address_city"], out["address_district"] = detail, province, city, district
    out["house"] = house
    out["phone_province"] = out["phone_city"] = None
    if phone is not None:
        p = pc.utf8_normalize(pa.array([phone], type=pa.string()), "NFKC")[0].as_py()
        area = _AREA_CODE_PY.search(_PHONE_PREFIX.sub("0", _PHONE_PUNCT.sub("", p), count=1))
        if area:
            out["phone_province"], out["phone_city"] = _area_place_cached(area.group(1))
    out["mobile"] = next((k for k in phones if len(k) == 11 and k[0] == "1"), None)
    return out
