"""Mapping files (mappings/*.yaml): one source table to one CRM object, field by field.

A mapping names its source (file, sheet, header row), the target object, and for each target field
where its value comes from (`from`: one source column, or several), the transforms applied in order,
a value map for picklists, a default, a constant, and relationships (a contact's account, found by
the account's external id, cleansed name or credit code). `crmtool mapping schema` prints the JSON
Schema of this model, so editors complete and check the files.

Example::

    object: contacts
    source: {file: ../samples/销售客户清单.xlsx, sheet: 联系人}
    fields:
      contact_id: {from: 联系人编号}
      name: {from: 姓名, transforms: [person_name]}
      mobile: {from: 手机, transforms: [mobile]}
      account_id:
        relationship: {object: accounts, by: name, from: 所属公司}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator

from crmtool.tableio import LOCK_FILE_PREFIXES

# Cleanse rules usable by name as a transform (crmtool.cleanse.stage.rule_for); each replaces the
# value by the rule's cleaned value, and an invalid value becomes an issue (error for required fields).
CLEANSE_TRANSFORMS = ("company_name", "credit_code", "mobile", "landline", "phone", "email", "date", "id_number",
                      "amount", "person_name", "address", "free_text")
SIMPLE_TRANSFORMS = ("strip", "upper", "lower", "traditional_to_simplified", "fullwidth_to_halfwidth", "hash")
# hash: a stable 16-hex-digit id from the value (for objects whose source has no id of its own).


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ConcatArgs(_Strict):
    sep: str = ""


class Concat(_Strict):
    """Join the field's source columns (empty ones skipped) with `sep`."""

    concat: ConcatArgs = Field(default_factory=ConcatArgs)


class SplitArgs(_Strict):
    sep: str = Field(..., min_length=1)
    index: int = Field(0, description="Which part to keep, 0-based; negative counts from the end.")


class Split(_Strict):
    """Split the value on `sep` and keep one part."""

    split: SplitArgs


class RegexArgs(_Strict):
    pattern: str
    group: int | str = 1

    @model_validator(mode="after")
    def _compiles(self) -> "RegexArgs":
        import re

        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if isinstance(self.group, int) and self.group > compiled.groups:
            raise ValueError(f"group {self.group} but the pattern has {compiled.groups} group(s)")
        if isinstance(self.group, str) and self.group not in compiled.groupindex:
            raise ValueError(f"no group named {self.group!r} in the pattern")
        return self


class Regex(_Strict):
    """Extract a group of a regular expression (no match → empty)."""

    regex: RegexArgs


class Default(_Strict):
    """Use this value where the value so far is empty."""

    default: str


class Format(_Strict):
    """Put the value into a template: `{format: "ERP-{value}"}` (empty stays empty)."""

    format: str = Field(..., pattern=r".*\{value\}.*")


class Constant(_Strict):
    """Use this value for every row."""

    constant: str


CleanseName = Literal[CLEANSE_TRANSFORMS]  # type: ignore[valid-type]
SimpleName = Literal[SIMPLE_TRANSFORMS]  # type: ignore[valid-type]
TransformName = Literal[CLEANSE_TRANSFORMS + SIMPLE_TRANSFORMS]  # type: ignore[valid-type]
_TRANSFORM_CLASSES = {cls.__name__.lower(): cls.__name__ for cls in (Concat, Split, Regex, Format, Default, Constant)}


def _transform_tag(value: object) -> str | None:
    """Which kind of transform a value is: a name, or a one-key mapping {concat: …}, {split: …} ….

    Tagging the union makes pydantic report one error for the kind meant, instead of one per member."""
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict) and len(value) == 1:
        return _TRANSFORM_CLASSES.get(str(next(iter(value))))
    if isinstance(value, BaseModel):
        return type(value).__name__
    return None


Transform = Annotated[
    Union[Annotated[TransformName, Tag("str")], Annotated[Concat, Tag("Concat")], Annotated[Split, Tag("Split")],
          Annotated[Regex, Tag("Regex")], Annotated[Format, Tag("Format")], Annotated[Default, Tag("Default")],
          Annotated[Constant, Tag("Constant")]],
    Discriminator(_transform_tag, custom_error_type="transform",
                  custom_error_message="not a transform: give a name (company_name, strip, hash …) or one of "
                                       "{concat: …}, {split: …}, {regex: …}, {format: …}, {default: …}, {constant: …}"),
    Field(description="A cleanse rule or simple transform by name, or one of "
                      "{concat}, {split}, {regex}, {format}, {default}, {constant}.")]


class Relationship(_Strict):
    """Resolve a reference field: find the referred record by its external id, cleansed name or credit code."""

    object: str
    by: Literal["external_id", "name", "credit_code"] = "external_id"
    from_: str | list[str] = Field(..., alias="from", description="Source column(s) holding the id, name or code.")


class FieldMapping(_Strict):
    from_: str | list[str] | None = Field(None, alias="from", description="Source column, or columns (first "
                                          "non-empty wins unless a concat transform joins them).")
    transforms: list[Transform] = Field(default_factory=list)
    value_map: dict[str, str] | None = Field(None, description="Source value → picklist value; applied after transforms.")
    default: str | None = None
    constant: str | None = None
    required: bool | None = Field(None, description="Override the object model: true rejects rows without a value.")
    relationship: Relationship | None = None

    @model_validator(mode="after")
    def _has_a_source(self) -> "FieldMapping":
        sources = [self.from_ is not None, self.constant is not None, self.relationship is not None]
        if sum(sources) == 0 and self.default is None:
            raise ValueError("give from:, constant:, relationship: or default:")
        if self.constant is not None and (self.from_ is not None or self.relationship is not None):
            raise ValueError("constant: cannot be combined with from: or relationship:")
        if self.relationship is not None and self.from_ is not None:
            raise ValueError("a relationship names its source columns itself (relationship.from)")
        return self

    @property
    def columns(self) -> list[str]:
        """The source columns this field reads."""
        src = self.relationship.from_ if self.relationship else self.from_
        if src is None:
            return []
        return [src] if isinstance(src, str) else list(src)

    @property
    def cleanse_rules(self) -> list[str]:
        return [t for t in self.transforms if isinstance(t, str) and t in CLEANSE_TRANSFORMS]


GLOB_CHARACTERS = "*?["


class Source(_Strict):
    file: str = Field(..., description="The source file, relative to the mapping file; or a glob pattern "
                                       "(exports/accounts_*.csv, regions/**/*.xlsx) whose files, in sorted path "
                                       "order and of one layout, are read as one table.")
    sheet: str | int | None = Field(None, description="Sheet name or 1-based position (workbooks).")
    header_row: int | None = Field(None, ge=1, description="1-based header row (default: found).")
    encoding: str | None = Field(None, description="Text files: the encoding (default: detected).")


class Mapping(_Strict):
    """One source table mapped to one CRM object."""

    version: Literal[1] = 1
    object: str = Field(..., description="The target object: accounts, contacts, leads, opportunities or a custom one.")
    source: Source
    fields: dict[str, FieldMapping] = Field(..., min_length=1)
    dedupe: bool | None = Field(None, description="Deduplicate this object's records (default: true for accounts).")

    path: Path | None = Field(None, exclude=True, description="Set when loaded from a file.")
    _lines: object = PrivateAttr(None)

    def line_of(self, *keys: str | int) -> int:
        """The line of a key path in the file this mapping was loaded from (0 when unknown)."""
        return self._lines.line(keys) if self._lines is not None else 0

    def source_path(self) -> Path:
        """`source.file` resolved against the mapping's folder: the source file, or for a glob pattern the
        pattern as a path (not a file; source_paths() gives the files)."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.source.file).resolve() if not Path(self.source.file).is_absolute() else Path(self.source.file)

    @property
    def source_is_pattern(self) -> bool:
        """`source.file` has glob characters and is not itself a file (`客户[1].xlsx` stays a file name)."""
        return any(c in self.source.file for c in GLOB_CHARACTERS) and not self.source_path().is_file()

    def source_folder(self) -> Path:
        """The folder a pattern is searched in (its leading parts without glob characters); for a plain
        file name, the file's folder. Rows name their file (`_source`) by its path relative to it."""
        if not self.source_is_pattern:
            return self.source_path().parent
        base = self.path.parent if self.path else Path.cwd()
        return (base / _split_pattern(self.source.file)[0]).resolve()

    def source_paths(self) -> list[Path]:
        """The files of this mapping's source table, in the order they are read: `source.file` itself, or
        the files its pattern matches, sorted by path (Office lock files and the files inside a crmtool
        run directory, such as a run's backup copies, skipped). A pattern matching no
        file is an InputError naming the pattern and the folder searched; a missing plain file is left
        to the reader and the backup, as before patterns existed."""
        if not self.source_is_pattern:
            return [self.source_path()]
        from crmtool.errors import InputError

        folder, rest = self.source_folder(), _split_pattern(self.source.file)[1]
        found = sorted(p.resolve() for p in folder.glob(rest)
                       if p.is_file() and not p.name.startswith(LOCK_FILE_PREFIXES)
                       and not _in_run_directory(p, folder)) if folder.is_dir() else []
        if not found:
            where = f"{self.path}:{self.line_of('source', 'file')}" if self.path else "the mapping"
            missing = " (no such folder)" if not folder.is_dir() else ""
            raise InputError(folder, f"no file matches {rest}{missing} (source.file {self.source.file} of {where})")
        return found

    def source_label(self, path: Path) -> str:
        """How rows of a source file name it (`_source`, `_row_id`): its path relative to source_folder()
        (the file name for a plain file, or for files of one folder)."""
        try:
            return Path(path).resolve().relative_to(self.source_folder()).as_posix()
        except ValueError:
            return Path(path).name

    @property
    def source_columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for fm in self.fields.values():
            for column in fm.columns:
                seen.setdefault(column)
        return list(seen)


RUN_MANIFEST = "manifest.json"
"""What makes a folder a run directory: defined here, where source patterns skip run directories, and
used by crmtool.run.rundir (a floor above) for the manifest it writes."""


def _in_run_directory(path: Path, folder: Path) -> bool:
    """Whether `path` lies in a run directory below `folder`: `../**/*.csv` beside `runs/` must not read
    an earlier run's backup of the same exports as more source rows."""
    return any((parent / RUN_MANIFEST).is_file() for parent in path.parents if parent != folder and folder in parent.parents)


def _split_pattern(pattern: str) -> tuple[Path, str]:
    """(the leading parts without glob characters, the rest): `../exports/**/a_*.csv` → (`../exports`, `**/a_*.csv`)."""
    parts = Path(pattern).parts
    cut = next(i for i, part in enumerate(parts) if any(c in part for c in GLOB_CHARACTERS))
    return Path(*parts[:cut]) if cut else Path(), "/".join(parts[cut:])


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file as a Mapping; a ConfigFileError (file, line, field, hint) if it is not valid."""
    from crmtool.config.files import load_yaml, validate

    data, lines = load_yaml(path)
    mapping = validate(Mapping, data, path, lines, "crmtool mapping schema")
    mapping.path = Path(path)
    mapping._lines = lines
    return mapping


def mapping_schema() -> dict:
    """The JSON Schema of mapping files."""
    schema = Mapping.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crmtool mapping file"
    schema.get("properties", {}).pop("path", None)
    return schema


def schema_text() -> str:
    """The mapping JSON Schema as written to mappings/mapping.schema.json (sorted keys, 2-space indent)."""
    import json

    return json.dumps(mapping_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
