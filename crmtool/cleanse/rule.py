"""The shape every field rule shares, and the driver that runs a per-value check over a column.

A rule is written as a function over ONE distinct value (`check(text) -> Outcome`). `run_rule`
factorises the column, calls the check once per distinct value, and maps the results back with
numpy takes: real CRM exports repeat the same company, city or phone thousands of times, so this is
where the speed comes from. Issue rows are built per finding with `issues_for_rows` (vectorised).

Status of a cell: `empty` (missing or blank), `invalid` (the check failed; the clean value is <NA>),
`ok` (valid and unchanged), `fixed` (valid after normalisation changed it). What a fix changed is the
cell's change: `none` (ok), `notation` (only width, spaces, punctuation, case or the +86 / trunk-0
form: the same characters and digits in another writing) or `content` (a character or digit changed,
added or removed, traditional → simplified, a typo corrected, a title cut off): content changes are
the ones a consultant reviews. A check says which when it knows (`Outcome.change`); else
`change_of` compares the two values with notation taken out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from crmtool.canon.blank import is_blank
from crmtool.issues import Severity, concat_issues, issues_for_rows

if TYPE_CHECKING:
    import pandas as pd

STATUSES = ("ok", "fixed", "invalid", "empty")
CHANGES = ("none", "notation", "content")
NOTATION, CONTENT = "notation", "content"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a value: becomes one issue row per cell holding that value."""

    rule: str
    severity: Severity
    message: str
    suggestion: str | None = None


@dataclass(slots=True)
class Outcome:
    """What a check says about one distinct value."""

    clean: str | None
    valid: bool
    attrs: dict[str, str | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    change: str | None = None  # notation | content when the check knows; None: compared by change_of


def notation_key(text: str) -> str:
    """What is left of a value when notation is taken out: NFKC, case folded, only letters and digits."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if c.isalnum())


def change_of(original: str, clean: str) -> str:
    """`none`, `notation` or `content`: how `clean` differs from `original` (see the module docstring)."""
    if clean == original:
        return "none"
    return NOTATION if notation_key(clean) == notation_key(original) else CONTENT


@dataclass
class RuleResult:
    """A rule's output over a column: aligned with the input table's index."""

    clean: "pd.Series"
    status: "pd.Series"
    attrs: "pd.DataFrame"
    issues: "pd.DataFrame"
    change: "pd.Series | None" = None  # none / notation / content; <NA> where invalid or empty

    def columns(self, column: str) -> dict[str, "pd.Series"]:
        """The columns this result adds to a table: C__clean, C__status, C__change, C__<attribute>."""
        cols = {f"{column}__clean": self.clean, f"{column}__status": self.status}
        if self.change is not None:
            cols[f"{column}__change"] = self.change
        for name in self.attrs.columns:
            cols[f"{column}__{name}"] = self.attrs[name]
        return cols


def run_rule(
    table: "pd.DataFrame",
    column: str,
    check: Callable[[str], Outcome],
    attr_names: Sequence[str] = (),
    values: "pd.Series | None" = None,
) -> RuleResult:
    """Run `check` once per distinct non-blank value of `table[column]` and map the results back."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    series = table[column] if values is None else values
    codes, uniques = pd.factorize(series.astype("string"), use_na_sentinel=True)
    n = len(uniques)
    clean: list[str | None] = []
    status: list[str] = []
    change: list[str | None] = []
    found: list[dict] = []  # each distinct value's attributes
    no_attrs: dict = {}
    by_finding: dict[tuple[str, str], list[tuple[int, str, str | None]]] = {}
    for i, value in enumerate(uniques.tolist()):  # a Python list: iterating the Arrow array is slow
        if is_blank(value):
            clean.append(None)
            status.append("empty")
            change.append(None)
            found.append(no_attrs)
            continue
        out = check(value)
        clean.append(out.clean if out.valid else None)
        status.append("invalid" if not out.valid else ("ok" if out.clean == value else "fixed"))
        change.append(None if not out.valid else "none" if out.clean == value else
                      out.change or change_of(value, out.clean))
        found.append(out.attrs)
        for f in out.findings:
            severity = f.severity.value if isinstance(f.severity, Severity) else Severity(f.severity).value
            by_finding.setdefault((f.rule, severity), []).append((i, f.message, f.suggestion))
    clean.append(None)  # slot n: missing values (code -1 is remapped to n)
    status.append("empty")
    change.append(None)
    found.append(no_attrs)
    idx = np.where(codes < 0, n, codes)
    index = series.index
    take = pa.array(idx)
    result_clean = _take_strings(clean, take, index)
    result_status = _take_strings(status, take, index)
    result_attrs = pd.DataFrame({a: _take_strings([d.get(a) for d in found], take, index) for a in attr_names},
                                index=index)
    frames = []
    original = None
    for (rule, severity), hits in by_finding.items():
        flag = np.zeros(n + 1, dtype=bool)
        flag[[h[0] for h in hits]] = True
        mask = pd.Series(flag[idx], index=index)
        messages = {h[1] for h in hits}
        suggestions = {h[2] for h in hits}
        if original is None:
            original = series.astype("string")
        frames.append(issues_for_rows(
            table, mask, column=column, rule=rule, severity=Severity(severity),
            message=messages.pop() if len(messages) == 1 else _per_row(hits, 1, n, idx, index),
            original=original,
            suggestion=suggestions.pop() if len(suggestions) == 1 else _per_row(hits, 2, n, idx, index),
        ))
    return RuleResult(result_clean, result_status, result_attrs, concat_issues(frames),
                      _take_strings(change, take, index))


def _take_strings(per_distinct, take, index) -> "pd.Series":
    """Per-distinct results mapped to the rows by an Arrow take: no Python object per row."""
    import pandas as pd
    import pyarrow as pa

    values = pa.array(per_distinct, type=pa.large_string()).take(take)
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index, dtype="string")


def _per_row(hits, field: int, n: int, idx, index) -> "pd.Series":
    """A finding's message or suggestion, per distinct value, spread over the rows."""
    import numpy as np
    import pandas as pd

    values = np.empty(n + 1, dtype=object)
    for hit in hits:
        values[hit[0]] = hit[field]
    return pd.Series(values[idx], index=index, dtype=object)  # object: no string inference per row
