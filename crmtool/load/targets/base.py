"""The target contract: what every CRM store plugin (entry point group `crmtool.targets`) provides.

A target is addressed by URL (`duckdb:///crm.duckdb`, `postgresql://…`, `file:///dir?format=xlsx`,
`https://…`). It stores one table per object of the object model, keyed by the object's external
id, with three bookkeeping columns beside the fields:

- `_crm_hash`: the content hash of the row's field values (crmtool.load.stage.row_hash), so a
  re-load of the same data changes nothing;
- `_crm_run_id`: the run that last wrote the row;
- `_crm_loaded_at`: when (UTC).

Frames passed in and out hold every field as text in canonical form (ISO dates, plain decimals,
`true`/`false`), `<NA>` for empty; a target converts to its own column types (model.FieldDef.sql_type)
on the way in and back to canonical text on the way out, so that hashes compare equal.
Errors reaching the target (unreachable, refused, a failed transaction) are TargetError (exit 4),
one line, with the URL redacted (crmtool.config.migration.redact).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    import pandas as pd

    from crmtool.model import ObjectModel

META_COLUMNS = ("_crm_hash", "_crm_run_id", "_crm_loaded_at")


class Target(ABC):
    """One CRM store. Use as a context manager: `with target: …` opens and closes the connection."""

    scheme: ClassVar[tuple[str, ...]] = ()  # URL schemes this target answers to
    description: ClassVar[str] = ""
    can_rollback: ClassVar[bool] = True
    rollback_note: ClassVar[str] = ""  # why not, or with what limits, when can_rollback is False or partial
    keeps_audit: ClassVar[bool] = False  # append_audit / read_audit: the store's own `_crm_audit` table (docs/audit.md)

    def __init__(self, url: str, model: "ObjectModel"):
        self.url = url
        self.model = model
        self.read_only = False  # set before open(): a reader (crmtool match) creates nothing and takes no write lock

    def __enter__(self) -> "Target":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None:
        """Connect (TargetError when the store cannot be reached)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def ensure_schema(self, objects: list[str]) -> None:
        """Create the tables of these objects if they do not exist (adding fields the model gained)."""

    @abstractmethod
    def fetch(self, object_name: str, keys: "list[str] | None" = None) -> "pd.DataFrame":
        """Existing rows (fields + META_COLUMNS, canonical text) for these external ids, or all rows for None.
        An object whose table does not exist yet gives an empty frame with the right columns."""

    def stamp(self) -> object | None:
        """A value read without opening the store that changes whenever the store may have changed (a
        database file's size and modification time), for a reader polling for new rows; None when the
        target cannot tell without asking the store."""
        return None

    def change_marker(self, object_name: str) -> tuple:
        """A cheap value that changes when the object's rows change: (row count, latest `_crm_loaded_at`
        as canonical text or None, and whatever else the store can tell cheaply). SQL targets ask the
        database in one query; this default reads every row."""
        rows = self.fetch(object_name)
        loaded = rows["_crm_loaded_at"].dropna()
        return (len(rows), str(loaded.max()) if len(loaded) else None, None)

    def fetch_loaded_since(self, object_name: str, since: str) -> "pd.DataFrame":
        """The rows (as `fetch` gives them) whose `_crm_loaded_at` is `since` (canonical text) or later."""
        rows = self.fetch(object_name)
        return rows[(rows["_crm_loaded_at"] >= since).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)

    @classmethod
    def absolute_url(cls, url: str, base: "Path") -> str:
        """The URL with a relative store path made absolute against `base` (the migration file's folder);
        open_target(url, model, base=…) calls it. Targets without local paths keep the URL."""
        return url

    @abstractmethod
    def upsert(self, object_name: str, rows: "pd.DataFrame", run_id: str) -> None:
        """Insert or update `rows` (fields + _crm_hash) by external id, all or nothing (one transaction).
        Rows that carry `_crm_run_id` / `_crm_loaded_at` are written with those values (a rollback puts
        snapshot rows back exactly); otherwise they get `run_id` and the current time."""

    @abstractmethod
    def delete(self, object_name: str, keys: list[str]) -> None:
        """Delete these external ids, all or nothing (rollback of rows a run inserted)."""

    def append_audit(self, record: dict, line: str) -> None:
        """Append one audit record (`line` is its JSON text) to the store's `_crm_audit` table, creating the
        table if it is missing. INSERT only: no target ever updates or deletes an audit row. Targets that
        keep no audit table (keeps_audit False) are audited in the run directory only."""
        raise NotImplementedError(f"{type(self).__name__} keeps no audit table")

    def read_audit(self, *, since: "datetime | None" = None, command: "str | None" = None,
                   limit: "int | None" = None) -> list[str]:
        """The audit records (JSON lines), oldest first: those at or after `since` (naive UTC), of `command`,
        only the newest `limit`. A store without the table has none."""
        raise NotImplementedError(f"{type(self).__name__} keeps no audit table")
