"""Tables in the terminal and in logs: names are never cut.

On a terminal the table is drawn by rich, folding long cells onto several lines instead of cutting
them; piped (SLURM, CI, ``| cat``) it is written as a markdown table at full width.
"""

from __future__ import annotations

import sys
from typing import Sequence


def make_console(stderr: bool = False):
    """A rich console that never wraps or cuts lines when its output is not a terminal (logs)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, soft_wrap=True, width=10_000)


def markdown(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; numbers right-aligned."""
    def align(i: int) -> str:
        return "---" if i == 0 else "---:"
    lines = ["| " + " | ".join(str(h) for h in header) + " |",
             "|" + "|".join(align(i) for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]], *,
                stream=None, first_left: bool = True) -> None:
    """Print a table: rich on a TTY (cells folded, never truncated), markdown otherwise."""
    out = stream or sys.stdout
    if not out.isatty():
        out.write(f"{title}\n\n{markdown(header, rows)}\n\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for i, h in enumerate(header):
        table.add_column(str(h), justify="left" if (i == 0 and first_left) else "right", overflow="fold")
    for r in rows:
        table.add_row(*[str(c) for c in r])
    Console(file=out).print(table)
