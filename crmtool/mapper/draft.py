"""`crmtool init`: the files it writes. Each table of the sources gets a draft mapping (crmtool.mapper.suggest
matches its columns to the object's fields), rendered as YAML with the confidence of every suggestion
as a comment, plus a migration.yaml listing them and the mapping JSON Schema for editors; every draft
is validated before anything is written, and nothing is overwritten without --force.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from crmtool.mapper.suggest import Draft, Suggestion, draft_table

if TYPE_CHECKING:
    from crmtool.model import ObjectModel


def _scalar(value: str) -> str:
    """A YAML scalar: plain when it reads back as the same string, else double-quoted."""
    import yaml

    text = str(value)
    plain = (text and not re.search(r"[:#{}\[\],&*!|>'\"%@`\t\n]", text) and text == text.strip()
             and not text.startswith(("-", "?")))
    if plain:
        try:
            plain = yaml.safe_load(text) == text
        except yaml.YAMLError:
            plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def render_yaml(draft: Draft, source_ref: str) -> str:
    """The draft as a commented YAML mapping file."""
    lines = ["# yaml-language-server: $schema=mapping.schema.json",
             f"# Draft written by `crmtool init` from {draft.source}"
             + (f", sheet {draft.sheet}" if draft.sheet else "") + f" ({draft.rows} rows"
             + (f", header on row {draft.header_row}" if draft.header_row else "")
             + (f", encoding {draft.encoding}" if draft.encoding else "") + ").",
             f"# Object {draft.object}: {draft.object_reason}.",
             "# Each field says where the suggestion comes from and how sure it is. Check every line, then run",
             "#   crmtool mapping check THIS_FILE --sample",
             "version: 1", f"object: {draft.object}", "source:", f"  file: {_scalar(source_ref)}"]
    if draft.sheet:
        lines.append(f"  sheet: {_scalar(draft.sheet)}")
    lines.append("fields:")
    for s in draft.fields:
        lines.extend(_field_lines(s))
    for name in draft.missing_required:
        lines.append(f"  # {name}: {{from: ???}}    # required, but no column matched: map it")
    if draft.unmatched:
        lines.append("# Columns no field matched (map them by hand, or leave them out):")
        for u in draft.unmatched:
            extra = f" (also fits {', '.join(u['could_be'])}, already taken)" if u["could_be"] else ""
            lines.append(f"#   {u['column']}" + (f": looks like {u['kind']}" if u["kind"] else "") + extra)
    return "\n".join(lines) + "\n"


def _field_lines(s: Suggestion) -> list[str]:
    comment = f"  # {s.note} (confidence {s.confidence:.2f})" if s.columns else f"  # {s.note}"
    if not s.columns:
        return [f"  # {s.field}: {{from: ???}}{comment}"]
    out = [f"  {s.field}:{comment}"]
    if s.relationship:
        out.append(f"    relationship: {_flow(s.relationship)}")
        return out
    out.append(f"    from: {_flow(s.columns[0] if len(s.columns) == 1 else s.columns)}")
    if s.transforms:
        out.append(f"    transforms: {_flow(s.transforms)}")
    if s.value_map or s.unmapped_values:
        out.append("    value_map:" + ("" if s.value_map else " {}"))
        for k, v in (s.value_map or {}).items():
            out.append(f"      {_scalar(k)}: {_scalar(v)}    # suggested allowed value: check it")
        for k in s.unmapped_values:
            out.append(f"      # {_scalar(k)}: ???    # not in the picklist and nothing close")
    return out




@dataclass
class InitResult:
    out_dir: str
    migration: str
    written: list[str]
    drafts: list[Draft]

    def to_dict(self) -> dict:
        return {"out_dir": self.out_dir, "migration": self.migration, "written": self.written,
                "drafts": [d.to_dict() for d in self.drafts]}


def init_project(sources: Sequence[str | Path], out_dir: str | Path, model: "ObjectModel | None" = None, *,
                 object_name: str | None = None, sheet: str | int | None = None, all_sheets: bool = False,
                 force: bool = False) -> InitResult:
    """Write OUT/migration.yaml, OUT/mappings/<stem>.yaml per source table and the mapping JSON Schema.

    One mapping per source file, from its first sheet holding data (or `sheet`); with `all_sheets`,
    one per sheet (`<stem>.<sheet>.yaml`). Existing files are never overwritten without `force`."""
    from crmtool.config.mapping import schema_text
    from crmtool.errors import ConfigError
    from crmtool.model import load_object_model

    model = model or load_object_model()
    if object_name is not None and object_name not in model:
        raise ConfigError(f"--object {object_name}: no such object (objects: {', '.join(model.names())})")
    out = Path(out_dir)
    drafts = [d for path in _expand(sources) for d in _drafts(path, model, object_name, sheet, all_sheets)]
    if not drafts:
        raise ConfigError("no source files given")
    mapping_dir = out / "mappings"
    files: dict[Path, str] = {}
    stems: set[str] = set()
    per_source = Counter(d.source for d in drafts)
    for draft in sorted(drafts, key=lambda d: model.load_order().index(d.object)):
        stem = _stem(draft, stems, per_source[draft.source] > 1)
        path = mapping_dir / f"{stem}.yaml"
        draft.path = str(path)
        source_ref = os.path.relpath(Path(draft.source).resolve(), mapping_dir.resolve())
        files[path] = render_yaml(draft, Path(source_ref).as_posix())
    files[mapping_dir / "mapping.schema.json"] = schema_text()
    migration = out / "migration.yaml"
    files[migration] = _migration_yaml(out, [Path(p) for p in files if p.suffix == ".yaml"])
    same = {p for p, text in files.items() if p.is_file() and p.read_text(encoding="utf-8") == text}
    exists = [str(p) for p in files if p.exists() and p not in same]
    if exists and not force:
        raise ConfigError(f"{', '.join(exists)} already exist(s): nothing written; give --force to overwrite")
    _validate_drafts(files)
    from crmtool.atomic import atomic_path

    for path, text in files.items():
        if path in same:
            continue
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return InitResult(str(out), str(migration), [str(p) for p in files if p not in same], drafts)


def _expand(sources: Sequence[str | Path]) -> list[Path]:
    from crmtool.read import SUPPORTED_SUFFIXES

    paths = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            paths.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                                and not p.name.startswith("~$")))
        else:
            paths.append(path)
    return paths


def _drafts(path: Path, model: "ObjectModel", object_name: str | None, sheet, all_sheets: bool) -> list[Draft]:
    from crmtool.read import read_sheets, read_table

    reads = read_sheets(path) if all_sheets else [read_table(path, sheet=sheet)]
    return [draft_table(r, model, object_name) for r in reads]


def _stem(draft: Draft, used: set[str], by_sheet: bool) -> str:
    base = Path(draft.source).stem
    if draft.sheet and by_sheet:
        base = f"{base}.{draft.sheet}"
    base = re.sub(r'[\\/:*?"<>|\s]+', "_", base)
    stem, n = base, 2
    while stem in used:
        stem, n = f"{base}~{n}", n + 1
    used.add(stem)
    return stem


def _migration_yaml(out: Path, mappings: list[Path]) -> str:
    from crmtool.config.migration import DEFAULT_TARGET

    rel = [p.relative_to(out).as_posix() for p in mappings]
    lines = ["# Draft written by `crmtool init`: check the mappings, then `crmtool run` (docs/migrate.md).",
             f"name: {_scalar(out.resolve().name or 'migration')}", "mappings:",
             *(f"  - {_scalar(r)}" for r in rel),
             f"target: {DEFAULT_TARGET}        # or ${{CRM_TARGET}}, set in the environment or .env"]
    return "\n".join(lines) + "\n"


def _validate_drafts(files: dict[Path, str]) -> None:
    """Every draft must load as a Mapping: a bug here must not leave a file the user cannot use."""
    import yaml

    from crmtool.config.mapping import Mapping
    from crmtool.config.migration import Migration

    for path, text in files.items():
        if path.suffix != ".yaml":
            continue
        model = Migration if path.name == "migration.yaml" else Mapping
        model.model_validate(yaml.safe_load(text))
