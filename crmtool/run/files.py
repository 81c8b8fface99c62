"""The run directory's stage files (Parquet), the run-wide issues table, and the columns the stages
add to carry a row's fate: its survivor after dedupe, its matched store record, its final external id."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.run.context import RunContext

SURVIVOR, STORE_ID, FINAL_ID = "_survivor", "_store_id", "_final_id"
REJECTED = "_rejected"  # map/<object>_rejected.parquet: the rows the map stage set aside, beside map/<object>.parquet


def write_frame(ctx: "RunContext", frame: "pd.DataFrame", *parts: str) -> None:
    from crmtool.tableio import write_table

    path = ctx.path(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(frame.reset_index(drop=True), path)


def read_frame(ctx: "RunContext", *parts: str) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_parquet(ctx.path(*parts))


def add_issues(ctx: "RunContext", stage: str, frames: list) -> int:
    """Write this stage's issues and rebuild the run's issues.parquet from every stage's."""
    from crmtool.issues import concat_issues

    issues = concat_issues(frames)
    issues.insert(0, "stage", stage)
    write_frame(ctx, issues, "issues", f"{stage}.parquet")
    import pandas as pd

    parts = [pd.read_parquet(p) for p in sorted(ctx.path("issues").glob("*.parquet"))]
    write_frame(ctx, pd.concat(parts, ignore_index=True), "issues.parquet")
    return len(issues)


def final_ids(frame: "pd.DataFrame", key: str) -> "pd.Series":
    """The external id each row's record ends under: the store's matched account, else its survivor's id."""
    import pandas as pd

    if key not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    own = frame[key].astype("string")
    survivor_id = frame[SURVIVOR].map(frame.drop_duplicates("_row_id").set_index("_row_id")[key]).astype("string")
    return frame[STORE_ID].astype("string").fillna(survivor_id).fillna(own)
