"""Resolving references: a contact's account found by the account's external id, name or credit code.

A `RelationIndex` holds, for one object (accounts), the keys a reference may name and the external id
each key leads to. It is built from the object's mapped rows of this run and extended with the rows
already in the CRM store. When dedupe merged records, `redirect` maps a merged record's external id to
its survivor's, so everything that named the merged record (its id, its name, its code) leads to the
survivor: a contact of a duplicate account ends up on the account that is loaded.

Names match in two steps. First the cleansed full name (the company_name rule's normalised form:
simplified characters, one bracket style, no stray spaces), so `華信（北京）科技有限公司` and
`华信(北京)科技有限公司` are the same key. Only when no full name matches, the trade name (the rule's
`name_key`: the name without region, organisation form and punctuation), restricted to the lookup's
province when it names one and never matching a branch: `天润贸易` finds `广州天润贸易有限公司`, while
`华信科技` with a Beijing and a Shanghai 华信科技 is ambiguous. A match is unique when all candidates lead
to one external id; otherwise the reference is ambiguous and is not resolved.

Everything is done on distinct values with pandas merges and maps, never row by row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.model import ObjectDef

BY = ("external_id", "name", "credit_code")
ENTRY_COLUMNS = ["by", "key", "id", "label", "province", "branch"]


def name_field(obj: "ObjectDef") -> str | None:
    """The field a reference `by: name` compares with: the first company_name field, else `name`."""
    typed = [f for f, d in obj.fields.items() if d.type == "company_name"]
    return typed[0] if typed else ("name" if "name" in obj.fields else None)


def code_field(obj: "ObjectDef") -> str | None:
    typed = [f for f, d in obj.fields.items() if d.type == "credit_code"]
    return typed[0] if typed else None


def _lookup(redirect) -> "pd.Series":
    """merged external id → survivor's, as a Series with a unique index (the last entry of a repeated
    id wins, as in a dict): Series.map looks it up without building a dict per call."""
    import pandas as pd

    series = redirect if isinstance(redirect, pd.Series) else pd.Series(dict(redirect or {}), dtype="string")
    series = series[series.index.notna()].astype("string")
    series.index = series.index.astype("string")
    return series[~series.index.duplicated(keep="last")]


class RelationIndex:
    """Keys of one object's records (external id, cleansed name, trade name, credit code) → external id."""

    def __init__(self, object_def: "ObjectDef", redirect: "Mapping[str, str] | pd.Series | None" = None):
        import pandas as pd

        self.object_def = object_def
        self.redirect = _lookup(redirect)
        self.entries = pd.DataFrame({c: pd.Series(dtype="string") for c in ENTRY_COLUMNS})
        if len(self.redirect):
            merged = pd.Series(self.redirect.index, dtype="string")
            self._add(pd.DataFrame({"by": "external_id", "key": merged, "id": self._survivor(merged)}))

    @classmethod
    def from_rows(cls, rows: "pd.DataFrame", object_def: "ObjectDef",
                  redirect: "Mapping[str, str] | pd.Series | None" = None) -> "RelationIndex":
        """An index over the object's mapped rows; `redirect` maps merged external ids to survivors'."""
        return cls(object_def, redirect).extend(rows)

    def extend(self, store_rows: "pd.DataFrame") -> "RelationIndex":
        """Add records (mapped rows, or rows fetched from the CRM store); returns the index."""
        import pandas as pd

        ext = self.object_def.external_id
        if ext not in store_rows or not len(store_rows):
            return self
        rows = store_rows.loc[store_rows[ext].notna()]
        ids = self._survivor(rows[ext].astype("string"))
        frames = [pd.DataFrame({"by": "external_id", "key": rows[ext].astype("string"), "id": ids})]
        name = name_field(self.object_def)
        if name and name in rows:
            names = _company_names(rows[name])
            label = names["clean"].fillna(rows[name].astype("string"))
            frames.append(pd.DataFrame({"by": "name", "key": names["clean"], "id": ids, "label": label}))
            frames.append(pd.DataFrame({"by": "trade_name", "key": names["name_key"], "id": ids, "label": label,
                                        "province": names["province"], "branch": names["is_branch"]}))
        code = code_field(self.object_def)
        if code and code in rows:
            frames.append(pd.DataFrame({"by": "credit_code", "key": _credit_codes(rows[code]), "id": ids}))
        for frame in frames:
            self._add(frame)
        return self

    def _survivor(self, ids: "pd.Series") -> "pd.Series":
        if not len(self.redirect):
            return ids.astype("string")
        return ids.map(self.redirect).fillna(ids).astype("string")

    def _add(self, frame: "pd.DataFrame") -> None:
        import pandas as pd

        frame = frame.reindex(columns=ENTRY_COLUMNS).astype("string")
        frame = frame.loc[frame["key"].notna() & frame["id"].notna()]
        self.entries = pd.concat([self.entries, frame], ignore_index=True).drop_duplicates(["by", "key", "id"])

    def __len__(self) -> int:
        return int((self.entries["by"] == "external_id").sum())

    def resolve(self, values: "pd.Series", by: str = "external_id") -> "pd.Series":
        """The external id each value leads to; <NA> when none or several (see `match`)."""
        return self.match(values, by)["id"]

    def match(self, values: "pd.Series", by: str = "external_id") -> "pd.DataFrame":
        """Per value: `id` (when exactly one record matches), `matches` (how many distinct records),
        `candidates` (up to five, for messages) and `how` (exact | trade_name)."""
        import pandas as pd

        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
        values = values.astype("string")
        distinct = pd.Series(values.dropna().unique(), dtype="string")
        if by == "name":
            table = self._match_names(distinct)
        else:
            keys = _credit_codes(distinct) if by == "credit_code" else distinct
            table = self._match_keys(pd.DataFrame({"value": distinct, "key": keys}), by, "exact")
        table = table.set_index("value")
        out = pd.DataFrame(index=values.index)
        out["id"] = values.map(table["id"]).astype("string")
        out["matches"] = values.map(table["matches"]).fillna(0).astype("int64")
        out["candidates"] = values.map(table["candidates"]).astype("string")
        out["how"] = values.map(table["how"]).astype("string")
        return out

    def _match_keys(self, lookups: "pd.DataFrame", by: str, how: str, label: bool = False) -> "pd.DataFrame":
        """lookups (value, key[, province]) → value, id, matches, candidates, how for the entries of `by`."""
        import pandas as pd

        entries = self.entries.loc[self.entries["by"] == by, ["key", "id", "label", "province", "branch"]]
        hits = lookups.dropna(subset=["key"]).merge(entries, on="key", suffixes=("", "_entry"))
        if "province_entry" in hits:
            ok = hits["province"].isna() | hits["province_entry"].isna() | (hits["province"] == hits["province_entry"])
            hits = hits.loc[ok & (hits["branch"] != "true")]
        if label:
            hits = hits.assign(shown=hits["label"].fillna(hits["id"]) + " (" + hits["id"] + ")")
        else:
            hits = hits.assign(shown=hits["id"])
        hits = hits.drop_duplicates(["value", "id"]).sort_values(["value", "id"])
        grouped = hits.groupby("value", sort=False)
        table = pd.DataFrame({"matches": grouped["id"].nunique(), "first": grouped["id"].first(),
                              "candidates": grouped["shown"].agg(lambda s: ", ".join(s.iloc[:5]))})
        table = table.reindex(lookups["value"].dropna().unique())
        table["matches"] = table["matches"].fillna(0).astype("int64")
        table["id"] = table["first"].where(table["matches"] == 1).astype("string")
        table["how"] = pd.Series(how, index=table.index, dtype="string").where(table["matches"] > 0)
        return table.drop(columns="first").rename_axis("value").reset_index()

    def _match_names(self, distinct: "pd.Series") -> "pd.DataFrame":
        import pandas as pd

        names = _company_names(distinct)
        exact = self._match_keys(pd.DataFrame({"value": distinct, "key": names["clean"]}), "name", "exact")
        unmatched = exact["matches"] == 0
        if not unmatched.any():
            return exact
        left = pd.DataFrame({"value": distinct, "key": names["name_key"], "province": names["province"]})
        left = left.loc[left["value"].isin(exact.loc[unmatched, "value"])]
        trade = self._match_keys(left, "trade_name", "trade_name", label=True)
        return pd.concat([exact.loc[~unmatched], trade], ignore_index=True)


def _company_names(values: "pd.Series") -> "pd.DataFrame":
    """Cleansed name, trade-name key, province and branch flag per value (the company_name rule)."""
    import pandas as pd

    from crmtool.cleanse.company_name import check_company_name
    from crmtool.cleanse.rule import run_rule

    values = values.astype("string")
    frame = pd.DataFrame({"v": values})
    result = run_rule(frame, "v", check_company_name, ("name_key", "province", "is_branch"), values=values)
    return pd.DataFrame({"clean": result.clean, **{a: result.attrs[a] for a in result.attrs.columns}}, index=values.index)


def _credit_codes(values: "pd.Series") -> "pd.Series":
    """Credit codes in the credit_code rule's clean form (upper case, no spaces, O/I fixed)."""
    import pandas as pd

    from crmtool.cleanse.credit_code import check_credit_code
    from crmtool.cleanse.rule import run_rule

    values = values.astype("string")
    result = run_rule(pd.DataFrame({"v": values}), "v", check_credit_code, (), values=values)
    return result.clean
