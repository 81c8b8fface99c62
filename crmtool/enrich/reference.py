"""The built-in provider: a local reference table of registry data (CSV, Parquet or DuckDB).

Rows are matched by unified social credit code first, else by the normalised company name (the
company_name rule's clean form: full width, traditional characters and brackets normalised). A name
that occurs more than once in the reference is ambiguous and never matched by name.

Reference columns are found by name (English or the Chinese headers registry exports use):
统一社会信用代码 / 企业名称 / 注册资本 / 法定代表人 / 成立日期 / 登记状态 / 所属行业, or given explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from crmtool.enrich.providers import FIELDS, LookupKeys

if TYPE_CHECKING:
    import pandas as pd

SYNONYMS = {
    "credit_code": ("credit_code", "uscc", "统一社会信用代码", "社会信用代码", "信用代码"),
    "name": ("name", "company_name", "企业名称", "公司名称", "名称", "单位名称"),
    "registered_capital": ("registered_capital", "注册资本", "注册资金"),
    "legal_representative": ("legal_representative", "法定代表人", "法人代表", "法人", "负责人"),
    "founding_date": ("founding_date", "成立日期", "成立时间", "注册日期"),
    "status": ("status", "登记状态", "经营状态", "企业状态", "状态"),
    "industry": ("industry", "所属行业", "国标行业", "行业"),
}


class LocalReferenceProvider:
    """Registry data from a local file, looked up by credit code, else by normalised name."""

    name = "reference"
    fields = FIELDS

    def __init__(self, path: str | Path, *, table: str | None = None, columns: Mapping[str, str] | None = None):
        self.path = Path(path)
        self.name = f"reference:{self.path.name}"
        self._frame = _prepare(_load(self.path, table), dict(columns or {}))

    @property
    def frame(self) -> "pd.DataFrame":
        return self._frame

    def lookup(self, keys: LookupKeys) -> "pd.DataFrame":
        import pandas as pd

        ref = self._frame
        fields = [f for f in self.fields if f in ref]
        left = pd.DataFrame({"_code": keys.credit_code.astype("string"), "_name": keys.name.astype("string")})
        left["_pos"] = range(len(left))
        by_code = left.merge(ref.dropna(subset=["_code"]).drop_duplicates("_code")[["_code", *fields]],
                             on="_code", how="inner")
        by_code["_match"] = "credit_code"
        names = ref.dropna(subset=["_name"])
        unique_names = names[~names["_name"].duplicated(keep=False)]
        rest = left[~left["_pos"].isin(by_code["_pos"])]
        by_name = rest.merge(unique_names[["_name", *fields]], on="_name", how="inner")
        by_name["_match"] = "name"
        hits = pd.concat([by_code, by_name], ignore_index=True).set_index("_pos")
        out = pd.DataFrame(index=range(len(left)))
        for field in [*fields, "_match"]:
            out[field] = hits[field].reindex(out.index).astype("string")
        out.index = keys.credit_code.index
        return out


def _load(path: Path, table: str | None) -> "pd.DataFrame":
    import pandas as pd

    from crmtool.errors import InputError
    from crmtool.issues import PROVENANCE
    from crmtool.read import SUPPORTED_SUFFIXES, read_table

    if not path.exists():
        raise InputError(path, "reference table not found")
    suffix = path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return read_table(path).table.drop(columns=PROVENANCE)
    if suffix == ".parquet":
        return pd.read_parquet(path).astype("string")
    if suffix in (".duckdb", ".db"):
        from crmtool.engine import DuckDBEngine

        with DuckDBEngine(str(path), read_only=True) as engine:
            tables = engine.sql("SELECT table_name FROM information_schema.tables").column(0).to_pylist()
            name = table or (tables[0] if len(tables) == 1 else None)
            if name not in tables:
                raise InputError(path, f"name the table to use (tables: {', '.join(tables) or 'none'})")
            return engine.sql(f'SELECT * FROM "{name}"').to_pandas().astype("string")
    raise InputError(path, f"reference tables are spreadsheets or text exports (as `crmtool read` takes), .parquet or .duckdb, not {suffix or '(none)'}")


def _prepare(frame: "pd.DataFrame", columns: dict[str, str]) -> "pd.DataFrame":
    """Rename to the field names, add the match keys `_code` and `_name`."""
    import pandas as pd

    from crmtool.cleanse.company_name import normalise_company_name
    from crmtool.cleanse.credit_code import normalise_credit_code
    from crmtool.errors import ConfigError

    rename = {}
    for field, synonyms in SYNONYMS.items():
        source = columns.get(field) or next((c for c in frame.columns if str(c).strip().lower() in synonyms), None)
        if source is not None:
            rename[source] = field
    frame = frame.rename(columns=rename)
    if "credit_code" not in frame and "name" not in frame:
        raise ConfigError("reference table: needs a credit code or a company name column "
                          f"(columns: {', '.join(map(str, frame.columns))})")
    out = pd.DataFrame(index=frame.index)
    blank = lambda s: s.astype("string").str.strip().replace("", pd.NA)  # noqa: E731
    out["_code"] = blank(frame["credit_code"]).map(lambda v: normalise_credit_code(v)[0], na_action="ignore") \
        if "credit_code" in frame else pd.NA
    out["_name"] = blank(frame["name"]).map(normalise_company_name, na_action="ignore") if "name" in frame else pd.NA
    for field in FIELDS:
        if field in frame:
            out[field] = blank(frame[field])
    return out.astype("string")
