"""What every target shares: the store's columns, text frames to and from Arrow, the bookkeeping values.

Frames crossing the Target interface hold every column as Arrow-backed text (`string[pyarrow]`),
missing = <NA>; these helpers keep that true whatever a driver hands back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crmtool.migrate.targets.base import META_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from crmtool.migrate.model import ObjectDef

TEXT = "string[pyarrow]"


def store_columns(obj: "ObjectDef") -> list[str]:
    """The columns of an object's table: its fields in model order, then the bookkeeping columns."""
    return [*obj.fields, *META_COLUMNS]


def now_text() -> str:
    """UTC now in the canonical datetime form (what `_crm_loaded_at` holds)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def empty_frame(columns: list[str]) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({c: null_text(0) for c in columns})


def text_frame(frame: "pd.DataFrame", columns: list[str]) -> "pd.DataFrame":
    """`frame` reduced to `columns` (missing ones empty), every column text, '' as <NA>."""
    import pandas as pd

    out = {}
    for column in columns:
        if column in frame.columns:
            values = frame[column] if frame[column].dtype == TEXT else frame[column].astype(TEXT)
            empty = (values == "").fillna(False)
            out[column] = values.mask(empty, pd.NA) if empty.any() else values
        else:
            out[column] = pd.Series(null_text(len(frame)).array, index=frame.index)
    return pd.DataFrame(out, index=frame.index)


def null_text(n: int) -> "pd.Series":
    """n empty text values, built by Arrow (pandas builds them one by one)."""
    import pandas as pd
    import pyarrow as pa

    return pa.chunked_array([pa.nulls(n, pa.string())]).to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow"))


def arrow_to_frame(table: "pa.Table", columns: list[str]) -> "pd.DataFrame":
    """An Arrow table (all text) as a text frame with exactly `columns`."""
    import pandas as pd
    import pyarrow as pa

    table = table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_string(t) else None)
    return text_frame(frame, columns) if list(frame.columns) != columns else frame


def frame_to_arrow(frame: "pd.DataFrame", columns: list[str]) -> "pa.Table":
    """A text frame as an Arrow table of string columns (missing columns null)."""
    import pyarrow as pa

    arrays = []
    for column in columns:
        if column in frame.columns:
            arrays.append(pa.array(frame[column].astype(TEXT), type=pa.string()))
        else:
            arrays.append(pa.nulls(len(frame), type=pa.string()))
    return pa.table(arrays, names=columns)


def with_meta(rows: "pd.DataFrame", obj: "ObjectDef", run_id: str) -> "pd.DataFrame":
    """The rows to write, all store columns: `_crm_run_id` and `_crm_loaded_at` are this run and now,
    unless the rows carry those columns themselves (a rollback putting snapshot rows back exactly as
    they were, empty bookkeeping included)."""
    columns = store_columns(obj)
    out = text_frame(rows, columns)
    if "_crm_run_id" not in rows.columns:
        out["_crm_run_id"] = out["_crm_run_id"].fillna(run_id)
    if "_crm_loaded_at" not in rows.columns:
        out["_crm_loaded_at"] = out["_crm_loaded_at"].fillna(now_text())
    return out


def keys_frame(keys: list[str] | None) -> "pa.Table":
    import pyarrow as pa

    return pa.table({"key": pa.array(list(keys or []), type=pa.string())})
