"""Where output goes. Streams are module state so tests and scripts can swap them."""

from __future__ import annotations

import json
import sys
from typing import Any, Sequence

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


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *,
                right: Sequence[str] = (), console: Console | None = None) -> None:
    """A table for people: a rich table on a terminal wide enough for it; otherwise (a pipe, cron mail, a
    CI log, a narrow terminal) plain aligned text, so that no header or value is ever cut short."""
    console = console or out
    cells = [[str(v) for v in row] for row in rows]
    if console.is_terminal and _natural_width(columns, cells) <= console.width:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(title))
        for name in columns:
            table.add_column(escape(name), justify="right" if name in right else "left", no_wrap=True)
        for row in cells:
            table.add_row(*map(escape, row))
        console.print(table)
        return
    console.file.write(plain_table(title, columns, cells, right=right))
    console.file.flush()


def plain_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[str] = ()) -> str:
    """The same table as text: a title line, then columns padded by display width (CJK counts two)."""
    from rich.cells import cell_len

    widths = _widths(columns, rows)

    def line(values: Sequence[str]) -> str:
        padded = [" " * (w - cell_len(v)) + v if name in right else v + " " * (w - cell_len(v))
                  for v, w, name in zip(values, widths, columns)]
        return "  ".join(padded).rstrip()

    return "\n".join([title, line(columns), *(line(row) for row in rows)]) + "\n"


def _widths(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    from rich.cells import cell_len

    return [max([cell_len(name), *(cell_len(row[i]) for row in rows)]) for i, name in enumerate(columns)]


def _natural_width(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """What a rich table of these cells needs: the cells, a space either side, and the borders."""
    widths = _widths(columns, rows)
    return sum(widths) + 3 * len(widths) + 1
