"""Reading a run directory for the report: every part is optional, and a part that cannot be read
becomes a note in the report instead of an exception (a report about a broken run is still wanted).

Only reading happens here; run_view.py turns the parts into figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import pandas as pd

OUTCOME_COLUMNS = ["_row_id", "_source", "_sheet", "_row", "object", "external_id", "outcome", "detail", "stage"]
LOAD_COLUMNS = {"_row_id", "external_id", "status"}
REJECTED_SUFFIX = "_rejected"
"""`map/<object>_rejected.parquet`: the rows a stage set aside, with their reasons."""


@dataclass
class RunData:
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    outcomes: "pd.DataFrame | None" = None
    issues: "pd.DataFrame | None" = None
    verify: list[dict] | None = None
    pairs: dict[str, "pd.DataFrame"] = field(default_factory=dict)
    clusters: dict[str, "pd.DataFrame"] = field(default_factory=dict)
    load: dict[str, "pd.DataFrame"] = field(default_factory=dict)
    stage_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    """Row counts of the stage tables by stage and object (read/, cleanse/, dedupe/, map/), from Parquet
    metadata."""
    rejected_ids: dict[str, "pd.DataFrame"] = field(default_factory=dict)
    """Per stage, the `_row_id`s of its `<stage>/<object>_rejected.parquet` tables (with `object`): which
    stage rejected a row when outcomes.parquet does not say."""
    problems: list[str] = field(default_factory=list)
    """Parts that exist but could not be read, as sentences for the report."""

    def mapping_objects(self) -> dict[str, str]:
        """Mapping stem → object, from the manifest (names the read/ and cleanse/ tables): the entry's
        `stem` (unique within the run), else its file name without suffix."""
        result = {}
        for entry in self.manifest.get("mappings") or []:
            if isinstance(entry, dict) and entry.get("object") and (entry.get("stem") or entry.get("path")):
                stem = entry.get("stem") or Path(str(entry["path"])).stem
                result[str(stem)] = str(entry["object"])
        return result


def load_run(run_dir: str | Path) -> RunData:
    data = RunData(Path(run_dir))
    path = data.path
    data.manifest = _part(data, path / "manifest.json", _read_json, {}) or {}
    if not isinstance(data.manifest, dict):
        data.problems.append("manifest.json does not hold an object; run details are missing")
        data.manifest = {}
    data.outcomes = _part(data, path / "outcomes.parquet", _read_outcomes, None)
    data.issues = _part(data, path / "issues.parquet", _read_issues, None)
    verify = _part(data, path / "verify" / "results.json", _read_json, None)
    if verify is not None and not isinstance(verify, list):
        data.problems.append("verify/results.json does not hold a list of rule results")
        verify = None
    data.verify = verify
    for file in sorted((path / "dedupe").glob("*_pairs.parquet")):
        frame = _part(data, file, _read_parquet, None)
        if frame is not None:
            data.pairs[file.name.removesuffix("_pairs.parquet")] = frame
    for file in sorted((path / "dedupe").glob("*_clusters.parquet")):
        frame = _part(data, file, _read_parquet, None)
        if frame is not None:
            data.clusters[file.name.removesuffix("_clusters.parquet")] = frame
    for file in sorted((path / "load").glob("*.csv")):
        frame = _part(data, file, _read_load_csv, None)
        if frame is not None:
            data.load[file.stem] = frame
    data.stage_rows = _stage_rows(data)
    data.rejected_ids = _rejected_ids(data)
    return data


def _part(data: RunData, file: Path, reader: Callable[[Path], Any], default: Any) -> Any:
    if not file.exists():
        return default
    try:
        return reader(file)
    except Exception as exc:  # noqa: BLE001 - any unreadable part becomes a note, never a crash
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        data.problems.append(f"{file.relative_to(data.path)} could not be read ({reason})")
        return default


def _read_json(file: Path) -> Any:
    return json.loads(file.read_text(encoding="utf-8"))


def _read_parquet(file: Path) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_parquet(file)


def _read_columns(file: Path, columns) -> "pd.DataFrame":
    """`columns` of a Parquet file (those it lacks empty) as text, `_row` kept as it is: an older or
    partial run directory still reads."""
    import pandas as pd
    import pyarrow.parquet as pq

    frame = pd.read_parquet(file, columns=[c for c in pq.read_schema(file).names if c in columns])
    for column in columns:
        if column not in frame:
            frame[column] = pd.NA
    return frame.astype({c: "string" for c in columns if c != "_row"})


def _read_outcomes(file: Path) -> "pd.DataFrame":
    frame = _read_columns(file, OUTCOME_COLUMNS)
    frame["outcome"] = frame["outcome"].str.strip().str.lower()
    return frame


def _read_issues(file: Path) -> "pd.DataFrame":
    from crmtool.issues import ISSUE_COLUMNS

    return _read_columns(file, ISSUE_COLUMNS)


def _read_load_csv(file: Path) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(file, dtype="string", usecols=lambda c: c in LOAD_COLUMNS, keep_default_na=False)


def _stage_rows(data: RunData) -> dict[str, dict[str, int]]:
    """Rows per object in read/ and cleanse/ (named by mapping stem), dedupe/ and map/ (named by object):
    a funnel for runs that have no outcomes yet (one stopped at the gate)."""
    import pyarrow.parquet as pq

    stems = data.mapping_objects()
    result: dict[str, dict[str, int]] = {}
    for stage in ("read", "cleanse", "dedupe", "map"):
        for file in sorted((data.path / stage).glob("*.parquet")):
            obj = file.stem if stage in ("dedupe", "map") else stems.get(file.stem)
            if obj is None or obj.endswith((REJECTED_SUFFIX, "_clusters", "_pairs")):
                continue
            try:
                rows = pq.ParquetFile(file).metadata.num_rows
            except Exception as exc:  # noqa: BLE001
                data.problems.append(f"{file.relative_to(data.path)} could not be read ({exc})")
                continue
            counts = result.setdefault(stage, {})
            counts[obj] = counts.get(obj, 0) + rows
    return result


def _rejected_ids(data: RunData) -> dict[str, "pd.DataFrame"]:
    import pandas as pd

    result = {}
    for stage in ("read", "cleanse", "dedupe", "enrich", "map", "verify", "load"):
        frames = []
        for file in sorted((data.path / stage).glob(f"*{REJECTED_SUFFIX}.parquet")):
            frame = _part(data, file, lambda f: pd.read_parquet(f, columns=["_row_id"]), None)
            if frame is not None:
                frames.append(frame.assign(object=file.stem.removesuffix(REJECTED_SUFFIX)))
        if frames:
            result[stage] = pd.concat(frames, ignore_index=True).astype("string")
    return result
