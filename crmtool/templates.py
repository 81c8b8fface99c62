"""The jinja2 environment every HTML page is rendered with: autoescaped (client data may hold markup),
strict about undefined names (a typo in a template fails a test, not a client's report)."""

from __future__ import annotations

from pathlib import Path


def template_environment(directory: str | Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(directory)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)
