"""Configuration files (object model, mappings, migration.yaml): YAML in, pydantic models out.

Every error names the file, the line and the field, with a hint, because the person reading it is
editing that file. YAML is parsed once into plain data and once into nodes; the nodes give the line
of each key path so a pydantic error at ``fields.name.transforms.0`` points at its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crmtool.errors import ConfigError

M = TypeVar("M")


@dataclass(frozen=True)
class Finding:
    """One problem in a configuration file, at a line (1-based; 0 when unknown) and a field path."""

    file: str
    line: int
    field: str
    message: str
    severity: str = "error"
    rule: str = "config.invalid"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class ConfigFileError(ConfigError):
    """A configuration file that cannot be used; carries every finding, the first is the one-line message."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(f"{findings[0]}{more}")


class LineIndex:
    """Key path → line number for a YAML document."""

    def __init__(self, node: Any):
        self._lines: dict[tuple, int] = {}
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: Any, path: tuple) -> None:
        import yaml

        self._lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                self._lines[child] = key.start_mark.line + 1
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def line(self, path: tuple) -> int:
        """The line of the deepest existing prefix of `path`."""
        path = tuple(str(p) if not isinstance(p, int) else p for p in path)
        for end in range(len(path), -1, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return 0


def load_yaml(path: str | Path) -> tuple[Any, LineIndex]:
    """(data, line index) of a YAML file; a ConfigFileError for unreadable or malformed files."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigFileError([Finding(str(path), 0, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError([Finding(str(path), 0, "", f"cannot read it ({exc})")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        _check_expanded_size(node, path)
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigFileError([Finding(str(path), mark.line + 1 if mark else 0, "",
                                       f"{exc.problem}: crmtool reads plain YAML, without language-specific tags")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigFileError([Finding(str(path), mark.line + 1 if mark else 0, "",
                                       f"not valid YAML: {problem}; check indentation and quoting")]) from None
    return data, LineIndex(node)


MAX_EXPANDED_NODES = 100_000
"""Far beyond any real configuration file; an alias bomb (billion laughs) expands to billions."""


def _check_expanded_size(root: Any, path: Path) -> None:
    """Refuse a document whose aliases expand it past MAX_EXPANDED_NODES, counted without expanding it
    (each node's expanded size computed once, by identity)."""
    import yaml

    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        if id(node) not in sizes:
            sizes[id(node)] = 1  # a node that contains itself counts once
            if isinstance(node, yaml.MappingNode):
                children = [c for pair in node.value for c in pair]
            else:
                children = node.value if isinstance(node, yaml.SequenceNode) else []
            sizes[id(node)] = min(1 + sum(size(c) for c in children), MAX_EXPANDED_NODES + 1)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise ConfigFileError([Finding(str(path), node.start_mark.line + 1, "",
                                               f"aliases expand this document past {MAX_EXPANDED_NODES:,} values "
                                               "(an alias bomb?); write the values out")])
        return sizes[id(node)]

    if root is not None:
        size(root)


def validate(model: type[M], data: Any, path: str | Path, lines: LineIndex | None = None,
             schema_command: str | None = None) -> M:
    """`model.model_validate(data)`, with errors turned into findings that name file, line and field;
    `schema_command` is the command that prints the file kind's allowed keys."""
    from pydantic import ValidationError

    try:
        check = getattr(model, "validate_python", None) or model.model_validate  # a TypeAdapter (a union) or a model
        return check(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigFileError(validation_findings(exc, str(path), lines or LineIndex(None), schema_command)) from None


def validation_findings(exc: Any, path: str, lines: LineIndex, schema_command: str | None = None) -> list[Finding]:
    findings = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
        field = ".".join(str(p) for p in loc)
        findings.append(Finding(path, lines.line(loc), field, _hint(error, schema_command)))
    return findings


def _is_union_tag(part: Any) -> bool:
    """pydantic puts the union member's name into error locations (`str`, `Concat`…); they are not keys."""
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "int", "list[str]", "function-after"}
                                      or "[" in part)


def _hint(error: dict, schema_command: str | None = None) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return f"unknown key (a typo? see `{schema_command}` for the allowed keys)" if schema_command else "unknown key (a typo?)"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "literal_error":
        return msg.replace("Input should be", "should be")
    return msg[0].lower() + msg[1:] if msg else kind


def load_model_file(model: type[M], path: str | Path) -> M:
    data, lines = load_yaml(path)
    return validate(model, data, path, lines)
