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

What a file leaves out keeps the built-in value (crmtool/dedupe/rules/accounts.yaml, itself a rules
file); a list given replaces the built-in list. This module holds the words a rules file may use
(fields, their levels, block rules, hard rules); crmtool.dedupe implements them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

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

BlockName = Literal[COMPANY_BLOCKS]  # type: ignore[valid-type]
MustLink = Literal[MUST_LINK]  # type: ignore[valid-type]
CannotLink = Literal[CANNOT_LINK]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _level_model(field: str, levels: tuple[str, ...]) -> type[BaseModel]:
    """A model with one optional weight per level of `field`: a misspelt level is an unknown key."""
    return create_model(f"{field.capitalize()}Levels", __base__=_Strict,
                        **{lv: (float | None, Field(None, description=f"weight of {lv}")) for lv in levels})


CompanyLevels = create_model(
    "CompanyLevels", __base__=_Strict,
    **{f: (_level_model(f, lv) | None, Field(None, description=f"the levels of {f}")) for f, lv in COMPANY_LEVELS.items()})


class Blocking(_Strict):
    rules: list[BlockName] | None = Field(None, min_length=1, description="The candidate-pair rules to run, "
                                          "in order (docs/dedupe.md, Blocking).")
    max_block: int | None = Field(None, ge=2, description="A block key shared by more records is skipped (and counted).")


class HardRules(_Strict):
    must_link: list[MustLink] | None = Field(None, description="A pair these hold for is a match, whatever its weight.")
    cannot_link: list[CannotLink] | None = Field(None, description="Records these hold for are never one entity, "
                                                 "whatever the weights.")


class Thresholds(_Strict):
    match: float | None = Field(None, description="A pair weighing this much or more is a match.")
    review: float | None = Field(None, description="A pair from this weight up to `match` goes to review.")
    floor: float | None = Field(None, description="Pairs below this weight are not written to PAIRS (unless a rule decided them).")

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if self.match is not None and self.review is not None and self.review > self.match:
            raise ValueError(f"review ({self.review:g}) must not be above match ({self.match:g})")
        return self


class DedupeRules(_Strict):
    version: Literal[1] = 1
    object: str = Field("accounts", description="The object these rules deduplicate.")
    compare: Literal["company"] = Field("company", description="The comparison set: company (name, credit code, "
                                        "region, legal form, branch, phone, address).")
    description: str | None = None
    blocking: Blocking = Field(default_factory=Blocking)
    levels: CompanyLevels = Field(default_factory=CompanyLevels)  # type: ignore[valid-type]
    hard_rules: HardRules = Field(default_factory=HardRules)
    thresholds: Thresholds = Field(default_factory=Thresholds)

    def over(self, base: "DedupeRules") -> "DedupeRules":
        """These rules where they say something, `base` elsewhere (levels one by one, lists whole)."""
        levels = {f: {**(getattr(base.levels, f).model_dump() if getattr(base.levels, f) else {}),
                      **{k: v for k, v in (getattr(self.levels, f).model_dump() if getattr(self.levels, f) else {}).items()
                         if v is not None}}
                  for f in COMPANY_LEVELS}

        def pick(mine: BaseModel, theirs: BaseModel) -> dict:
            return {k: (v if v is not None else getattr(theirs, k)) for k, v in mine.model_dump().items()}

        return DedupeRules.model_validate({
            "version": 1, "object": self.object, "compare": self.compare,
            "description": self.description or base.description,
            "blocking": pick(self.blocking, base.blocking), "levels": levels,
            "hard_rules": pick(self.hard_rules, base.hard_rules), "thresholds": pick(self.thresholds, base.thresholds),
        })

    def weights(self) -> dict[str, float]:
        """Every level's weight (0 for a level no file gives)."""
        return {lv: (getattr(getattr(self.levels, f), lv) if getattr(self.levels, f) else None) or 0.0
                for f, levels in COMPANY_LEVELS.items() for lv in levels}


def load_dedupe_rules(path: str | Path, base: DedupeRules | None = None) -> DedupeRules:
    """A rules file as DedupeRules, over `base` when given; a ConfigFileError names file, line and field."""
    from crmtool.config.files import load_yaml, validate

    data, lines = load_yaml(path)
    return rules_over(validate(DedupeRules, data, path, lines, "crmtool dedupe-rules schema"), base, str(path), lines.line)


def rules_over(rules: DedupeRules, base: DedupeRules | None, path: str, line: "Callable[[tuple], int]",
               prefix: tuple = ()) -> DedupeRules:
    """`rules` over `base`, or a ConfigFileError at the line of `prefix` + the field when the two
    together are inconsistent (a review threshold above the built-in match threshold)."""
    from pydantic import ValidationError

    from crmtool.config.files import ConfigFileError, Finding

    if base is None:
        return rules
    if rules.object != base.object:
        raise ConfigFileError([Finding(path, line((*prefix, "object")), ".".join((*map(str, prefix), "object")),
                                       f"these rules are for {rules.object!r}, used for {base.object!r}")])
    try:
        return rules.over(base)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = (*prefix, *error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigFileError([Finding(path, line(loc), ".".join(map(str, loc)),
                                       f"{message} (with the built-in values for what the file leaves out)")]) from None


def rules_schema() -> dict:
    schema = DedupeRules.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crmtool dedupe rules file"
    return schema


def schema_text() -> str:
    """The JSON Schema as shipped in crmtool/dedupe/rules/dedupe-rules.schema.json (sorted keys, 2-space indent)."""
    import json

    return json.dumps(rules_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
