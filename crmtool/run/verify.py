"""Where verify's frames come from when it runs on its own (`crmtool verify`): a run directory, or a file.

- A run directory (it holds manifest.json): the map stage's `map/<object>.parquet`; the object model,
  mappings and rule files of the run's migration.yaml where it can still be found; the gate is
  recorded in the manifest.
- A data file with a mapping: read, cleansed and mapped as the pipeline would (crmtool.mapper.transform).
- A data file whose columns already are an object's fields (`--object`): verified as it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from crmtool.errors import ConfigError, GateFailed, InputError

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import Mapping
    from crmtool.model import ObjectModel
    from crmtool.validate.verify import VerifyResult

MAP_DIR = "map"


@dataclass
class Settings:
    model: "ObjectModel"
    mappings: list["Mapping"] = field(default_factory=list)
    rule_files: list[Path] = field(default_factory=list)
    fail_on: str = "error"
    notes: list[str] = field(default_factory=list)
    skip: dict[str, str] = field(default_factory=dict)


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (path / "manifest.json").is_file()


def run_settings(run_dir: Path, model_files: Sequence[Path] = ()) -> Settings:
    """The run's migration settings, as far as its files still exist (a moved run still verifies, with
    the built-in model and without mapping overrides; the notes say what was missing)."""
    from crmtool.config.mapping import load_mapping
    from crmtool.config.migration import load_migration
    from crmtool.model import load_object_model
    from crmtool.run.rundir import RunDir

    manifest = RunDir(run_dir).load_manifest()
    notes: list[str] = []
    migration = None
    path = (manifest.get("migration") or {}).get("path")
    if path and Path(path).is_file():
        migration = load_migration(path)
    elif path:
        notes.append(f"migration file {path} not found: built-in object model, no rule files from it")
    custom = [migration.resolve(p) for p in migration.objects] if migration else []
    settings = Settings(load_object_model(*custom, *model_files))
    if migration:
        settings.rule_files = [migration.resolve(p) for p in migration.verify.rules]
        settings.fail_on = migration.verify.fail_on
    for entry in manifest.get("mappings") or []:
        if entry.get("path") and Path(entry["path"]).is_file():
            settings.mappings.append(load_mapping(entry["path"]))
        elif entry.get("path"):
            notes.append(f"mapping {entry['path']} not found: its required: overrides are not applied")
    settings.notes = notes
    return settings


def run_dir_frames(run_dir: Path, objects: Sequence[str] = ()) -> dict[str, "pd.DataFrame"]:
    """The map stage's output of a run, object by object (in the order of `objects` if given); the rows
    it set aside (`<object>_rejected`) are not an object."""
    from crmtool.run.files import REJECTED

    folder = run_dir / MAP_DIR
    files = {p.stem: p for p in sorted(folder.glob("*.parquet"))
             if not p.stem.endswith(REJECTED)} if folder.is_dir() else {}
    if not files:
        raise InputError(folder, "no map output (map/<object>.parquet): run the pipeline up to the map stage first")
    missing = [o for o in objects if o not in files]
    if missing:
        raise ConfigError(f"{run_dir}: no map output for {missing[0]!r} (objects: {', '.join(files)})")
    return {obj: read_parquet(files[obj]) for obj in (objects or files)}


def read_parquet(path: Path) -> "pd.DataFrame":
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot read it as Parquet ({str(exc).splitlines()[0]})") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own kinds for corrupt files
        raise InputError(path, f"cannot read it as Parquet ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None


def data_frames(path: Path, model: "ObjectModel", mapping: "Mapping | None" = None,
                object_name: str | None = None) -> tuple[dict[str, "pd.DataFrame"], list[str], dict[str, str]]:
    """({object: frame}, notes, rules to skip) from a data file: mapped by `mapping`, or taken as
    `object_name`'s fields."""
    if not path.exists():
        raise InputError(path, "no such file")
    if mapping is not None:
        if object_name and object_name != mapping.object:
            raise ConfigError(f"--object {object_name} but the mapping maps {mapping.object}")
        return _mapped(path, model, mapping)
    if not object_name:
        raise ConfigError(f"{path}: give --mapping M (to map it first) or --object OBJECT (its columns are the fields)")
    if object_name not in model:
        raise ConfigError(f"--object {object_name}: no such object (objects: {', '.join(model.names())})")
    table = read_parquet(path) if path.suffix.lower() == ".parquet" else _read(path, None)
    fields = [c for c in table.columns if c in model[object_name].fields]
    if not fields:
        raise ConfigError(f"{path}: none of its columns is a field of {object_name} "
                          f"({', '.join(model[object_name].fields)}); map it with --mapping")
    return {object_name: table}, [], {}


def _read(path: Path, mapping: "Mapping | None") -> "pd.DataFrame":
    """Read DATA as `crmtool read` does. With a mapping: its source settings when DATA is the mapping's
    own source file; for another file only its sheet (workbooks) and encoding (text files), the header
    being found anew (another export of the same sheet may have more or fewer title rows)."""
    from crmtool.read import TEXT_SUFFIXES, read_table

    source = mapping.source if mapping is not None else None
    if source is None:
        return read_table(path).table
    if _is_own_source(path, mapping):
        return read_table(path, sheet=source.sheet, header_row=source.header_row, encoding=source.encoding).table
    text = path.suffix.lower() in TEXT_SUFFIXES
    return read_table(path, sheet=None if text else source.sheet, encoding=source.encoding if text else None).table


def _is_own_source(path: Path, mapping: "Mapping") -> bool:
    """DATA is one of the files of the mapping's source (its source.file, or a file its pattern matches)."""
    try:
        return path.resolve() in mapping.source_paths()
    except InputError:
        return False


def _mapped(path: Path, model: "ObjectModel",
            mapping: "Mapping") -> tuple[dict[str, "pd.DataFrame"], list[str], dict[str, str]]:
    """Cleanse and map DATA as the pipeline does. Relationships stay unresolved (the referred object's
    rows are not at hand: the map stage leaves them empty, as `mapping check --sample` does): their
    rules are skipped, with a note."""
    try:
        from crmtool.mapper import cleanse_fields, map_object
    except ImportError:
        raise ConfigError("this build has no map stage (crmtool.mapper.transform); verify a run directory, "
                          "or a file of field columns with --object") from None
    table = _read(path, mapping)
    fields, _issues = cleanse_fields(table, mapping, model)
    mapped = map_object(fields, mapping, model, {}, resolve_references=False)
    notes, skip = [], {}
    rejected = getattr(mapped, "rejected", None)
    if rejected is not None and len(rejected):
        notes.append(f"{len(rejected):,} row(s) rejected by the map stage are not verified")
    obj = model[mapping.object]
    references = [f for f, fm in mapping.fields.items()
                  if fm.relationship is not None or (f in obj.fields and obj.fields[f].type == "reference")]
    for name in references:
        why = f"{name} is resolved against the referred records: verify the run directory to check it"
        skip.update({f"{mapping.object}.{name}.required": why, f"{mapping.object}.{name}.relationship": why})
    if references:
        notes.append(f"references not checked without the referred data: {', '.join(references)}")
    return {mapping.object: mapped.rows}, notes, skip


def record_in_manifest(run_dir: Path, result: "VerifyResult", gate_record: dict, started: str, seconds: float) -> None:
    """The verify stage and the gate in the run's manifest."""
    from crmtool.run.rundir import RunDir, now_iso

    rd = RunDir(run_dir)
    manifest = rd.load_manifest()
    summary = result.summary()
    manifest.setdefault("stages", {})["verify"] = {
        "status": "ok" if gate_record["passed"] else ("accepted" if gate_record["accepted_failures"] else "failed"),
        "started": started, "finished": now_iso(), "seconds": round(seconds, 3),
        "counts": {k: summary[k] for k in ("rules", "passed", "failed", "skipped", "disagree", "failing_rows")},
    }
    manifest["gate"] = gate_record
    rd.save_manifest(manifest)


@dataclass
class VerifyRun:
    """What `crmtool verify` shows: the result, the gate record, notes, and the gate's error if it failed."""

    result: "VerifyResult"
    gate: dict
    notes: list[str]
    error: GateFailed | None = None


def verify_path(target: Path, *, mapping: Path | None = None, object_name: str | None = None,
                rule_files: Sequence[Path] = (), model_files: Sequence[Path] = (), accept_failures: str | None = None,
                out: Path | None = None, engines: Sequence[str] = ("sql", "gx"), masked: bool = True) -> VerifyRun:
    """`crmtool verify` as a function. Outputs go to RUN_DIR/verify (or `out`); a run's manifest records
    the gate. A failed gate is returned (`error`), not raised, so that the caller can show the result first."""
    from crmtool.clock import now_iso
    from crmtool.config.mapping import load_mapping
    from crmtool.model import load_object_model
    from crmtool.validate.verify import gate, verify_frames

    started, clock = now_iso(), time.perf_counter()
    run = is_run_dir(target)
    if run:
        if mapping is not None:
            raise ConfigError(f"{target} is a run directory: its mappings come from its manifest (drop --mapping)")
        settings = run_settings(target, model_files)
        frames = run_dir_frames(target, [object_name] if object_name else [])
        out = out or target / "verify"
    elif target.is_dir():
        raise InputError(target, "a folder without manifest.json: not a run directory")
    else:
        settings = Settings(load_object_model(*model_files))
        loaded = load_mapping(mapping) if mapping is not None else None
        frames, notes, settings.skip = data_frames(target, settings.model, loaded, object_name)
        settings.mappings = [loaded] if loaded else []
        settings.notes.extend(notes)
    result = verify_frames(frames, settings.model, settings.mappings, [*settings.rule_files, *rule_files],
                           engines=engines, out_dir=out, fail_on=settings.fail_on, skip=settings.skip, masked=masked)
    error = None
    try:
        record = gate(result, accept_failures)
    except GateFailed as exc:
        record, error = {"passed": False, "accepted_failures": None}, exc
    if run:
        record_in_manifest(target, result, record, started, time.perf_counter() - clock)
    return VerifyRun(result, record, settings.notes, error)
