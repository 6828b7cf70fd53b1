"""``spacevista audit``: blind baselines (text only) per task against chance."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click


@click.command("audit")
@click.argument("dataset", type=click.Path(exists=True))
@click.option("--threshold", default=5.0, show_default=True, type=click.FloatRange(0),
              help="Fail when a baseline beats chance by more than this many accuracy points.")
@click.option("--min-items", default=30, show_default=True, type=click.IntRange(1),
              help="Judge only tasks with at least this many multiple-choice items.")
@click.option("--alpha", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="A gain counts only when a one-sided binomial test puts it beyond chance at this level.")
@click.option("--no-write", is_flag=True, help="Print only; do not add the audit to DATASET/report.json.")
def audit(dataset: str, threshold: float, min_items: int, alpha: float, no_write: bool) -> None:
    """Can the answers be found without looking? Scores blind baselines that see only the text
    (most common letter, sorted rank, median option, option nearest the geometric mean, option sharing
    most words with the others, most common answer per template, a text-only classifier fitted on
    half of the scenes) per task against chance. Exits 1 when any beats chance by more than
    --threshold points, significantly (--alpha), on a task with at least --min-items items."""
    from spacevista.engine.dataset.audit import audit_table, run_audit
    from spacevista.engine.stats.tables import load_records

    try:
        records = load_records(dataset)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    report = run_audit(records, threshold=threshold, min_items=min_items, alpha=alpha)
    header, rows = audit_table(report)
    _print_table("Blind baselines: accuracy points above chance (multiple choice)", header, rows)
    root = Path(dataset) if Path(dataset).is_dir() else Path(dataset).parent
    if not no_write:
        path = root / "report.json"
        data = json.loads(path.read_text()) if path.is_file() else {}
        data["audit"] = report
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)
    if report["failures"]:
        worst = ", ".join(f"{f['task']} ({f['baseline']} {f['gain']:+.1f})" for f in report["failures"])
        click.echo(f"audit failed: a blind baseline beats chance by more than {threshold:g} points on {worst}",
                   err=True)
        sys.exit(1)
    click.echo(f"audit passed: no blind baseline beats chance by more than {threshold:g} points "
               f"on any task with at least {min_items} items")


def _print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    from spacevista.cli.tables import print_table

    print_table(title, header, rows)
