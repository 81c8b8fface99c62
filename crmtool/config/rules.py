"""Verify rule files: the YAML an admin writes to add, change or switch off verification rules.

A rule file lists rule specs: a new rule (object, field, kind, params) or a change to a rule by id
(severity, message, enabled). This module is the file's schema and reader; crmtool.validate.rules
turns the specs into rules against the object model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crmtool.config.files import ConfigFileError, Finding, LineIndex, load_yaml, validate

KINDS = ("required", "type", "pattern", "value_set", "length", "range", "unique", "relationship",
         "credit_code", "phone", "mobile", "email")
SEVERITIES = ("error", "warning", "info")
VALUE_TYPES = ("integer", "decimal", "boolean", "date", "datetime", "url", "email")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TypeParams(_Strict):
    type: Literal[VALUE_TYPES]  # type: ignore[valid-type]


class PatternParams(_Strict):
    pattern: str = Field(..., min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class ValueSetParams(_Strict):
    values: list[str] = Field(..., min_length=1)


class LengthParams(_Strict):
    max_length: int | None = Field(None, gt=0)
    min_length: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> "LengthParams":
        if self.max_length is None and self.min_length is None:
            raise ValueError("give max_length, min_length or both")
        return self


class RangeParams(_Strict):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> "RangeParams":
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class RelationshipParams(_Strict):
    to: str
    key: str | None = Field(None, description="The referred object's key field (default: its external id).")


class NoParams(_Strict):
    pass


PARAMS: dict[str, type[BaseModel]] = {
    "type": TypeParams, "pattern": PatternParams, "value_set": ValueSetParams, "length": LengthParams,
    "range": RangeParams, "relationship": RelationshipParams,
}


class RuleSpec(_Strict):
    """One entry of a rule file: a new rule (object, field, kind, params), or a change to a rule by id."""

    id: str | None = Field(None, pattern=r"^[^\s]+$", description="Rule id; default object.field.<kind> (values for "
                           "value_set, valid for credit_code/phone/mobile/email). An id of a built-in rule changes it.")
    object: str | None = None
    field: str | None = None
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]
    message: str | None = Field(None, description="Message template: {value}, {label}, {field}, {object} and params.")
    enabled: bool = True

    @model_validator(mode="after")
    def _says_something(self) -> "RuleSpec":
        if self.id is None and (self.object is None or self.field is None or self.kind is None):
            raise ValueError("give id: (to change a rule) or object:, field: and kind: (to add one)")
        if self.kind is None and self.params:
            raise ValueError("params: need a kind:")
        return self


class RuleFileModel(_Strict):
    version: Literal[1] = 1
    rules: list[RuleSpec] = Field(default_factory=list)


@dataclass
class RuleFile:
    path: Path
    specs: list[RuleSpec]
    lines: "LineIndex"

    def where(self, i: int, *keys: str) -> tuple[str, int, str]:
        return str(self.path), self.lines.line(("rules", i, *keys)), ".".join(["rules", str(i), *keys])


def load_rule_file(path: str | Path) -> RuleFile:
    """A rule file, checked: errors name the file, line and field (crmtool.config.files.ConfigFileError)."""

    data, lines = load_yaml(path)
    parsed = validate(RuleFileModel, data, path, lines)
    findings: list[Finding] = []
    for i, spec in enumerate(parsed.rules):
        if spec.kind is None:
            continue
        try:
            spec.params = PARAMS.get(spec.kind, NoParams).model_validate(spec.params).model_dump(exclude_none=True)
        except ValidationError as exc:
            for error in exc.errors():
                loc = ("rules", i, "params", *error["loc"])
                field = ".".join(str(p) for p in loc)
                findings.append(Finding(str(path), lines.line(loc), field, _param_hint(error)))
    if findings:
        raise ConfigFileError(findings)
    return RuleFile(Path(path), list(parsed.rules), lines)


def _param_hint(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown parameter for this kind of rule (see docs/verify.md)"
    if error["type"] == "missing":
        return "required, but missing"
    msg = error["msg"].removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else error["type"]
