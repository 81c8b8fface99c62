"""The cleanse attributes enrichment reads (`C__province`, `C__city`, …), without cleansing twice.

`derive` and `lookup_keys` read, for each column C of a region kind, columns that `cleanse_table`
adds: `C__clean` and the attributes in ATTRIBUTES. A table that went through `cleanse_table` has
them. A table of field values does not, and cleansing it again only to get them was most of the
run's enrich stage (docs/benchmarks.md, "Pipeline"): its values are what the run's cleanse stage
already returned, and that stage can keep what the rules said about each of them
(`crmtool.mapper.cleanse_fields_and_attributes`: one row per field and distinct clean value).

`with_attributes` takes the attributes of a value from there; the rules are idempotent (a clean value
cleansed again is itself, with the same attributes: tests/cleanse/test_properties.py), so these are
the attributes `cleanse_table` would give that value. Values found in neither the table's own
columns nor the kept ones (a default filled in after the rule, a value a later transform changed, a
golden value from the store, a table that was never cleansed) are cleansed here, once per distinct
value, exactly as `cleanse_table` would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# What derive and lookup_keys read of each kind's cleanse attributes (besides C__clean).
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "address": ("province", "city"),
    "credit_code": ("province", "city", "org_type", "code_type"),
    "company_name": ("province", "city"),
    "phone": ("province", "city", "phone_type"),
    "landline": ("province", "city", "phone_type"),
}


def with_attributes(table: "pd.DataFrame", kinds: Mapping[str, str], kept: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """`table` with `C__clean` and the ATTRIBUTES of each column C in `kinds` ({column: kind}) that
    lacks them: from `kept` (columns `field`, `rule`, `value` and attribute names: what the cleanse
    stage kept, see the module docstring) where it has the row's value by the kind's rule, else from
    that rule run here."""
    import pandas as pd

    added: dict[str, pd.Series] = {}
    arrays: dict = {}  # kept's columns as Arrow arrays, converted once
    for column, kind in kinds.items():
        names = ATTRIBUTES.get(kind)
        if names is None or all(f"{column}__{a}" in table for a in ("clean", *names)):
            continue
        if kept is not None and not arrays:
            arrays = {c: _arrow(kept[c]) for c in kept.columns}
        added.update(_column_attributes(table, column, kind, names, arrays))
    if not added:
        return table
    rest = table.drop(columns=[c for c in added if c in table])
    return pd.concat([rest, pd.DataFrame(added, index=table.index)], axis=1)


def _column_attributes(table: "pd.DataFrame", column: str, kind: str, names: tuple[str, ...],
                       kept: dict) -> dict[str, "pd.Series"]:
    """C__clean and C__<name> for one column: each row's value looked up (one hash join in Arrow) among
    the values kept, the values not kept cleansed once each and added to them."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.cleanse.stage import cleanse_column

    values = _arrow(table[column])
    known = _known(kept, column, kind, names)
    where = pc.index_in(values, value_set=known["value"])
    todo = pc.and_(pc.is_null(where), pc.is_valid(values))
    if pc.any(todo).as_py():  # not kept: cleanse them, once per distinct value
        distinct = pd.Series(pd.arrays.ArrowStringArray(pc.unique(values.filter(todo))), name=column)
        result = cleanse_column(distinct.to_frame(), column, kind)
        computed = {"value": distinct, "clean": result.clean, **{a: result.attrs[a] for a in names}}
        known = {c: pa.concat_arrays([known[c], _arrow(computed[c])]) for c in known}
        where = pc.index_in(values, value_set=known["value"])
    # a <NA> index (an empty cell) takes <NA>: what cleanse_table says of an empty cell
    return {f"{column}__{name}": pd.Series(pd.arrays.ArrowStringArray(known[name].take(where)), index=table.index)
            for name in ("clean", *names)}


def _arrow(values) -> "pa.Array":
    """Text (a Series or an Arrow array) as one Arrow large_string array (the type cleanse's columns have)."""
    import pyarrow as pa

    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _known(kept: dict, column: str, kind: str, names: tuple[str, ...]) -> dict[str, "pa.Array"]:
    """The attributes kept (Arrow arrays by column name) of `column`'s values by the rule of `kind`:
    value, clean (= value), names; empty when none were kept. A value kept twice (by two mappings)
    has the same attributes twice: the lookup may take either."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not kept or not len(kept["field"]) or any(n not in kept for n in ("field", "rule", "value", *names)):
        return {c: pa.array([], type=pa.large_string()) for c in ("value", "clean", *names)}
    mine = pc.and_kleene(pc.equal(kept["field"], column), pc.equal(kept["rule"], kind))
    mine = pc.and_(pc.fill_null(mine, False), pc.is_valid(kept["value"]))
    out = {c: kept[c].filter(mine) for c in ("value", *names)}
    return {"clean": out["value"], **out}
