"""Verification rules: what the verify stage checks, as data.

A `Rule` names one check of one field of one object (`accounts.credit_code.valid`), its kind, its
severity and a message a consultant can act on. Each rule breaks down into primitive checks
(`Regex`, `InSet`, `Between`, `Uscc` …) that two engines evaluate independently: DuckDB SQL
(crmtool.validate.sql) and great-expectations (crmtool.validate.gx).

Rules come from the object model (`rules_from_model`), raised to required by mapping overrides,
and from user rule files (read by crmtool.config.rules.load_rule_file; `apply_rule_files`), which add
rules, replace them, change their severity or message, or switch them off by rule id. The canonical
forms the rules check are in crmtool.validate.patterns.

This module imports no heavy package: `crmtool --help` and the mapping checker may import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from crmtool.config.rules import KINDS, SEVERITIES, VALUE_TYPES, RuleFile, RuleSpec, load_rule_file
from crmtool.validate.patterns import (
    EMAIL,
    EMAIL_LOCAL_LENGTH,
    EMAIL_MAX_LENGTH,
    MOBILE,
    PHONE,
    TYPE_PATTERNS,
    TYPE_WORDS,
)

if TYPE_CHECKING:
    from crmtool.config.mapping import Mapping
    from crmtool.model import FieldDef, ObjectModel


# -- primitive checks: what each engine knows how to evaluate --------------------------------------

@dataclass(frozen=True)
class NotBlank:
    """The value is present: not null, not only blank characters."""


@dataclass(frozen=True)
class Regex:
    """The whole value matches `pattern` (\\d, \\w, \\s mean their ASCII classes, as in RE2)."""

    pattern: str


@dataclass(frozen=True)
class Length:
    """The value's length in characters (code points) is within bounds."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class InSet:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Between:
    """A numeric value (NUMBER) lies within [min, max]; values that are no number are not judged here."""

    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Unique:
    """No other row holds the same value (every row of a repeated value fails)."""


@dataclass(frozen=True)
class InKeys:
    """The value is the external id of a row of `object` (field `key`)."""

    object: str
    key: str


@dataclass(frozen=True)
class Uscc:
    """A GB 32100 credit code: 18 characters of its charset, position 17 the GB 11714 organisation-code
    check over positions 9-16, position 18 the GB 32100 check over positions 1-17."""


Check = NotBlank | Regex | Length | InSet | Between | Unique | InKeys | Uscc


# -- rules -----------------------------------------------------------------------------------------

DEFAULT_MESSAGES = {
    "required": "{label} is empty but required for {object}: fill it in the source, or give the mapping a default",
    "type": "{label} '{value}' is not {type_words}: correct it in the source or add a transform to the mapping",
    "pattern": "{label} '{value}' does not have the required form ({pattern}): correct it in the source",
    "value_set": "{label} '{value}' is not one of the allowed values ({values_text}): correct it or add it to the "
                 "mapping's value_map",
    "length": "{label} '{value}' has the wrong length: it must have {length_text}; correct it in the source",
    "range": "{label} '{value}' is out of range: it must be {range_text}; correct it in the source",
    "unique": "{label} '{value}' occurs on more than one {object} row: merge the records or correct the value",
    "relationship": "{label} '{value}' refers to no {to} record: load that record too, or correct the reference",
    "credit_code": "{label} '{value}' is not a valid 统一社会信用代码 (18 characters; check characters at "
                   "positions 17 and 18): check it against the business licence",
    "phone": "{label} '{value}' is not a phone number in canonical form (+86…, E.164): add the phone transform "
             "to the mapping or correct it in the source",
    "mobile": "{label} '{value}' is not a Chinese mobile number (+861[3-9] and 9 digits): correct it, or map it "
              "to a phone field if it is a landline",
    "email": "{label} '{value}' is not an e-mail address: correct it in the source",
}


@dataclass(frozen=True)
class Rule:
    """One check of one field. `message` is a template: {value} is the failing value, {label},
    {field}, {object} and the rule's params ({max_length}, {values}, {to}, {min}, {max} …) are filled in."""

    rule_id: str
    object: str
    field: str
    kind: str
    severity: str = "error"
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    message: str | None = None
    label: str | None = None
    origin: str = "model"
    """Where the rule comes from: `model`, `mapping <file>`, or `<rule file>:<line>`."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r} (kinds: {', '.join(KINDS)})")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def checks(self) -> tuple[Check, ...]:
        return checks_for(self.kind, self.params)

    @property
    def fails_blank(self) -> bool:
        """Blank values fail this rule (required) instead of being skipped by it."""
        return self.kind == "required"

    def template(self) -> str:
        """The message with everything but {value} filled in."""
        params = dict(self.params)
        values = params.get("values") or []
        shown = ", ".join(map(str, values[:12])) + (f" … ({len(values)} values)" if len(values) > 12 else "")
        low, high = params.get("min"), params.get("max")
        range_text = (f"between {_num(low)} and {_num(high)}" if low is not None and high is not None
                      else f"at least {_num(low)}" if low is not None else f"at most {_num(high)}")
        shortest, longest = params.get("min_length"), params.get("max_length")
        length_text = (f"{shortest} to {longest} characters" if shortest is not None and longest is not None
                       else f"at least {shortest} characters" if shortest is not None else f"at most {longest} characters")
        fill = _Keep(params, label=self.label or self.field, field=self.field, object=self.object,
                     type_words=TYPE_WORDS.get(str(params.get("type")), "valid"), values_text=shown,
                     range_text=range_text, length_text=length_text, rule_id=self.rule_id)
        return (self.message or DEFAULT_MESSAGES[self.kind]).format_map(fill)

    def render(self, value: str | None) -> str:
        return self.template().replace("{value}", "" if value is None else str(value))

    def as_dict(self) -> dict:
        return {"rule_id": self.rule_id, "object": self.object, "field": self.field, "kind": self.kind,
                "severity": self.severity, "params": dict(self.params), "message": self.template(),
                "origin": self.origin}


class _Keep(dict):
    """format_map mapping that leaves unknown placeholders (and {value}) as they are."""

    def __init__(self, params: dict, **extra: Any):
        super().__init__({**params, **extra})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def checks_for(kind: str, params: dict[str, Any]) -> tuple[Check, ...]:
    """The primitive checks a rule of `kind` makes; every one must hold for a value to pass."""
    if kind == "required":
        return (NotBlank(),)
    if kind == "type":
        if params["type"] == "email":
            return checks_for("email", {})
        return (Regex(TYPE_PATTERNS[params["type"]]),)
    if kind == "pattern":
        return (Regex(params["pattern"]),)
    if kind == "value_set":
        return (InSet(tuple(str(v) for v in params["values"])),)
    if kind == "length":
        return (Length(params.get("min_length"), params.get("max_length")),)
    if kind == "range":
        return (Between(params.get("min"), params.get("max")),)
    if kind == "unique":
        return (Unique(),)
    if kind == "relationship":
        return (InKeys(params["to"], params["key"]),)
    if kind == "credit_code":
        return (Uscc(),)
    if kind == "phone":
        return (Regex(PHONE),)
    if kind == "mobile":
        return (Regex(MOBILE),)
    if kind == "email":
        return (Regex(EMAIL), Regex(EMAIL_LOCAL_LENGTH), Length(None, EMAIL_MAX_LENGTH))
    raise ValueError(f"unknown rule kind {kind!r}")


# -- rules of the object model ---------------------------------------------------------------------

SEMANTIC_KINDS = {"credit_code": "credit_code", "phone": "phone", "mobile": "mobile", "email": "email"}
# The last part of a rule id per kind: `accounts.industry.values`, `accounts.credit_code.valid`. A rule
# file's rule of the same kind on the same field has the same id, so it replaces the built-in one.
ID_SUFFIX = {**{k: k for k in KINDS}, "value_set": "values", **{k: "valid" for k in SEMANTIC_KINDS.values()}}
# Semantic checks that block a load by default; phone numbers load as text into any CRM, so a
# non-canonical one is a warning (a severity a rule file can raise).
DEFAULT_SEVERITY = {"phone": "warning", "mobile": "warning"}


def field_value_rules(obj: str, name: str, fd: "FieldDef") -> list[Rule]:
    """The rules on a field's non-empty values that its definition implies: type or semantic
    validity, picklist values, pattern, length, range (not required, unique or relationship)."""
    rules: list[Rule] = []

    def add(kind: str, **params: Any) -> None:
        rules.append(Rule(f"{obj}.{name}.{ID_SUFFIX[kind]}", obj, name, kind, DEFAULT_SEVERITY.get(kind, "error"),
                          params, label=fd.label))

    if fd.type in SEMANTIC_KINDS:
        add(SEMANTIC_KINDS[fd.type])
    elif fd.type in VALUE_TYPES:
        add("type", type=fd.type)
    if fd.values:
        add("value_set", values=list(fd.values))
    if fd.pattern:
        add("pattern", pattern=fd.pattern)
    if fd.max_length:
        add("length", max_length=fd.max_length)
    if fd.min is not None or fd.max is not None:
        add("range", min=fd.min, max=fd.max)
    return rules


def field_value_checks(fd: "FieldDef") -> tuple[Check, ...]:
    """Every primitive check a non-empty value of this field must pass (validity KPI, valid_sql)."""
    return tuple(c for rule in field_value_rules("_", "_", fd) for c in rule.checks)


def rules_from_model(model: "ObjectModel", objects: Iterable[str], mappings: "Iterable[Mapping] | None" = None) -> list[Rule]:
    """The built-in rules of `objects`, in field order. A mapping with `required: true` on a field
    raises it to required; a mapping relationship on a field that is no reference adds one."""
    rules: list[Rule] = []
    mappings = list(mappings or [])
    for obj in objects:
        od = model[obj]
        overrides = _mapping_overrides(obj, mappings)
        for name, fd in od.fields.items():
            origin = overrides.get(name, {}).get("origin", "model")
            if fd.required or name == od.external_id or overrides.get(name, {}).get("required"):
                rules.append(Rule(f"{obj}.{name}.required", obj, name, "required", label=fd.label,
                                  origin="model" if (fd.required or name == od.external_id) else origin))
            rules.extend(field_value_rules(obj, name, fd))
            if fd.unique or name == od.external_id:
                rules.append(Rule(f"{obj}.{name}.unique", obj, name, "unique", label=fd.label))
            target = fd.to if fd.type == "reference" else overrides.get(name, {}).get("relationship")
            if target and target in model:
                rules.append(Rule(f"{obj}.{name}.relationship", obj, name, "relationship",
                                  params={"to": target, "key": model[target].external_id}, label=fd.label,
                                  origin="model" if fd.type == "reference" else origin))
    return rules


def _mapping_overrides(obj: str, mappings: list["Mapping"]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for m in mappings:
        if m.object != obj:
            continue
        origin = f"mapping {m.path}" if m.path else "mapping"
        for name, fm in m.fields.items():
            entry = out.setdefault(name, {"origin": origin})
            if fm.required:
                entry["required"] = True
            if fm.relationship is not None:
                entry["relationship"] = fm.relationship.object
    return out


def apply_rule_files(rules: list[Rule], files: Iterable[RuleFile], model: "ObjectModel") -> list[Rule]:
    """`rules` changed by each rule file in order: new rules appended, rules with a known id replaced
    (kind given), re-graded (severity), re-worded (message) or removed (enabled: false)."""
    from crmtool.config.files import ConfigFileError, Finding

    by_id = {r.rule_id: r for r in rules}
    for rf in files:
        for i, spec in enumerate(rf.specs):
            existing = by_id.get(spec.id) if spec.id else None
            if spec.kind is None:
                if existing is None:
                    f, line, path = rf.where(i, "id")
                    near = ", ".join(sorted(k for k in by_id if k.split(".")[0] == (spec.id or "").split(".")[0])[:8])
                    raise ConfigFileError([Finding(f, line, path, f"no rule {spec.id!r} to change"
                                                   + (f" (rules of that object: {near} …)" if near else "")
                                                   + "; to add a rule give object:, field: and kind:")])
                changed = existing if spec.enabled else None
                if changed is not None:
                    changed = replace(changed, severity=spec.severity or changed.severity,
                                      message=spec.message if spec.message is not None else changed.message,
                                      origin=f"{rf.path}:{rf.where(i)[1]}")
                _set(by_id, existing.rule_id, changed)
                continue
            new = _new_rule(spec, existing, rf, i, model)
            _set(by_id, new.rule_id, new if spec.enabled else None)
    return [r for r in by_id.values() if r is not None]


def _set(by_id: dict, key: str, rule: Rule | None) -> None:
    if rule is None:
        by_id.pop(key, None)
    else:
        by_id[key] = rule


def _new_rule(spec: RuleSpec, existing: Rule | None, rf: RuleFile, i: int, model: "ObjectModel") -> Rule:
    from crmtool.config.files import ConfigFileError, Finding

    obj = spec.object or (existing.object if existing else _id_part(spec.id, 0))
    name = spec.field or (existing.field if existing else _id_part(spec.id, 1))
    if obj is None or obj not in model:
        f, line, path = rf.where(i, "object")
        raise ConfigFileError([Finding(f, line, path, f"no object {obj!r} (objects: {', '.join(model.names())})")])
    if name is None or name not in model[obj].fields:
        f, line, path = rf.where(i, "field")
        raise ConfigFileError([Finding(f, line, path, f"{obj} has no field {name!r} (fields: "
                                       f"{', '.join(model[obj].fields)})")])
    params = dict(spec.params)
    if spec.kind == "relationship":
        if params["to"] not in model:
            f, line, path = rf.where(i, "params", "to")
            raise ConfigFileError([Finding(f, line, path, f"no object {params['to']!r}")])
        params.setdefault("key", model[params["to"]].external_id)
        if params["key"] not in model[params["to"]].fields:
            f, line, path = rf.where(i, "params", "key")
            raise ConfigFileError([Finding(f, line, path, f"{params['to']} has no field {params['key']!r}")])
    rule_id = spec.id or f"{obj}.{name}.{ID_SUFFIX[spec.kind]}"
    return Rule(rule_id, obj, name, spec.kind, spec.severity or "error", params, spec.message,
                label=model[obj].fields[name].label, origin=f"{rf.path}:{rf.where(i)[1]}")


def _id_part(rule_id: str | None, k: int) -> str | None:
    parts = (rule_id or "").split(".")
    return parts[k] if len(parts) >= 3 else None


def build_rules(model: "ObjectModel", objects: Iterable[str], mappings: "Iterable[Mapping] | None" = None,
                rule_files: Iterable[str | Path | RuleFile] = ()) -> list[Rule]:
    """Built-in rules of `objects`, changed by the rule files; only rules of `objects` are kept."""
    objects = list(objects)
    files = [f if isinstance(f, RuleFile) else load_rule_file(f) for f in rule_files]
    rules = apply_rule_files(rules_from_model(model, objects, mappings), files, model)
    return [r for r in rules if r.object in objects]
