"""Enrichment providers: plugins that look records up somewhere and return fields to fill.

A provider is a class registered under the entry point group `crmtool.enrichers`; the built-in
local reference-table provider is registered the same way (`reference`). A plugin that fails to
load is a warning, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

ENTRY_POINT_GROUP = "crmtool.enrichers"
FIELDS = ("registered_capital", "legal_representative", "founding_date", "status", "industry")
BUILTIN = {"reference": "crmtool.enrich.reference:LocalReferenceProvider"}


@dataclass
class LookupKeys:
    """What a provider may match on, aligned with the table being enriched."""

    credit_code: "pd.Series"  # cleansed 18-character codes (<NA> when missing or invalid)
    name: "pd.Series"  # normalised company names (<NA> when missing)


@runtime_checkable
class Provider(Protocol):
    name: str
    fields: tuple[str, ...]

    def lookup(self, keys: LookupKeys) -> "pd.DataFrame":
        """A frame aligned with the keys' index: one column per field (missing = <NA>) plus `_match`
        (how the row was matched, e.g. "credit_code" or "name"; <NA> when not found)."""
        ...


def discover() -> tuple[dict[str, type], list[str]]:
    """(provider classes by name, warnings) from the entry points, with the built-ins as fallback."""
    import importlib
    from importlib.metadata import entry_points

    found: dict[str, type] = {}
    warnings: list[str] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin must not stop a migration
            warnings.append(f"enrichment provider {ep.name} ({ep.value}) failed to load: {exc}")
    for name, target in BUILTIN.items():  # also when crmtool runs from a source tree without metadata
        if name not in found:
            module, _, attr = target.partition(":")
            found[name] = getattr(importlib.import_module(module), attr)
    return found, warnings
