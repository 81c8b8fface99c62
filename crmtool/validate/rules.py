"""Verification rules: what the verify stage checks, as data.

A `Rule` names one check of one field of one object (`accounts.credit_code.valid`), its kind, its
severity and a message a consultant can act on. Each rule breaks down into primitive checks
(`Regex`, `InSet`, `Between`, `Uscc` …) that two engines evaluate independently: DuckDB SQL
(crmtool.validate.sql) and great-expectations (crmtool.validate.gx). The regular expressions below
are written in the subset that RE2 (DuckDB), PostgreSQL and Python's `re` read alike: explicit
classes such as `[0-9]` instead of `\\d`, no look-around, no `.`.

Rules come from the object model (`rules_from_model`), raised to required by mapping overrides,
and from user rule files (`load_rule_file`, `apply_rule_files`), which add rules, replace them,
change their severity or message, or switch them off by rule id.

This module imports no heavy package: `crmtool --help` and the mapping checker may import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

if TYPE_CHECKING:
    from crmtool.config import LineIndex
    from crmtool.migrate.mapping import Mapping
    from crmtool.migrate.model import FieldDef, ObjectModel

KINDS = ("required", "type", "pattern", "value_set", "length", "range", "unique", "relationship",
         "credit_code", "phone", "mobile", "email")
SEVERITIES = ("error", "warning", "info")
VALUE_TYPES = ("integer", "decimal", "boolean", "date", "datetime", "url", "email")

# Characters that make a value blank when they are all it holds (ASCII whitespace, the ideographic
# space U+3000 of Chinese input methods, the no-break space U+00A0 of web copies).
BLANK_CHARS = " \t\n\r\f\v\u3000\u00a0"

# -- canonical forms (DESIGN.md: what the map stage writes) --------------------------------------

_NON_ASCII = r"[^\x01-\x7F]"
_YEAR = r"[1-9][0-9]{3}"
_LEAP_YEAR = r"(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[13579][26]|[2468][048])00)"
DATE = (rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)")
TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
DATETIME = rf"{DATE}(?: {TIME})?"
INTEGER = r"-?[0-9]{1,18}"
DECIMAL = r"-?[0-9]{1,16}(?:\.[0-9]{1,2})?"
NUMBER = r"-?[0-9]{1,20}(?:\.[0-9]{1,10})?"
"""What range rules compare as a number; anything else is the type rule's business."""
BOOLEAN = r"true|false"

_LABEL_CHAR = rf"(?:[A-Za-z0-9]|{_NON_ASCII})"
_LABEL = rf"{_LABEL_CHAR}(?:(?:[A-Za-z0-9-]|{_NON_ASCII}){{0,61}}{_LABEL_CHAR})?"
_TLD = rf"(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}}|{_NON_ASCII}{{2,63}})"
HOSTNAME = rf"(?:{_LABEL}\.)+{_TLD}"
URL = rf"(?:[Hh][Tt][Tt][Pp][Ss]?://)?{HOSTNAME}(?::[0-9]{{1,5}})?(?:[/?#][^\x01-\x20]*)?"
_ATOM = r"[A-Za-z0-9!#$\x25&'*+/=?^_`{|}~-]+"  # \x25 is %: no % in SQL text (psycopg placeholders)
EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@{HOSTNAME}"
EMAIL_LOCAL_LENGTH = r"[^@]{1,64}@[^@]+"
EMAIL_MAX_LENGTH = 254

# Phone numbers as the cleanse stage writes them (crmtool.cleanse.phone): E.164, `;ext=N` for an
# extension, several numbers in one cell joined by "; ".
CN_MOBILE = r"\+861[3-9][0-9]{9}"
CN_LANDLINE = r"\+86(?:10[0-9]{8}|2[0-9]{9}|[3-9][0-9]{9,10})"
OTHER_COUNTRY = r"\+(?:[1-79][0-9]{6,14}|8[0-57-9][0-9]{5,13})"
_ONE_PHONE = rf"(?:{CN_MOBILE}|{CN_LANDLINE}|{OTHER_COUNTRY})(?:;ext=[0-9]{{1,6}})?"
PHONE = rf"{_ONE_PHONE}(?:; {_ONE_PHONE})*"
MOBILE = rf"{CN_MOBILE}(?:; {CN_MOBILE})*"

# GB 32100-2015 credit code.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_SHAPE = r"[0-9A-HJ-NPQRTUWXY]{18}"

TYPE_PATTERNS = {"integer": INTEGER, "decimal": DECIMAL, "boolean": BOOLEAN, "date": DATE, "datetime": DATETIME,
                 "url": URL, "email": EMAIL}
TYPE_WORDS = {
    "integer": "a whole number (digits only, e.g. 120)",
    "decimal": "a number with at most 2 decimals (e.g. 128000.00)",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD that exists (e.g. 2024-03-15)",
    "datetime": "a date and time YYYY-MM-DD HH:MM:SS (e.g. 2024-03-15 14:30:00)",
    "url": "a web address (e.g. https://www.example.cn)",
    "email": "an e-mail address (e.g. zhang@example.cn)",
}


_CLASSES_OUTSIDE = {"d": "[0-9]", "D": "[^0-9]", "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
                    "s": "[\\t\\n\\f\\r ]", "S": "[^\\t\\n\\f\\r ]"}
_CLASSES_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}


def ascii_classes(pattern: str) -> str:
    """`pattern` with \\d \\w \\s (and \\D \\W \\S outside brackets) spelled out as ASCII classes.

    RE2 (DuckDB) reads them as ASCII, Python's `re` as Unicode (a full-width digit is \\d there) and
    PostgreSQL by its locale; spelled out, a user's pattern means the same to every engine."""
    out: list[str] = []
    i, inside = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            table = _CLASSES_INSIDE if inside else _CLASSES_OUTSIDE
            out.append(table.get(nxt, pattern[i:i + 2]))
            i += 2
            continue
        out.append(ch)
        i += 1
        if ch == "[" and not inside:
            inside = True
            for literal_start in ("^", "]"):  # "[]…]" and "[^]…]": the first ] is a member
                if pattern[i:i + 1] == literal_start:
                    out.append(literal_start)
                    i += 1
        elif ch == "]" and inside:
            inside = False
    return "".join(out)


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


# -- user rule files -------------------------------------------------------------------------------

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
    """A rule file, checked: errors name the file, line and field (crmtool.config.ConfigFileError)."""
    from crmtool.config import ConfigFileError, Finding, load_yaml, validate

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


def apply_rule_files(rules: list[Rule], files: Iterable[RuleFile], model: "ObjectModel") -> list[Rule]:
    """`rules` changed by each rule file in order: new rules appended, rules with a known id replaced
    (kind given), re-graded (severity), re-worded (message) or removed (enabled: false)."""
    from crmtool.config import ConfigFileError, Finding

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
    from crmtool.config import ConfigFileError, Finding

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
