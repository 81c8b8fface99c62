"""migration.yaml: what a migration run reads, how each stage is set, and where it loads.

Example::

    name: 华信 CRM 迁移
    mappings: [mappings/accounts.yaml, mappings/contacts.yaml]
    target: duckdb:///crm.duckdb        # or ${CRM_TARGET}: credentials come from the environment / .env
    run_dir: runs
    dedupe: {objects: [accounts]}
    verify: {rules: [rules/extra.yaml]}

Paths are relative to the migration file. The target URL may hold ${VAR} references, expanded
from the environment and a .env file beside the migration file; a URL with a password written out
is refused, so a secret never lands in a file that is committed or copied into a run directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, field_validator, model_validator

from crmtool.config.dedupe import DedupeRules
from crmtool.config.engine import EngineConfig
from crmtool.errors import ConfigError

DEFAULT_TARGET = "duckdb:///crm.duckdb"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _rules_kind(value: object) -> str:
    return "Path" if isinstance(value, str) else "Rules"


# a file's path or the rules inline: told apart by the value's type, so that an error in inline rules
# is reported at its own key rather than as "not a string"
_RulesEntry = Annotated[Union[Annotated[str, Tag("Path")], Annotated[DedupeRules, Tag("Rules")]],
                        Discriminator(_rules_kind)]


class DedupeStage(_Strict):
    enabled: bool = True
    objects: list[str] = Field(default_factory=lambda: ["accounts"])
    against_target: bool = Field(True, description="Also match new records against the accounts already in the target.")
    rules: dict[str, _RulesEntry] = Field(default_factory=dict, description="Per object, a dedupe rules file "
                                                "(relative to the migration file) or the rules written inline; "
                                                "what they leave out keeps the built-in rules (docs/dedupe.md).")

    @model_validator(mode="before")
    @classmethod
    def _inline_object(cls, data: object) -> object:
        """Rules written inline under an object's name are for that object (and its comparison set)."""
        if isinstance(data, dict) and isinstance(data.get("rules"), dict):
            rules = {name: ({"object": name, **entry} if isinstance(entry, dict) and "object" not in entry else entry)
                     for name, entry in data["rules"].items()}
            data = {**data, "rules": rules}
        return data


class VerifyStage(_Strict):
    rules: list[str] = Field(default_factory=list, description="Extra rule files (YAML), relative to the migration file.")
    fail_on: str = Field("error", pattern="^(error|warning|never)$")
    engines: list[Literal["sql", "gx"]] = Field(default_factory=lambda: ["sql", "gx"], min_length=1,
                                                description="sql lists every failing row; gx adds great-expectations "
                                                            "Data Docs as evidence (and must agree with sql).")


class LoadStage(_Strict):
    batch_size: int = Field(50_000, gt=0)


class Migration(_Strict):
    name: str = "migration"
    objects: list[str] = Field(default_factory=list, description="Custom object model files (YAML).")
    mappings: list[str] = Field(..., min_length=1)
    target: str = DEFAULT_TARGET
    run_dir: str = "runs"
    dedupe: DedupeStage = Field(default_factory=DedupeStage)
    verify: VerifyStage = Field(default_factory=VerifyStage)
    load: LoadStage = Field(default_factory=LoadStage)
    engine: EngineConfig = Field(default_factory=EngineConfig, description="the engine of the set work "
                                 "(docs/engines.md)")

    _path: Path | None = PrivateAttr(None)
    _lines: object = PrivateAttr(None)

    @field_validator("target")
    @classmethod
    def _no_secret(cls, value: str) -> str:
        if re.match(r"^[a-z+]+://[^/@:]*:[^/@$]+@", value) and "${" not in value.split("@")[0]:
            raise ValueError("the target URL holds a password: write ${VAR} and set VAR in the environment or .env")
        return value

    @property
    def path_text(self) -> str:
        return str(self._path) if self._path else "migration.yaml"

    @property
    def base(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else (self.base / path)

    def dedupe_rules(self, base: DedupeRules) -> DedupeRules:
        """The rules for `base.object` (the built-in rules): a file's or the inline section's over `base`."""
        from crmtool.config.dedupe import load_dedupe_rules, rules_over

        given = self.dedupe.rules.get(base.object)
        if given is None:
            return base
        if isinstance(given, str):
            return load_dedupe_rules(self.resolve(given), base)
        lines = self._lines.line if self._lines is not None else (lambda _: 0)
        return rules_over(given, base, self.path_text, lines, ("dedupe", "rules", base.object))

    def dedupe_rule_files(self) -> list[Path]:
        """The rules files the migration names (they are part of what a resumed run must find unchanged)."""
        return [self.resolve(v) for v in self.dedupe.rules.values() if isinstance(v, str)]

    def target_url(self) -> str:
        """The target URL with ${VAR} expanded from the environment and .env; the secret stays out of files.
        (A relative store path in it is relative to the migration file: open it with base=self.base.)"""
        return expand_env(self.target, self.base / ".env")


def load_migration(path: str | Path) -> Migration:
    from crmtool.config.files import load_yaml, validate

    data, lines = load_yaml(path)
    migration = validate(Migration, data, path, lines)
    migration._path = Path(path).resolve()
    migration._lines = lines
    return migration


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (quotes stripped, comments and `export` ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def expand_env(text: str, dotenv: Path | None = None) -> str:
    """${VAR} from the environment, else from the .env file; a ConfigError names a variable that is unset."""
    env = {**(read_dotenv(dotenv) if dotenv else {}), **os.environ}

    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(f"${{{name}}} is not set: export it or put {name}=… in {dotenv or '.env'}")
        return env[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", sub, text)


def redact(url: str) -> str:
    """The URL with any password replaced by ***, for logs, manifests and reports."""
    return re.sub(r"^([a-z+]+://[^/@:]*):[^/@]*@", r"\1:***@", url)
