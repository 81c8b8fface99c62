"""A mapping's source table: its one file, or the files its `source.file` pattern matches, read as one table.

Each file is read exactly as a single source is (the mapping's sheet, header row and encoding, each
file's own encoding detection); the tables follow one another in the order given, and every row keeps
its own file in its provenance (`_source`, `_row_id`), so an issue still points at a cell a person
can open. The files must share the layout: the mapped source columns of each file are those of the
first, else a ConfigFileError (exit 2) at the mapping's `source.file` line, as for a mapped column the
source lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from crmtool.config.mapping import Mapping
    from crmtool.read import ReadResult


@dataclass(frozen=True)
class SourceFile:
    path: Path
    """What to read: the source file itself, or its backup copy in a run directory."""
    label: str
    """How its rows name it (`_source`, `_row_id`): Mapping.source_label of the original."""


def source_files(mapping: "Mapping") -> list[SourceFile]:
    return [SourceFile(path, mapping.source_label(path)) for path in mapping.source_paths()]


def read_source(mapping: "Mapping", files: Sequence[SourceFile] | None = None) -> "ReadResult":
    """The mapping's source as one table (default: its own files, Mapping.source_paths())."""
    from crmtool.read import read_table

    files = list(files) if files is not None else source_files(mapping)
    src = mapping.source
    results = [read_table(f.path, sheet=src.sheet, header_row=src.header_row, encoding=src.encoding,
                          source_label=f.label) for f in files]
    if len(results) == 1:
        return results[0]
    for f, result in zip(files[1:], results[1:]):
        check_layout(mapping, files[0].label, results[0], f.label, result)
    return _concat(results, files)


def check_layout(mapping: "Mapping", first_label: str, first: "ReadResult", label: str, other: "ReadResult") -> None:
    """The file `label` has the mapped source columns the first file has, else a one-line ConfigFileError."""
    from crmtool.config.files import ConfigFileError, Finding

    columns = mapping.source_columns
    missing = [c for c in columns if c in first.table.columns and c not in other.table.columns]
    extra = [c for c in columns if c in other.table.columns and c not in first.table.columns]
    if not missing and not extra:
        return
    instead = [c for c in other.data_columns if c not in first.data_columns and c not in extra]
    differ = ([f"{label} lacks {', '.join(missing)}"] if missing else []) + \
             ([f"{first_label} lacks {', '.join(extra)}"] if extra else []) + \
             ([f"only {label} has {', '.join(instead)}"] if instead and missing else [])
    raise ConfigFileError([Finding(str(mapping.path or "mapping"), mapping.line_of("source", "file"), "source.file",
                                   f"{label} and {first_label} (matched by {mapping.source.file}) are not of one "
                                   f"layout: {'; '.join(differ)}")])


def _concat(results: list["ReadResult"], files: list[SourceFile]) -> "ReadResult":
    import pandas as pd

    from crmtool.issues import concat_issues
    from crmtool.read import ReadResult

    table = pd.concat([r.table for r in results], ignore_index=True)
    dtypes: dict = {}
    for result in results:
        for column, dtype in result.table.dtypes.items():
            dtypes.setdefault(column, dtype)
    table = table.astype({c: d for c, d in dtypes.items() if table[c].dtype != d})  # a column some files lack
    info = {**results[0].info, "data_rows": sum(r.info.get("data_rows", len(r.table)) for r in results),
            "files": [{"source": f.label, **r.info} for f, r in zip(files, results)]}
    return ReadResult(table, concat_issues([r.issues for r in results]), info)
