"""Dedupe rules files: how one object's records are blocked, compared, weighed and decided.

A rules file is written by a CRM admin, not a programmer. It names, for one object,
- `blocking`: which candidate-pair rules run (records that share a credit code, a phone, a trade
  name …) and the largest block compared;
- `levels`: the match weight of each comparison level, per field (log2 m/u, Fellegi-Sunter);
- `hard_rules`: must-link rules (a match whatever the weights) and cannot-link rules (never one
  entity, whatever the weights and even against a reviewer);
- `thresholds`: the weight from which a pair is a match, a pair to review, and the floor below
  which pairs are not written.

Example, a file that trusts phones more and never merges across two regions::

    version: 1
    object: accounts
    levels:
      phone: {phone_match: 10}
    hard_rules:
      must_link: [same_valid_code, same_phone]
    thresholds: {match: 7}

What a file leaves out keeps the built-in value (crmtool/dedupe/rules/<object>.yaml, itself a rules
file); a list given replaces the built-in list. This module holds the words a rules file may use
(fields, their levels, block rules, hard rules); crmtool.dedupe implements them.

There are two comparison sets, named by `compare`: `company` (COMPANY_LEVELS, COMPANY_BLOCKS, MUST_LINK,
CANNOT_LINK; the default) and `contact` (people: CONTACT_LEVELS, CONTACT_BLOCKS, CONTACT_MUST_LINK,
CONTACT_CANNOT_LINK; the set of `object: contacts`). `DedupeRules` is a discriminated union on `compare`
(CompanyRules | ContactRules), so a file's levels, block rules and hard rules are checked against the
set it names, each error at its line::

    version: 1
    object: contacts          # compare: contact follows
    hard_rules:
      must_link: [same_mobile]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, create_model, model_validator

if TYPE_CHECKING:
    from collections.abc import Callable

COMPANY_LEVELS: dict[str, tuple[str, ...]] = {
    "code": ("code_equal_valid", "code_conflict", "code_equal", "org_code_equal", "code_close", "code_differ"),
    "name": ("name_exact", "trade_exact", "trade_typo", "trade_similar", "name_differ"),
    "region": ("region_same", "region_conflict", "place_conflict", "district_differ"),
    "form": ("form_same", "form_differ"),
    "branch": ("branch_conflict",),
    "phone": ("phone_match", "phone_differ", "mobile_differ"),
    "address": ("address_match", "address_contains", "address_differ", "number_differ"),
}
"""Per compared field, its comparison levels in the order they are checked (docs/dedupe.md says what
each means); the first that holds is the pair's level for that field."""

COMPANY_BLOCKS = ("code", "org_code", "phone", "trade", "trade_del1")
MUST_LINK = ("same_valid_code", "same_phone")
CANNOT_LINK = ("different_region", "different_place", "different_valid_codes", "branch_vs_head")

CONTACT_LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("name_exact", "name_pinyin", "name_homophone", "name_typo", "name_surname", "name_differ"),
    "mobile": ("mobile_match", "mobile_differ"),
    "email": ("email_match", "email_work_differ", "email_differ"),
    "account": ("account_same", "account_differ"),
    "title": ("title_same", "title_differ"),
    "department": ("department_same", "department_differ"),
    "phone": ("phone_extension", "phone_match", "phone_extension_differ"),
}
"""The comparison set `contact` (people: contacts of accounts), as COMPANY_LEVELS is for companies."""

CONTACT_BLOCKS = ("mobile", "email", "name_account", "pinyin_account", "name")
CONTACT_MUST_LINK = ("same_mobile", "same_email")
CONTACT_CANNOT_LINK = ("different_account",)

COMPARE_SETS = {"company": COMPANY_LEVELS, "contact": CONTACT_LEVELS}
"""The comparison sets a rules file may name in `compare`, with their levels per field."""
OBJECT_COMPARE = {"contacts": "contact"}  # the set a file compares when it names its object but no `compare`

BlockName = Literal[COMPANY_BLOCKS]  # type: ignore[valid-type]
MustLink = Literal[MUST_LINK]  # type: ignore[valid-type]
CannotLink = Literal[CANNOT_LINK]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _level_model(field: str, levels: tuple[str, ...], prefix: str = "") -> type[BaseModel]:
    """A model with one optional weight per level of `field`: a misspelt level is an unknown key."""
    return create_model(f"{prefix}{field.capitalize()}Levels", __base__=_Strict,
                        **{lv: (float | None, Field(None, description=f"weight of {lv}")) for lv in levels})


def _levels_model(name: str, fields: dict[str, tuple[str, ...]], prefix: str = "") -> type[BaseModel]:
    return create_model(
        name, __base__=_Strict,
        **{f: (_level_model(f, lv, prefix) | None, Field(None, description=f"the levels of {f}")) for f, lv in fields.items()})


CompanyLevels = _levels_model("CompanyLevels", COMPANY_LEVELS)
ContactLevels = _levels_model("ContactLevels", CONTACT_LEVELS, "Contact")


def _blocking_model(name: str, blocks: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        name, __base__=_Strict,
        rules=(list[Literal[blocks]] | None, Field(None, min_length=1, description="The candidate-pair rules to run, "  # type: ignore[valid-type]
                                                   "in order (docs/dedupe.md, Blocking).")),
        max_block=(int | None, Field(None, ge=2, description="A block key shared by more records is skipped (and counted).")))


def _hard_rules_model(name: str, must: tuple[str, ...], cannot: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        name, __base__=_Strict,
        must_link=(list[Literal[must]] | None, Field(None, description="A pair these hold for is a match, "  # type: ignore[valid-type]
                                                     "whatever its weight.")),
        cannot_link=(list[Literal[cannot]] | None, Field(None, description="Records these hold for are never "  # type: ignore[valid-type]
                                                         "one entity, whatever the weights.")))


Blocking = _blocking_model("Blocking", COMPANY_BLOCKS)
HardRules = _hard_rules_model("HardRules", MUST_LINK, CANNOT_LINK)
ContactBlocking = _blocking_model("ContactBlocking", CONTACT_BLOCKS)
ContactHardRules = _hard_rules_model("ContactHardRules", CONTACT_MUST_LINK, CONTACT_CANNOT_LINK)


class Thresholds(_Strict):
    match: float | None = Field(None, description="A pair weighing this much or more is a match.")
    review: float | None = Field(None, description="A pair from this weight up to `match` goes to review.")
    floor: float | None = Field(None, description="Pairs below this weight are not written to PAIRS (unless a rule decided them).")

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if self.match is not None and self.review is not None and self.review > self.match:
            raise ValueError(f"review ({self.review:g}) must not be above match ({self.match:g})")
        return self


class RulesBase(_Strict):
    """What the rules of every comparison set have; `CompanyRules` and `ContactRules` add the set's
    levels, block rules and hard rules (`DedupeRules` is either, told apart by `compare`)."""

    version: Literal[1] = 1
    object: str = Field("accounts", description="The object these rules deduplicate.")
    description: str | None = None
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @property
    def field_levels(self) -> dict[str, tuple[str, ...]]:
        return COMPARE_SETS[self.compare]  # type: ignore[attr-defined]

    def over(self, base: "RulesBase") -> "RulesBase":
        """These rules where they say something, `base` elsewhere (levels one by one, lists whole)."""
        levels = {f: {**(getattr(base.levels, f).model_dump() if getattr(base.levels, f) else {}),
                      **{k: v for k, v in (getattr(self.levels, f).model_dump() if getattr(self.levels, f) else {}).items()
                         if v is not None}}
                  for f in self.field_levels}

        def pick(mine: BaseModel, theirs: BaseModel) -> dict:
            return {k: (v if v is not None else getattr(theirs, k)) for k, v in mine.model_dump().items()}

        return type(self).model_validate({
            "version": 1, "object": self.object, "compare": self.compare,  # type: ignore[attr-defined]
            "description": self.description or base.description,
            "blocking": pick(self.blocking, base.blocking), "levels": levels,  # type: ignore[attr-defined]
            "hard_rules": pick(self.hard_rules, base.hard_rules),  # type: ignore[attr-defined]
            "thresholds": pick(self.thresholds, base.thresholds),
        })

    def weights(self) -> dict[str, float]:
        """Every level's weight (0 for a level no file gives)."""
        return {lv: (getattr(getattr(self.levels, f), lv) if getattr(self.levels, f) else None) or 0.0  # type: ignore[attr-defined]
                for f, levels in self.field_levels.items() for lv in levels}


class CompanyRules(RulesBase):
    compare: Literal["company"] = Field("company", description="The comparison set: company (name, credit code, "
                                        "region, legal form, branch, phone, address).")
    blocking: Blocking = Field(default_factory=Blocking)  # type: ignore[valid-type]
    levels: CompanyLevels = Field(default_factory=CompanyLevels)  # type: ignore[valid-type]
    hard_rules: HardRules = Field(default_factory=HardRules)  # type: ignore[valid-type]


class ContactRules(RulesBase):
    object: str = Field("contacts", description="The object these rules deduplicate.")
    compare: Literal["contact"] = Field("contact", description="The comparison set: contact (a person's name, mobile, e-mail, "
                                        "account, title, department, landline).")
    blocking: ContactBlocking = Field(default_factory=ContactBlocking)  # type: ignore[valid-type]
    levels: ContactLevels = Field(default_factory=ContactLevels)  # type: ignore[valid-type]
    hard_rules: ContactHardRules = Field(default_factory=ContactHardRules)  # type: ignore[valid-type]


def _compare_of(value: object) -> str:
    """The union member of a rules file: its `compare`, else the set its object compares (contacts:
    contact), else company; a `compare` no set has goes to the company member, whose error names it."""
    if isinstance(value, dict):
        compare = value.get("compare")
        if compare is None:
            compare = OBJECT_COMPARE.get(value.get("object"), "company") if isinstance(value.get("object"), str) else "company"
    else:
        compare = getattr(value, "compare", "company")
    return "Contact" if compare == "contact" else "Company"


DedupeRules = Annotated[Union[Annotated[CompanyRules, Tag("Company")], Annotated[ContactRules, Tag("Contact")]],
                        Discriminator(_compare_of)]
"""A rules file: the company or the contact comparison set, by `compare` (a discriminated union), so that
its levels, block rules and hard rules are checked against the set it names."""

RULES_ADAPTER = TypeAdapter(DedupeRules)


def load_dedupe_rules(path: str | Path, base: RulesBase | None = None) -> RulesBase:
    """A rules file as DedupeRules, over `base` when given; a ConfigFileError names file, line and field."""
    from crmtool.config.files import load_yaml, validate

    data, lines = load_yaml(path)
    return rules_over(validate(RULES_ADAPTER, data, path, lines, "crmtool dedupe-rules schema"), base, str(path), lines.line)


def rules_over(rules: RulesBase, base: RulesBase | None, path: str, line: "Callable[[tuple], int]",
               prefix: tuple = ()) -> RulesBase:
    """`rules` over `base`, or a ConfigFileError at the line of `prefix` + the field when the two
    together are inconsistent (a review threshold above the built-in match threshold)."""
    from pydantic import ValidationError

    from crmtool.config.files import ConfigFileError, Finding

    if base is None:
        return rules
    if rules.object != base.object:
        raise ConfigFileError([Finding(path, line((*prefix, "object")), ".".join((*map(str, prefix), "object")),
                                       f"these rules are for {rules.object!r}, used for {base.object!r}")])
    if rules.compare != base.compare:
        raise ConfigFileError([Finding(path, line((*prefix, "compare")), ".".join((*map(str, prefix), "compare")),
                                       f"these rules compare {rules.compare!r}; the rules of {base.object!r} "
                                       f"compare {base.compare!r}")])
    try:
        return rules.over(base)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = (*prefix, *error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigFileError([Finding(path, line(loc), ".".join(map(str, loc)),
                                       f"{message} (with the built-in values for what the file leaves out)")]) from None


def rules_schema() -> dict:
    schema = RULES_ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crmtool dedupe rules file"
    return schema


def schema_text() -> str:
    """The JSON Schema as shipped in crmtool/dedupe/rules/dedupe-rules.schema.json (sorted keys, 2-space indent)."""
    import json

    return json.dumps(rules_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
