"""Picklists: values mapped to the allowed list through a value map, with fuzzy suggestions.

A picklist is a mapping {value as written → allowed value}; the allowed values are the mapping's
targets plus any listed on their own. Matching ignores case, width and spaces. A value outside the
list is invalid, with the closest allowed value (rapidfuzz WRatio ≥ 80) as suggestion.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from crmtool.cleanse.text import basic
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ()


def picklist_key(text: str) -> str:
    return basic(text).casefold().replace(" ", "")


class Picklist:
    def __init__(self, mapping: Mapping[str, str] | None = None, allowed: Iterable[str] = ()):
        mapping = dict(mapping or {})
        self.allowed = list(dict.fromkeys([*mapping.values(), *allowed]))
        self._lookup = {picklist_key(a): a for a in self.allowed}
        for source, target in mapping.items():
            self._lookup[picklist_key(source)] = target
        self._choices = list(self._lookup)

    @classmethod
    def from_file(cls, path) -> "Picklist":
        """A YAML/JSON file: a mapping {written: allowed}, a list of allowed values, or {map:, allowed:}."""
        from pathlib import Path

        import yaml

        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
        if isinstance(data, list):
            return cls(allowed=[str(v) for v in data])
        if isinstance(data, dict) and ("map" in data or "allowed" in data):
            return cls({str(k): str(v) for k, v in (data.get("map") or {}).items()},
                       [str(v) for v in data.get("allowed") or ()])
        if isinstance(data, dict):
            return cls({str(k): str(v) for k, v in data.items()})
        raise ValueError("a picklist file holds a mapping or a list of values")

    def suggest(self, value: str) -> str | None:
        from rapidfuzz import fuzz, process

        hit = process.extractOne(picklist_key(value), self._choices, scorer=fuzz.WRatio, score_cutoff=80)
        return self._lookup[hit[0]] if hit else None

    def check(self, value: str) -> Outcome:
        key = picklist_key(value)
        if key in self._lookup:
            target = self._lookup[key]
            findings = [] if target == value else [Finding("picklist.mapped", Severity.INFO,
                                                           f"mapped to {target}", target)]
            return Outcome(target, True, {}, findings)
        suggestion = self.suggest(value)
        message = f"not in the list; did you mean {suggestion}?" if suggestion else "not in the list"
        return Outcome(None, False, {}, [Finding("picklist.unknown", Severity.ERROR, message, suggestion)])


def cleanse_picklist(table, column: str, picklist: Picklist):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, picklist.check, ATTRIBUTES)
