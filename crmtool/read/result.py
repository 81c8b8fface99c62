"""What reading a table gives: the table (text cells with provenance), its issues, and what was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ReadResult:
    table: "pd.DataFrame"
    issues: "pd.DataFrame"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def data_columns(self) -> list[str]:
        from crmtool.issues import PROVENANCE

        return [c for c in self.table.columns if c not in PROVENANCE]
