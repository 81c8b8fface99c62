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

from crmtool.canon.blank import BLANK_CHARS
from crmtool.issues import Severity, concat_issues, issues_for_rows

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

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


@dataclass
class SettledFinding:
    """One finding of a column-wise pass: its rule and severity, the settled values it holds for
    (indices into `Settled.positions`), its message and suggestion (one string, or one per hit), and
    its rank: its place among a value's findings in the check (issue frames keep the check's order)."""

    rule: str
    severity: Severity
    hits: "np.ndarray"
    message: "str | Sequence[str]"
    suggestion: "str | Sequence[str | None] | None" = None
    rank: int = 0


@dataclass
class Settled:
    """What a column-wise pass decided, without the check, for some of a column's distinct values.

    `positions` index the values given to the pass; the other fields are aligned with them: the clean
    value (null where invalid), whether it is valid, the change of a valid value that differs from its
    input (`notation` / `content`; ignored elsewhere), one array per attribute (a missing one is null)
    and the findings. A pass leaves to the check every value it cannot decide exactly as the check
    would."""

    positions: "np.ndarray"
    clean: "pa.Array"
    valid: "np.ndarray"
    change: "pa.Array"
    attrs: dict[str, "pa.Array"] = field(default_factory=dict)
    findings: list[SettledFinding] = field(default_factory=list)


def run_rule(
    table: "pd.DataFrame",
    column: str,
    check: Callable[[str], Outcome],
    attr_names: Sequence[str] = (),
    values: "pd.Series | None" = None,
    settle: "Callable[[pa.Array], Settled] | None" = None,
) -> RuleResult:
    """Run `check` once per distinct non-blank value of `table[column]` and map the results back.

    With `settle`, a column-wise pass over the distinct non-blank values (an Arrow string array)
    first decides what it can (`Settled`), and `check` runs on the rest only."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    series = table[column] if values is None else values
    codes, uniques = pd.factorize(series.astype("string"), use_na_sentinel=True)
    n = len(uniques)
    distinct = pa.array(uniques.array, type=pa.large_string()) if n else pa.array([], pa.large_string())
    blank = np.asarray(pc.equal(pc.utf8_length(pc.utf8_trim(distinct, BLANK_CHARS)), 0), dtype=bool)
    todo = np.flatnonzero(~blank)
    settled = None
    if settle is not None and len(todo):
        settled = settle(distinct.take(pa.array(todo)))
        done = np.zeros(len(todo), dtype=bool)
        done[settled.positions] = True
        settled.positions = todo[settled.positions]
        todo = todo[~done]
    clean: list[str | None] = []
    status: list[str] = []
    change: list[str | None] = []
    found: list[dict] = []  # each checked value's attributes
    by_finding: dict[tuple[str, str], list] = {}  # → [(distinct index or indices, rank, message, suggestion)]
    for i, value in zip(todo.tolist(), distinct.take(pa.array(todo)).to_pylist()):
        out = check(value)
        clean.append(out.clean if out.valid else None)
        status.append("invalid" if not out.valid else ("ok" if out.clean == value else "fixed"))
        change.append(None if not out.valid else "none" if out.clean == value else
                      out.change or change_of(value, out.clean))
        found.append(out.attrs)
        for rank, f in enumerate(out.findings):
            severity = f.severity.value if isinstance(f.severity, Severity) else Severity(f.severity).value
            by_finding.setdefault((f.rule, severity), []).append((i, rank, f.message, f.suggestion))
    k = 0 if settled is None else len(settled.positions)
    # each distinct value's place in [settled…, checked…, blank or missing]: one take to the rows
    slot = np.full(n + 1, k + len(todo), dtype=np.int64)
    slot[todo] = np.arange(k, k + len(todo))
    settled_parts: dict[str, "pa.Array"] = {}
    if settled is not None:
        slot[settled.positions] = np.arange(k)
        same = pc.fill_null(pc.equal(settled.clean, distinct.take(pa.array(settled.positions))), False)
        valid = pa.array(settled.valid, type=pa.bool_())
        settled_parts = {
            "clean": pc.if_else(valid, settled.clean, pa.scalar(None, pa.large_string())),
            "status": pc.if_else(valid, pc.if_else(same, "ok", "fixed"), "invalid"),
            "change": pc.if_else(valid, pc.if_else(same, "none", settled.change), pa.scalar(None, pa.string())),
            **{f"attr:{a}": settled.attrs.get(a, pa.nulls(k, pa.string())) for a in attr_names}}
        for f in (f for f in settled.findings if len(f.hits)):
            by_finding.setdefault((f.rule, Severity(f.severity).value), []).append(
                (settled.positions[f.hits], f.rank, f.message, f.suggestion))
    idx = np.where(codes < 0, n, codes)
    take = pa.array(slot[idx])
    index = series.index

    def rows(part: str, checked: list, tail: str | None = None) -> "pd.Series":
        pieces = [settled_parts[part].cast(pa.large_string())] if settled is not None else []
        pieces.append(pa.array(checked + [tail], type=pa.large_string()))
        values = pa.concat_arrays(pieces).take(take)
        return pd.Series(pd.arrays.ArrowStringArray(values), index=index, dtype="string")

    result_attrs = pd.DataFrame({a: rows(f"attr:{a}", [d.get(a) for d in found]) for a in attr_names}, index=index)
    return RuleResult(rows("clean", clean), rows("status", status, "empty"), result_attrs,
                      _issues(table, column, series, by_finding, n, idx, index), rows("change", change))


def _issues(table, column: str, series, by_finding: dict, n: int, idx, index) -> "pd.DataFrame":
    """One issue frame per (rule, severity), in the order the check met them over the distinct values."""
    import numpy as np
    import pandas as pd

    def first(hits: list) -> tuple[int, int]:
        return min((int(np.min(h[0])), h[1]) for h in hits)

    frames = []
    original = None
    for (rule, severity), hits in sorted(by_finding.items(), key=lambda item: first(item[1])):
        flag = np.zeros(n + 1, dtype=bool)
        for h in hits:
            flag[h[0]] = True
        mask = pd.Series(flag[idx], index=index)
        if original is None:
            original = series.astype("string")
        frames.append(issues_for_rows(
            table, mask, column=column, rule=rule, severity=Severity(severity),
            message=_one_or_per_row(hits, 2, n, idx, index), original=original,
            suggestion=_one_or_per_row(hits, 3, n, idx, index),
        ))
    return concat_issues(frames)


def _one_or_per_row(hits: list, field: int, n: int, idx, index):
    """A finding's message or suggestion: the one value all its hits share, else spread over the rows."""
    import numpy as np
    import pandas as pd

    def distinct_of(value) -> set:
        return {value} if value is None or isinstance(value, str) else set(value)

    seen = set().union(*(distinct_of(h[field]) for h in hits))
    if len(seen) == 1:
        return seen.pop()
    values = np.empty(n + 1, dtype=object)
    for h in hits:
        if isinstance(h[0], (int, np.integer)):
            values[h[0]] = h[field]
        else:
            values[h[0]] = h[field] if h[field] is None or isinstance(h[field], str) else np.asarray(h[field], dtype=object)
    return pd.Series(values[idx], index=index, dtype=object)  # object: no string inference per row
