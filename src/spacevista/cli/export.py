"""``spacevista export``: rewrite a dataset's SFT, GRPO and benchmark files from its qa.jsonl."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--paths", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="bench.json's frame and mask paths: relative to DATASET (the folder can move; the official "
                   "evaluator must run from DATASET) or absolute (it runs from any working directory)")
def export(dataset: Path, paths: str) -> None:
    """Rewrite DATASET's sft.json (and dataset_info.json), grpo.jsonl and bench.json from qa.jsonl,
    leaving out the ids in DATASET/rejected.txt (see `spacevista review-report --mark-rejected`)."""
    from spacevista.engine.dataset.exports import write_exports
    from spacevista.io.jsonl import read_jsonl
    from spacevista.io.rejected import load_rejected

    qa = dataset / "qa.jsonl"
    if not qa.is_file():
        raise click.ClickException(f"{qa}: no such file (not a dataset folder)")
    try:
        records = list(read_jsonl(qa))
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    rejected = load_rejected(dataset)
    counts = write_exports(records, dataset, exclude=rejected, paths=paths)
    left_out = len({r.id for r in records} & rejected)
    click.echo(f"{counts['sft']} items exported to {dataset}/sft.json, grpo.jsonl, bench.json ({paths} paths) "
               f"({left_out} rejected in review left out)")
