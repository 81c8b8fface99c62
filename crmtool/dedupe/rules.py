"""The built-in dedupe rules (rules/*.yaml, rules files like any other), and a user's file over them.

The built-in files are the one place the default weights, thresholds, block rules and hard rules are
written; scoring, decide and the pipeline's settings read their defaults from here
(`DedupeSettings.from_rules` turns complete rules into settings).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmtool.config.dedupe import DedupeRules

RULES_DIR = Path(__file__).parent / "rules"


@cache
def builtin_rules(object_name: str = "accounts") -> "DedupeRules":
    """The shipped rules of an object (a ConfigError when crmtool ships none for it)."""
    from crmtool.config.dedupe import load_dedupe_rules
    from crmtool.errors import ConfigError

    path = RULES_DIR / f"{object_name}.yaml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in RULES_DIR.glob("*.yaml")))
        raise ConfigError(f"dedupe: no built-in rules for {object_name!r} (built in: {shipped})")
    return load_dedupe_rules(path)


def load_rules(path: str | Path | None, object_name: str = "accounts") -> "DedupeRules":
    """A rules file over the built-in rules of its object, or the built-in rules when `path` is None."""
    from crmtool.config.dedupe import load_dedupe_rules

    base = builtin_rules(object_name)
    return base if path is None else load_dedupe_rules(path, base)
