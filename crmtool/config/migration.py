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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from crmtool.errors import ConfigError

DEFAULT_TARGET = "duckdb:///crm.duckdb"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DedupeStage(_Strict):
    enabled: bool = True
    objects: list[str] = Field(default_factory=lambda: ["accounts"])
    against_target: bool = Field(True, description="Also match new records against the accounts already in the target.")


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

    _path: Path | None = PrivateAttr(None)

    @field_validator("target")
    @classmethod
    def _no_secret(cls, value: str) -> str:
        if re.match(r"^[a-z+]+://[^/@:]*:[^/@$]+@", value) and "${" not in value.split("@")[0]:
            raise ValueError("the target URL holds a password: write ${VAR} and set VAR in the environment or .env")
        return value

    @property
    def base(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else (self.base / path)

    def target_url(self) -> str:
        """The target URL with ${VAR} expanded from the environment and .env; the secret stays out of files.
        (A relative store path in it is relative to the migration file: open it with base=self.base.)"""
        return expand_env(self.target, self.base / ".env")


def load_migration(path: str | Path) -> Migration:
    from crmtool.config.files import load_yaml, validate

    data, lines = load_yaml(path)
    migration = validate(Migration, data, path, lines)
    migration._path = Path(path).resolve()
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
