"""``spacevista stats``: tables in the terminal, PNG plots and one self-contained HTML page."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("stats")
@click.argument("dataset", type=click.Path(exists=True))
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder for the plots, stats.json and stats.html [default: DATASET/stats].")
@click.option("--sample", type=click.IntRange(0), default=0,
              help="Also write N items stratified by task x scale (for human verification) to sample.jsonl.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
def stats(dataset: str, out: str | None, sample: int, seed: int) -> None:
    """Statistics of a built dataset (a folder with qa.jsonl, or a qa.jsonl file)."""
    from spacevista.cli.tables import make_console
    from rich.table import Table

    from spacevista.engine.dataset.audit import run_audit
    from spacevista.engine.stats.tables import compute_stats, load_records
    from spacevista.engine.stats.html import tables, write_html
    from spacevista.engine.stats.plots import write_plots

    try:
        records = load_records(dataset)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    root = Path(dataset) if Path(dataset).is_dir() else Path(dataset).parent
    out_dir = Path(out) if out else root / "stats"
    out_dir.mkdir(parents=True, exist_ok=True)
    st = compute_stats(records)
    st["audit"] = run_audit(records)
    report = root / "report.json"
    if report.is_file():  # the build's lifted-against-annotated measurement, when it made one
        check = json.loads(report.read_text(encoding="utf-8")).get("annotation_crosscheck")
        if check:
            st["annotation_crosscheck"] = check
    console = make_console()
    for name, (header, rows) in tables(st).items():
        table = Table(title=name)
        for i, h in enumerate(header):
            table.add_column(str(h), justify="left" if i == 0 or h == "categories (mentions)" else "right")
        for r in rows:
            table.add_row(*[str(c) for c in r])
        console.print(table)
    plots = write_plots(records, st, out_dir)
    (out_dir / "stats.json").write_text(json.dumps(st, indent=2, sort_keys=True) + "\n")
    page = write_html(st, plots, out_dir / "stats.html", f"SpaceVista dataset statistics: {root.name}")
    if sample:
        from spacevista.engine.dataset.split import stratified_sample
        from spacevista.io.jsonl import write_jsonl

        chosen = stratified_sample(records, sample, seed)
        write_jsonl(chosen, out_dir / "sample.jsonl")
        console.print(f"wrote {len(chosen)} stratified items to {out_dir / 'sample.jsonl'}")
    console.print(f"wrote {', '.join(p.name for p in plots.values())}, stats.json and {page} ")
