"""Errors are data: every problem any stage finds is one row of the issues table.

The table has a fixed schema (ISSUE_COLUMNS) so that issues from every stage concatenate into one
`issues.parquet` and every row points at a cell a person can open (source file, sheet, row).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import pandas as pd

PROVENANCE = ["_row_id", "_source", "_sheet", "_row"]
ISSUE_COLUMNS = [*PROVENANCE, "column", "rule", "severity", "original", "suggestion", "message"]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem. Row-less issues (a file-level warning) leave the provenance fields empty."""

    rule: str
    severity: Severity
    message: str
    column: str | None = None
    original: str | None = None
    suggestion: str | None = None
    _row_id: str | None = None
    _source: str | None = None
    _sheet: str | None = None
    _row: int | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["severity"] = Severity(self.severity).value
        return d


def issues_frame(issues: Iterable[Issue] = ()) -> "pd.DataFrame":
    """A DataFrame with the issue schema from Issue objects (file-level or few issues)."""
    import pandas as pd

    frame = pd.DataFrame([i.as_dict() for i in issues], columns=ISSUE_COLUMNS)
    return _typed(frame)


def issues_for_rows(
    table: "pd.DataFrame",
    mask: "pd.Series",
    *,
    column: str | None,
    rule: str,
    severity: Severity,
    message: "str | pd.Series",
    original: "pd.Series | None" = None,
    suggestion: "pd.Series | None" = None,
) -> "pd.DataFrame":
    """Vectorised: one issue row for every row of `table` where `mask` is true.

    `message`, `original` and `suggestion` may be scalars or Series aligned with `table`; `original`
    defaults to the value of `column`.
    """
    import pandas as pd

    mask = mask.fillna(False).astype(bool)
    hit = table.loc[mask]
    out = pd.DataFrame(index=hit.index)
    for col in PROVENANCE:
        out[col] = hit[col] if col in hit else None
    out["column"] = column
    out["rule"] = rule
    out["severity"] = Severity(severity).value
    if original is None and column is not None and column in table:
        original = table[column]
    out["original"] = original[mask] if isinstance(original, pd.Series) else original
    out["suggestion"] = suggestion[mask] if isinstance(suggestion, pd.Series) else suggestion
    out["message"] = message[mask] if isinstance(message, pd.Series) else message
    return _typed(out.reset_index(drop=True))


def concat_issues(frames: Iterable["pd.DataFrame"]) -> "pd.DataFrame":
    import pandas as pd

    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return issues_frame()
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(frame: "pd.DataFrame") -> "pd.DataFrame":
    """The schema's dtypes; columns that already have them are not cast again (this runs per rule and
    per column on small frames, where pandas' astype overhead dominates)."""
    frame = frame[ISSUE_COLUMNS]
    casts = {c: "string" for c in _TEXT_COLUMNS if frame[c].dtype != "string"}
    if casts:
        frame = frame.astype(casts)
    if frame["_row"].dtype != "Int64":
        frame = frame.assign(_row=frame["_row"].astype("Int64"))
    return frame


_TEXT_COLUMNS = [c for c in ISSUE_COLUMNS if c != "_row"]
