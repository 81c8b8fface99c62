"""Where output goes. Streams are module state so tests and scripts can swap them."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def error_line(message: str) -> None:
    """One line on stderr, with no markup interpretation of the message."""
    err.print(f"[bold red]error:[/] {_escape(message)}", highlight=False)


def warn_line(message: str) -> None:
    err.print(f"[yellow]warning:[/] {_escape(message)}", highlight=False)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(" ".join(str(text).split()))
