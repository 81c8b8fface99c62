"""Score a cleanse run against an error set's truth (crmtool.synth.errors), per error class.

For each dirty cell: **fixed** (status ok/fixed and the clean value is the expected one), **flagged**
(status invalid), **wrong** (passed as clean: status ok/fixed with another value, or with any value
when the class must be flagged). For each clean cell: a **false alarm** when it comes out invalid or
with a value other than its own. Of the fixed cells, **change_right** counts those whose `__change`
label (notation / content) is the one the class plants.

The cleanser under test is anything that yields, per cell, a status and a clean value (and
optionally a change label): `score_cells(truth, status, clean, change)` takes them aligned with the
truth's rows; `score_table` reads them from a `cleanse_table` output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

PASSING = ("ok", "fixed")


@dataclass(frozen=True)
class Totals:
    errors: int
    fixed_or_flagged: float
    fixable: int
    fixable_fixed: float
    passed_as_clean: float
    clean: int
    false_alarms: float
    change_right: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def cells_from_table(table: "pd.DataFrame", truth: "pd.DataFrame") -> tuple["pd.Series", "pd.Series", "pd.Series | None"]:
    """(status, clean, change) per truth row, read from a cleansed table's C__status / C__clean / C__change."""
    import numpy as np
    import pandas as pd

    status, clean, change = [], [], []
    has_change = all(f"{c}__change" in table.columns for c in truth["column"].unique())
    for column, rows in truth.groupby("column", sort=False).groups.items():
        at = truth.loc[rows, "row"].to_numpy()
        status.append(pd.Series(np.asarray(table[f"{column}__status"], dtype=object)[at], index=rows))
        clean.append(pd.Series(np.asarray(table[f"{column}__clean"].astype(object), dtype=object)[at], index=rows))
        if has_change:
            change.append(pd.Series(np.asarray(table[f"{column}__change"].astype(object), dtype=object)[at], index=rows))
    order = truth.index
    return (pd.concat(status).reindex(order), pd.concat(clean).reindex(order),
            pd.concat(change).reindex(order) if has_change else None)


def cleanse_cells(truth: "pd.DataFrame") -> tuple["pd.Series", "pd.Series", "pd.Series"]:
    """(status, clean, change) per row of a long table of cells (columns `kind`, `cell`), each kind's cells
    cleansed as one column by crmtool's rule for that kind."""
    import pandas as pd

    from crmtool.cleanse.stage import cleanse_column

    status, clean, change = [], [], []
    for kind, rows in truth.groupby("kind", sort=False).groups.items():
        column = pd.DataFrame({"cell": truth.loc[rows, "cell"].astype("string")}, index=rows)
        result = cleanse_column(column, "cell", kind)
        status.append(result.status)
        clean.append(result.clean)
        change.append(result.change)
    return tuple(pd.concat(parts).reindex(truth.index) for parts in (status, clean, change))


def score_cells(truth: "pd.DataFrame", status: "pd.Series", clean: "pd.Series",
                change: "pd.Series | None" = None) -> "pd.DataFrame":
    """One row per error class (and `(clean)` for the clean cells): n, fixed, flagged, wrong, false_alarm,
    change_right, and the outcome the class expects."""
    frame = truth[["kind", "error_class", "outcome", "expected", "change"]].copy()
    frame["status"] = status.to_numpy()
    frame["clean"] = clean.astype(object).where(clean.notna(), None).to_numpy()
    frame["got_change"] = change.to_numpy() if change is not None else None
    passing = frame["status"].isin(PASSING)
    right = passing & (frame["clean"] == frame["expected"].astype(object)).fillna(False).astype(bool)
    frame["fixed"] = right & (frame["outcome"] == "fix")
    frame["flagged"] = (frame["status"] == "invalid") & (frame["outcome"] != "clean")
    frame["wrong"] = (frame["outcome"] != "clean") & ~frame["fixed"] & ~frame["flagged"]
    frame["false_alarm"] = (frame["outcome"] == "clean") & ~right
    frame["change_right"] = frame["fixed"] & (frame["got_change"] == frame["change"])
    frame["error_class"] = frame["error_class"].replace("", "(clean)")
    grouped = frame.groupby(["kind", "error_class", "outcome"], sort=False)
    table = grouped[["fixed", "flagged", "wrong", "false_alarm", "change_right"]].sum()
    table.insert(0, "n", grouped.size())
    table = table.reset_index().sort_values(["kind", "error_class"], ignore_index=True)  # (clean) first
    return table.astype({c: int for c in ("n", "fixed", "flagged", "wrong", "false_alarm", "change_right")})


def totals(per_class: "pd.DataFrame") -> Totals:
    """The headline shares over all cells of a per-class table from `score_cells`."""
    dirty = per_class[per_class["outcome"] != "clean"]
    fixable = per_class[per_class["outcome"] == "fix"]
    clean = per_class[per_class["outcome"] == "clean"]
    errors, n_fix, n_clean = int(dirty["n"].sum()), int(fixable["n"].sum()), int(clean["n"].sum())

    def share(part, whole) -> float:
        return float(part) / whole if whole else 0.0

    return Totals(errors, share(dirty["fixed"].sum() + dirty["flagged"].sum(), errors), n_fix,
                  share(fixable["fixed"].sum(), n_fix), share(dirty["wrong"].sum(), errors), n_clean,
                  share(clean["false_alarm"].sum(), n_clean),
                  share(fixable["change_right"].sum(), fixable["fixed"].sum()))


def score_table(table: "pd.DataFrame", truth: "pd.DataFrame") -> "pd.DataFrame":
    """Per-class scores of a `cleanse_table` output over an error set's records."""
    return score_cells(truth, *cells_from_table(table, truth))


def markdown(per_class: "pd.DataFrame", other: "pd.DataFrame | None" = None, other_name: str = "plain") -> str:
    """The per-class table as Markdown: n, outcome, fixed, flagged, wrong (and the other cleanser's
    fixed+flagged and wrong beside it when given)."""
    head = "| kind | error class | outcome | n | fixed | flagged | wrong / false alarm |"
    rule = "| --- | --- | --- | ---: | ---: | ---: | ---: |"
    if other is not None:
        head += f" {other_name}: fixed | {other_name}: flagged | {other_name}: wrong / false alarm |"
        rule += " ---: | ---: | ---: |"
        other = other.set_index(["kind", "error_class"])
    lines = [head, rule]
    for row in per_class.itertuples():
        bad = row.false_alarm if row.outcome == "clean" else row.wrong
        line = f"| {row.kind} | {row.error_class} | {row.outcome} | {row.n} | {row.fixed} | {row.flagged} | {bad} |"
        if other is not None:
            o = other.loc[(row.kind, row.error_class)]
            line += f" {o.fixed} | {o.flagged} | {o.false_alarm if row.outcome == 'clean' else o.wrong} |"
        lines.append(line)
    return "\n".join(lines)
