"""``spacevista ls``: what is registered (tasks, and the other registries where installed)."""

from __future__ import annotations

import importlib

import click
from spacevista.cli.tables import make_console
from rich.table import Table

from spacevista.registry import describe

#: registry kind -> "module:attribute" of its Registry
REGISTRIES = {
    "task": "spacevista.tasks.base:TASKS",
    "reader": "spacevista.readers:READERS",
    "benchmark": "spacevista.eval.benchmarks:BENCHMARKS",
    "backend": "spacevista.eval.backends:BACKENDS",
    "specialist": "spacevista.perception:SPECIALISTS",
}


@click.command("ls")
@click.argument("kind", required=False, type=click.Choice(sorted(REGISTRIES)))
def ls(kind: str | None) -> None:
    """List registered tasks, readers, benchmarks, backends and specialists."""
    console = make_console()
    for k, target in REGISTRIES.items():
        if kind and k != kind:
            continue
        module, attr = target.split(":")
        try:
            reg = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            console.print(f"[dim]{k}: not available ({e})[/dim]")
            continue
        table = Table(title=f"{k}s")
        table.add_column("name")
        table.add_column("scales / notes")
        table.add_column("description")
        for name, obj in reg.items():
            scales = getattr(obj, "scales", None)
            note = ", ".join(s.value for s in scales) if scales else ""
            table.add_row(name, note, describe(obj))
        console.print(table)
