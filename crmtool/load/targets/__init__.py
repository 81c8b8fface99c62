"""CRM store targets: plugins found through the entry point group `crmtool.targets`, picked by URL scheme.

The built-in targets (duckdb, postgresql, file, http) are registered the same way; BUILTIN is the
fallback for a source tree without installed metadata. A plugin that fails to load is a warning,
never a crash. Target modules import their drivers inside methods, so discovery stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.errors import ConfigError

if TYPE_CHECKING:
    from crmtool.load.targets.base import Target
    from crmtool.model import ObjectModel

ENTRY_POINT_GROUP = "crmtool.targets"
BUILTIN = {
    "duckdb": "crmtool.load.targets.duckdb:DuckDBTarget",
    "postgresql": "crmtool.load.targets.postgresql:PostgresTarget",
    "file": "crmtool.load.targets.file:FileTarget",
    "http": "crmtool.load.targets.http:HttpTarget",
}


@dataclass
class Installed:
    """What `crmtool targets` shows about one plugin."""

    name: str
    cls: type
    source: str  # "module:Class"

    def to_dict(self) -> dict:
        return {"name": self.name, "schemes": list(self.cls.scheme), "description": self.cls.description,
                "can_rollback": bool(self.cls.can_rollback), "rollback_note": self.cls.rollback_note,
                "keeps_audit": bool(getattr(self.cls, "keeps_audit", False)), "source": self.source}


def discover() -> tuple[list[Installed], list[str]]:
    """(installed targets, warnings about plugins that failed to load)."""
    import importlib
    from importlib.metadata import entry_points

    found: dict[str, Installed] = {}
    warnings: list[str] = []
    sources = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name, source in BUILTIN.items():  # also when crmtool runs from a source tree without metadata
        sources.setdefault(name, source)
    for name, source in sources.items():
        module, _, attr = source.partition(":")
        try:
            found[name] = Installed(name, getattr(importlib.import_module(module), attr), source)
        except Exception as exc:  # a broken plugin must not stop a migration
            warnings.append(f"target plugin {name} ({source}) failed to load: {type(exc).__name__}: {exc}")
    return sorted(found.values(), key=lambda t: t.name), warnings


def by_scheme() -> tuple[dict[str, type], list[str]]:
    """{URL scheme: target class}, warnings."""
    installed, warnings = discover()
    schemes: dict[str, type] = {}
    for item in installed:
        for scheme in item.cls.scheme:
            schemes.setdefault(scheme, item.cls)
    return schemes, warnings


def scheme_of(url: str) -> str:
    head, sep, _ = url.partition(":")
    return head.lower() if sep else ""


def open_target(url: str, model: "ObjectModel", base: str | Path | None = None) -> "Target":
    """The target for this URL (not yet opened: use `with target:`).

    `base` is the folder relative store paths are resolved against (the migration file's folder);
    without it they are relative to the current directory.
    """
    from crmtool.config.migration import redact
    from crmtool.console import warn_line

    schemes, warnings = by_scheme()
    for warning in warnings:
        warn_line(warning)
    scheme = scheme_of(url)
    cls = schemes.get(scheme)
    if cls is None:
        raise ConfigError(f"{redact(url)}: no target for the scheme '{scheme or '(none)'}' "
                          f"(installed: {', '.join(sorted(schemes))}); see `crmtool targets`")
    if base is not None:
        url = cls.absolute_url(url, Path(base))
    return cls(url, model)
