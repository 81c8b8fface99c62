"""Offline enrichment: one region and organisation type per row from the cleansed columns, and the
contradictions between them reported as warnings (a Shenzhen credit code on a Beijing address).

Sources of a region, most trusted first: the address (where the customer is now), the credit code
(where it was registered: positions 3-8), a region in the company name, a landline's area code.
Mobile numbers are not used: people keep them when they move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from crmtool.issues import Severity, concat_issues, issues_for_rows

if TYPE_CHECKING:
    import pandas as pd

REGION_SOURCES = ("address", "credit_code", "company_name", "landline", "phone")
# Pairs compared for contradictions: (first, second) kinds.
CONFLICT_PAIRS = (("credit_code", "address"), ("company_name", "address"), ("credit_code", "company_name"))


def _region_columns(table: "pd.DataFrame", kinds: Mapping[str, str]) -> dict[str, tuple[str, "pd.Series", "pd.Series"]]:
    """kind → (column, province, city) from the first cleansed column of that kind."""
    import pandas as pd

    found: dict[str, tuple[str, pd.Series, pd.Series]] = {}
    for column, kind in kinds.items():
        kind = "landline" if kind in ("phone", "landline") else kind
        if kind not in REGION_SOURCES or kind in found or f"{column}__province" not in table:
            continue
        province = table[f"{column}__province"].astype("string")
        city = table[f"{column}__city"].astype("string") if f"{column}__city" in table else \
            pd.Series(pd.NA, index=table.index, dtype="string")
        if kind == "landline" and f"{column}__phone_type" in table:  # a mobile's region says little
            landline = table[f"{column}__phone_type"].astype("string") == "landline"
            province, city = province.where(landline), city.where(landline)
        found[kind] = (column, province, city)
    return found


def derive(table: "pd.DataFrame", kinds: Mapping[str, str]) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(columns enrich__province, enrich__city, enrich__region_source, enrich__org_type; issues)."""
    import pandas as pd

    sources = _region_columns(table, kinds)
    index = table.index
    province = pd.Series(pd.NA, index=index, dtype="string")
    city = pd.Series(pd.NA, index=index, dtype="string")
    source = pd.Series(pd.NA, index=index, dtype="string")
    for kind in ("address", "credit_code", "company_name", "landline"):
        if kind not in sources:
            continue
        column, prov, cty = sources[kind]
        take = province.isna() & prov.notna()
        province = province.mask(take, prov)
        city = city.mask(take, cty)
        source = source.mask(take, column)
    out = pd.DataFrame({"enrich__province": province, "enrich__city": city, "enrich__region_source": source},
                       index=index)
    org = [c for c, k in kinds.items() if k == "credit_code" and f"{c}__org_type" in table]
    out["enrich__org_type"] = table[f"{org[0]}__org_type"].astype("string") if org else pd.Series(
        pd.NA, index=index, dtype="string")
    return out, contradictions(table, sources)


def contradictions(table: "pd.DataFrame", sources) -> "pd.DataFrame":
    """A warning per row where two sources name different provinces, or different cities."""
    import pandas as pd

    frames = []
    for first, second in CONFLICT_PAIRS:
        if first not in sources or second not in sources:
            continue
        col_a, prov_a, city_a = sources[first]
        col_b, prov_b, city_b = sources[second]
        province_differs = prov_a.notna() & prov_b.notna() & (prov_a != prov_b)
        city_differs = ~province_differs & city_a.notna() & city_b.notna() & (city_a != city_b)
        mask = (province_differs | city_differs).fillna(False)
        if not mask.any():
            continue
        rows = mask.to_numpy(dtype=bool)  # the message of the rows in conflict only (a few in a hundred)
        where_a = _place(prov_a[rows], city_a[rows])
        where_b = _place(prov_b[rows], city_b[rows])
        message = pd.Series(pd.NA, index=table.index, dtype="string")
        message[rows] = (f"{col_a} ({first}) says " + where_a + f", {col_b} ({second}) says " + where_b).to_numpy()
        frames.append(issues_for_rows(
            table, mask, column=col_b, rule=f"enrich.region_conflict.{first}_{second}", severity=Severity.WARNING,
            message=message, original=table[col_b].astype("string"),
        ))
    return concat_issues(frames)


def _place(province: "pd.Series", city: "pd.Series") -> "pd.Series":
    """广东省深圳市, or the province alone when the city is the province (北京市) or unknown."""
    return province.fillna("") + city.where(city != province, "").fillna("")
