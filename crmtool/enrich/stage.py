"""The enrich stage: derived regions and contradictions, then reference providers fill what is missing.

`enrich_table` reads a cleansed table (`cleanse_table`'s columns); `enrich_fields` any table of values,
taking the cleanse attributes it needs from what the cleanse stage kept or computing them.

Adds `enrich__province`, `enrich__city`, `enrich__region_source`, `enrich__org_type`, and for each
provider field F `enrich__F` (the input's value, else the first provider's) and `enrich__F__source`
("input" or the provider and how it matched, e.g. "reference:registry.csv by credit_code").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from crmtool.enrich.derived import derive
from crmtool.enrich.providers import FIELDS, LookupKeys, Provider
from crmtool.issues import Severity, concat_issues, issues_for_rows

if TYPE_CHECKING:
    import pandas as pd


def lookup_keys(table: "pd.DataFrame", kinds: Mapping[str, str]) -> LookupKeys:
    """Credit codes and names to match on, from the cleansed columns (`C__clean`)."""
    import pandas as pd

    empty = pd.Series(pd.NA, index=table.index, dtype="string")
    code, name = empty, empty
    for column, kind in kinds.items():
        if kind == "credit_code" and code is empty and f"{column}__clean" in table:
            is_uscc = table.get(f"{column}__code_type", empty).astype("string") == "uscc"
            code = table[f"{column}__clean"].astype("string").where(is_uscc.fillna(False))
        if kind == "company_name" and name is empty and f"{column}__clean" in table:
            name = table[f"{column}__clean"].astype("string")
    return LookupKeys(code, name)


def enrich_table(
    table: "pd.DataFrame",
    kinds: Mapping[str, str],
    providers: Sequence[Provider] = (),
    field_columns: Mapping[str, str] | None = None,
) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(table with enrich__* columns, issues). `table` is the cleanse stage's output; `kinds` the
    kinds it was cleansed with; `field_columns` maps provider fields to the table's own columns
    (e.g. {"legal_representative": "法人"}) so that values already there are kept, and compared."""
    import pandas as pd

    derived, issues = derive(table, kinds)
    added = {c: derived[c] for c in derived.columns}
    field_columns = dict(field_columns or {})
    keys = lookup_keys(table, kinds)
    results = [(p, p.lookup(keys)) for p in providers]
    frames = [issues]
    for field in FIELDS:
        column = field_columns.get(field)
        if column is not None and column in table:
            value = table[column].astype("string").str.strip().replace("", pd.NA)
        else:
            value = pd.Series(pd.NA, index=table.index, dtype="string")
        source = pd.Series("input", index=table.index, dtype="string").where(value.notna())
        for provider, found in results:
            if field not in found:
                continue
            theirs = found[field]
            fill = value.isna() & theirs.notna()
            value = value.mask(fill, theirs)
            source = source.mask(fill, provider.name + " by " + found["_match"])
            if column is not None and column in table:
                differs = source.eq("input") & theirs.notna() & (value != theirs)
                if differs.fillna(False).any():
                    frames.append(issues_for_rows(
                        table, differs, column=column, rule=f"enrich.reference_mismatch.{field}",
                        severity=Severity.WARNING, message=f"{provider.name} has " + theirs,
                        original=value, suggestion=theirs))
        if value.notna().any() or column is not None:
            added[f"enrich__{field}"] = value
            added[f"enrich__{field}__source"] = source
    out = pd.concat([table, pd.DataFrame(added, index=table.index)], axis=1)
    return out, concat_issues(frames)


def enrich_fields(
    table: "pd.DataFrame",
    kinds: Mapping[str, str],
    kept: "pd.DataFrame | None" = None,
    providers: Sequence[Provider] = (),
    field_columns: Mapping[str, str] | None = None,
) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """`enrich_table` over a table of field values, cleansed or not (the run's enrich stage): the
    cleanse attributes it reads come from the table's own `C__…` columns, else from `kept` (what the
    run's cleanse stage kept of each value, see crmtool.enrich.attributes), else from the cleanse rules."""
    from crmtool.enrich.attributes import with_attributes

    return enrich_table(with_attributes(table, kinds, kept), kinds, providers, field_columns)


def load_provider(name: str, **options) -> Provider:
    """An installed provider by entry point name (e.g. "reference", path=…); ConfigError if unknown."""
    from crmtool.enrich.providers import discover
    from crmtool.errors import ConfigError

    found, warnings = discover()
    if name not in found:
        raise ConfigError(f"no enrichment provider {name!r} (installed: {', '.join(sorted(found))})"
                          + (f"; {'; '.join(warnings)}" if warnings else ""))
    return found[name](**options)
