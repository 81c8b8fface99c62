"""The load stage: upsert an object's rows into a target by external id, idempotently, with a snapshot
of what the target held before, so the run can be rolled back (crmtool.load.rollback).

For each object: canonicalise the rows (typed fields in the one text form a target gives back), hash
them, read the target's current rows for the same external ids, snapshot those rows into the run
directory (before anything is written), classify every row as inserted / updated / unchanged by
comparing hashes, and upsert only the inserted and updated ones. Loading the same data again
changes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.errors import TargetError
from crmtool.load.targets.frames import TEXT, text_arrow, text_frame, text_isin

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from crmtool.load.targets.base import Target
    from crmtool.model import ObjectDef

SEPARATOR = "\x1f"  # ASCII unit separator between field values
NULL_MARK = "\x1e"  # ASCII record separator stands for an empty field
STATUSES = ("inserted", "updated", "unchanged")
INSERTED, UPDATED, UNCHANGED = range(len(STATUSES))  # the codes `classify` gives, indexes into STATUSES
LOAD_COLUMNS = ["_row_id", "external_id", "status", "run_id"]


@lru_cache(maxsize=1)
def _engine():
    """One in-memory engine for the stage's column work; each call takes its own cursor (connection)."""
    from crmtool.engine import DuckDBEngine

    return DuckDBEngine()


def _text_table(rows: "pd.DataFrame", fields: list[str]) -> "pa.Table":
    """`fields` of a text frame as Arrow string columns, '' and missing ones null."""
    import pyarrow as pa

    return pa.table([text_arrow(rows[f]) if f in rows.columns else pa.nulls(len(rows), pa.string()) for f in fields],
                    names=fields)


def row_hash(rows: "pd.DataFrame", fields: list[str]) -> "pd.Series":
    """md5 (hex) of each row's field values in `fields` order, joined by U+001F, empty as U+001E.

    The same as `hashlib.md5("\\x1f".join(v or "\\x1e" for v in values).encode("utf-8")).hexdigest()`
    per row, computed by DuckDB over the Arrow column buffers (multi-threaded, no Python per row):
    md5 and UTF-8 are fixed by standards, so the hash is the same in every process, on every machine
    and in every version. Only values containing the two control characters could collide; the read
    and cleanse stages do not produce them. Missing columns count as empty; '' counts as empty.
    """
    import pandas as pd

    if not fields:
        raise ValueError("row_hash needs at least one field")
    names = [f"c{i}" for i in range(len(fields))]
    table = _text_table(rows, fields).rename_columns(names)
    parts = ", ".join(f"coalesce(nullif({n}, ''), chr({ord(NULL_MARK)}))" for n in names)
    con = _engine().cursor()
    try:
        con.register("rows_", table)
        hashes = con.sql(f"SELECT md5(concat_ws(chr({ord(SEPARATOR)}), {parts})) AS h FROM rows_")
    finally:
        con.close()
    return pd.Series(hashes.column("h").to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow")).array,
                     index=rows.index, name="_crm_hash", dtype=TEXT)


def canonical_rows(rows: "pd.DataFrame", obj: "ObjectDef", object_name: str) -> "pd.DataFrame":
    """The object's fields as canonical text: typed fields cast to their SQL type and printed back the way
    a target prints them, so that what is loaded and what is fetched hash the same. A value that does not
    convert is a TargetError naming the field and the value (the verify stage should have stopped it)."""
    from crmtool.load.targets.frames import arrow_to_frame, frame_to_arrow
    from crmtool.load.targets.sqltext import quote, to_text

    fields = list(obj.fields)
    frame = text_frame(rows, fields)
    typed = {name: f.sql_type for name, f in obj.fields.items()
             if f.sql_type != "VARCHAR" and not _is_canonical(frame[name], f.sql_type)}
    if not typed or frame.empty:
        return frame
    con = _engine().cursor()
    try:
        con.register("rows_", frame_to_arrow(frame, fields))
        failed = {name: f"{quote(name)} IS NOT NULL AND TRY_CAST({quote(name)} AS {t}) IS NULL" for name, t in typed.items()}
        examples = con.sql("SELECT " + ", ".join(f"min({quote(n)}) FILTER (WHERE {cond})" for n, cond in failed.items())
                           + " FROM rows_").columns
        examples = [column[0].as_py() for column in examples]
        for (name, sql_type), bad in zip(typed.items(), examples):
            if bad is not None:
                raise TargetError(f"{object_name}.{name}: {bad!r} is not a valid {obj.fields[name].type} "
                                  f"({sql_type}); fix the mapping or let verify reject the row")
        select = ", ".join(to_text(f"CAST({quote(c)} AS {typed[c]})", typed[c], "duckdb") + f" AS {quote(c)}"
                           if c in typed else quote(c) for c in fields)
        table = con.sql(f"SELECT {select} FROM rows_")
    finally:
        con.close()
    out = arrow_to_frame(table, fields)
    out.index = frame.index
    return out


def _is_canonical(values: "pd.Series", sql_type: str) -> bool:
    """True when every value is already the text a target prints for it (so canonicalising keeps it):
    Arrow parses it to `sql_type` and prints it back unchanged. Arrow prints integers, two-place
    decimals, booleans and 4-digit-year dates and datetimes the way targets do (sqltext)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmtool.load.targets.frames import arrow_type

    text = text_arrow(values)
    arrow = pa.timestamp("s") if sql_type == "TIMESTAMP" else arrow_type(sql_type)
    if arrow == pa.string() or text.null_count == len(text):
        return text.null_count == len(text)
    try:
        parsed = text.cast(arrow)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    if sql_type in ("DATE", "TIMESTAMP"):
        years = pc.min_max(pc.year(parsed))
        if years["min"].as_py() < 1000 or years["max"].as_py() > 9999:
            return False
    return bool(pc.all(pc.equal(parsed.cast(pa.string()), text)).as_py())


def check_keys(keys: "pd.Series", object_name: str, key: str) -> None:
    import pyarrow.compute as pc

    missing = int(keys.isna().sum())
    if missing:
        raise TargetError(f"{object_name}: {missing} row(s) without {key}, the external id; every row loaded needs one")
    if len(pc.unique(text_arrow(keys))) == len(keys):  # unique's hash table is about 2x count_distinct's speed
        return
    repeated = keys[keys.duplicated()]
    if len(repeated):
        raise TargetError(f"{object_name}: {repeated.nunique()} {key} value(s) appear more than once "
                          f"(e.g. {repeated.iloc[0]!r}); dedupe or fix the mapping so each record is loaded once")


def classify(new_hash: "pd.Series", keys: "pd.Series", current: "pd.DataFrame", fields: list[str], key: str):
    """A numpy int8 array aligned with `keys`, codes into STATUSES: INSERTED (not in the target),
    UPDATED (hash differs), UNCHANGED."""
    import numpy as np
    import pyarrow.compute as pc

    if current.empty:
        return np.full(len(keys), INSERTED, dtype=np.int8)
    where = pc.index_in(text_arrow(keys), value_set=text_arrow(current[key]).combine_chunks())
    old = pc.take(text_arrow(row_hash(current, fields)), where)
    present = where.is_valid().to_numpy(zero_copy_only=False)
    same = pc.fill_null(pc.equal(old, text_arrow(new_hash)), False).to_numpy(zero_copy_only=False)
    return np.where(present, np.where(same, UNCHANGED, UPDATED), INSERTED).astype(np.int8)


# --- the snapshot: what the target held before the run first touched it -------------------------

def snapshot_paths(run_dir: str | Path, object_name: str) -> tuple[Path, Path]:
    """(rows file, keys file). The rows are the target rows before the run; the keys are every external id
    the run may have written, whether the target held it or not (rollback deletes the ones it did not)."""
    folder = Path(run_dir) / "snapshot"
    return folder / f"{object_name}.parquet", folder / f"{object_name}.keys.parquet"


def read_snapshot(run_dir: str | Path, object_name: str) -> "tuple[pd.DataFrame, pd.Series] | None":
    """(rows before the run, keys covered), or None when the run never snapshotted this object."""
    import pandas as pd

    rows_path, keys_path = snapshot_paths(run_dir, object_name)
    if not keys_path.exists():
        return None
    rows = pd.read_parquet(rows_path).astype(TEXT)
    keys = pd.read_parquet(keys_path)["external_id"].astype(TEXT)
    return rows, keys


def take_snapshot(run_dir: str | Path, object_name: str, keys: "pd.Series", current: "pd.DataFrame", key: str) -> None:
    """Record the pre-run state of `keys`. An earlier attempt of the same run already recorded the state
    before the run first touched the target; only keys it did not cover are added (they are untouched yet)."""
    import pandas as pd

    from crmtool.tableio import write_table

    rows_path, keys_path = snapshot_paths(run_dir, object_name)
    earlier = read_snapshot(run_dir, object_name)
    if earlier is not None:
        old_rows, old_keys = earlier
        fresh = ~text_isin(keys, old_keys)
        if not fresh.any():
            return
        current = pd.concat([old_rows, current[text_isin(current[key], keys[fresh])]], ignore_index=True)
        keys = pd.concat([old_keys, keys[fresh]], ignore_index=True)
    write_table(current.reset_index(drop=True), rows_path)
    write_table(pd.DataFrame({"external_id": keys.to_numpy()}).astype(TEXT), keys_path)  # written last: marks it whole


def write_load_file(path: Path, row_ids: "pd.Series | None", keys: "pd.Series", status: "np.ndarray", run_id: str) -> None:
    """The per-row load file (_row_id, external_id, status, run_id): CSV, UTF-8 with BOM, built and
    written by Arrow (a million rows in about a second, where pandas' writer takes several), atomically;
    `status` holds classify's codes; formula-like text is neutralised as crmtool.tableio does."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from crmtool.atomic import atomic_path
    from crmtool.tableio import neutralise_formulas

    n = len(keys)
    table = pa.table({
        "_row_id": pa.array(row_ids.astype(TEXT).array, type=pa.string()) if row_ids is not None else pa.nulls(n, pa.string()),
        "external_id": pa.array(keys.array, type=pa.string()),
        "status": pa.array(STATUSES, type=pa.string()).take(pa.array(status)),
        "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
    })
    for i, name in enumerate(("_row_id", "external_id")):
        column = table.column(name)
        if pc.any(pc.fill_null(pc.match_substring_regex(column, r"^[=+\-@\t\r]"), False)).as_py():
            values = column.to_pandas(types_mapper=lambda _: TEXT)  # rare: the house rule goes over the column
            table = table.set_column(i, name, pa.array(neutralise_formulas(values).array, type=pa.string()))
    with atomic_path(path, ".csv") as tmp, open(tmp, "wb") as out:
        out.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, out)


# --- the stage --------------------------------------------------------------------------------

def load_object(target: "Target", object_name: str, rows: "pd.DataFrame", run_id: str, run_dir: str | Path,
                dry_run: bool = False) -> dict:
    """Upsert `rows` (fields as canonical text, plus `_row_id` when there is one) into an open target.

    Returns {inserted, updated, unchanged}. Writes run_dir/snapshot/<object>.parquet (+ .keys.parquet)
    before the target is written, and run_dir/load/<object>.csv (one line per row: _row_id,
    external_id, status, run_id). A dry run reads the target and writes the load file, nothing else.
    """
    import numpy as np

    if object_name not in target.model:
        raise TargetError(f"{object_name}: not an object of the model (objects: {', '.join(target.model.names())})")
    obj = target.model[object_name]
    key, fields = obj.external_id, list(obj.fields)
    data = canonical_rows(rows, obj, object_name)
    check_keys(data[key], object_name, key)
    hashes = row_hash(data, fields)
    current = target.fetch(object_name, data[key].tolist())
    status = classify(hashes, data[key], current, fields, key)
    if not dry_run:
        take_snapshot(run_dir, object_name, data[key], current, key)
        target.ensure_schema([object_name])
        changed = status != UNCHANGED
        if changed.all():
            target.upsert(object_name, data.assign(_crm_hash=hashes), run_id)
        elif changed.any():
            target.upsert(object_name, data[changed].assign(_crm_hash=hashes[changed]), run_id)
    write_load_file(Path(run_dir) / "load" / f"{object_name}.csv", rows["_row_id"] if "_row_id" in rows.columns else None,
                    data[key], status, run_id)
    return dict(zip(STATUSES, np.bincount(status, minlength=len(STATUSES)).tolist()))
