"""The profile as data: dataclasses whose `to_dict()` is exactly what `crmtool profile --json` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmtool.profile.stats import ValueCount

KIND_LABELS = {
    "company_name": "company name",
    "credit_code": "credit code",
    "mobile": "mobile",
    "landline": "landline",
    "phone": "phone (mobile or landline)",
    "person_name": "person name",
    "address": "address",
    "email": "email",
    "date": "date",
    "id_number": "ID number",
    "amount": "amount",
    "text": "free text",
    "free_text": "free text",
}
"""Human labels for the kinds crmtool.cleanse.detect reports; unknown kinds show as their id."""

FREE_TEXT_KINDS = frozenset({"text", "free_text", "unknown", "empty", ""})
"""Kinds with no validity rule: their valid share is not shown as a quality figure."""


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


@dataclass(frozen=True, slots=True)
class KindSummary:
    """What the detector says a column holds, and how many of its filled values are valid for that."""

    kind: str
    confidence: float
    valid_share: float | None
    """Share of the values given to the detector (filled, non-placeholder) that are valid for `kind`."""
    invalid_examples: tuple[str, ...]
    by: str
    """What the decision rests on (the detector's own words, e.g. the header, the values, or both)."""

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def has_rule(self) -> bool:
        """False for free text: there is nothing to be valid or invalid against."""
        return self.kind not in FREE_TEXT_KINDS and self.valid_share is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "confidence": _rounded(self.confidence),
            "valid_share": _rounded(self.valid_share),
            "invalid_examples": list(self.invalid_examples),
            "by": self.by,
        }


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    name: str
    rows: int
    filled: int
    placeholder: int
    empty: int
    distinct: int
    untrimmed: int
    min_length: int | None
    max_length: int | None
    top: tuple[ValueCount, ...]
    placeholders: tuple[ValueCount, ...]
    kind: KindSummary | None

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def placeholder_rate(self) -> float:
        return self.placeholder / self.rows if self.rows else 0.0

    @property
    def empty_rate(self) -> float:
        return self.empty / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "filled": self.filled,
            "placeholder": self.placeholder,
            "empty": self.empty,
            "fill_rate": _rounded(self.fill_rate),
            "placeholder_rate": _rounded(self.placeholder_rate),
            "empty_rate": _rounded(self.empty_rate),
            "distinct": self.distinct,
            "untrimmed": self.untrimmed,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "top": [{"value": v.value, "count": v.count} for v in self.top],
            "placeholders": [{"value": v.value, "count": v.count} for v in self.placeholders],
            "kind": self.kind.to_dict() if self.kind else None,
        }


@dataclass(frozen=True, slots=True)
class TableProfile:
    """One file (one sheet of a workbook): its size, a summary, and one profile per data column."""

    source: str
    sheet: str
    rows: int
    columns: tuple[ColumnProfile, ...]
    read_issues: int = 0
    """Issues read_table reported for this file (skipped title and total rows, merged cells, ...)."""
    read_notes: tuple[str, ...] = ()
    """The messages of the first few of those issues."""

    @property
    def cells(self) -> int:
        return self.rows * len(self.columns)

    @property
    def filled_cells(self) -> int:
        return sum(c.filled for c in self.columns)

    @property
    def fill_rate(self) -> float:
        """Filled cells over all cells of the data columns."""
        return self.filled_cells / self.cells if self.cells else 0.0

    @property
    def placeholder_cells(self) -> int:
        return sum(c.placeholder for c in self.columns)

    @property
    def empty_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.filled == 0]

    @property
    def columns_with_invalid(self) -> list[str]:
        """Columns of a checkable kind where some filled value is not valid for that kind."""
        return [
            c.name
            for c in self.columns
            if c.kind is not None and c.kind.has_rule and c.kind.valid_share < 1.0 and c.filled
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sheet": self.sheet,
            "rows": self.rows,
            "summary": {
                "columns": len(self.columns),
                "cells": self.cells,
                "filled_cells": self.filled_cells,
                "placeholder_cells": self.placeholder_cells,
                "fill_rate": _rounded(self.fill_rate),
                "empty_columns": self.empty_columns,
                "columns_with_invalid": self.columns_with_invalid,
                "read_issues": self.read_issues,
                "read_notes": list(self.read_notes),
            },
            "columns": [c.to_dict() for c in self.columns],
        }


@dataclass(frozen=True, slots=True)
class ProfileReport:
    """The profiles of every file given to `crmtool profile`, in the order given."""

    tables: tuple[TableProfile, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [t.to_dict() for t in self.tables]}
