"""docs/mapping.md and docs/objects.md keep up with the code: every finding, option, field and transform."""

from __future__ import annotations

import re
from pathlib import Path

from crmtool.config.mapping import CLEANSE_TRANSFORMS, SIMPLE_TRANSFORMS
from crmtool.model import load_object_model

ROOT = Path(__file__).resolve().parents[2]


def text(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_check_rule_is_documented():
    source = (ROOT / "crmtool" / "mapper" / "check.py").read_text(encoding="utf-8")
    rules = set(re.findall(r'"((?:mapping|sample)\.[a-z_]+)"', source)) | {"config.invalid"}
    assert len(rules) >= 18
    doc = text("mapping.md")
    assert not [r for r in sorted(rules) if f"`{r}`" not in doc]


def test_every_transform_is_documented():
    doc = text("mapping.md")
    assert not [t for t in (*CLEANSE_TRANSFORMS, *SIMPLE_TRANSFORMS) if f"`{t}`" not in doc]
    for key in ("concat", "split", "regex", "format", "default", "constant"):
        assert "{" + key + ":" in doc, key


def test_every_builtin_field_and_type_is_documented():
    doc = text("objects.md")
    model = load_object_model()
    for name in model.names():
        section = doc.split(f"### {name} ")[1].split("###")[0]
        for field, fdef in model[name].fields.items():
            assert re.search(rf"\| `{field}` \| {fdef.type} \|", section), (name, field)
    from typing import get_args

    from crmtool.model import FieldType

    assert not [t for t in get_args(FieldType) if f"| `{t}` |" not in doc]


def test_subcommand_options_are_in_cli_md():
    import typer.main

    from crmtool.cli import app

    doc = text("cli.md")
    group = typer.main.get_group(app)
    for command in (group.commands["mapping"].commands["check"], group.commands["mapping"].commands["schema"],
                    group.commands["init"]):
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in doc, (command.name, option)
    assert "crmtool mapping check" in doc and "crmtool mapping schema" in doc
