"""``spacevista annotate``: distil rationales and free-form planning answers from chat models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from spacevista.annotate.prompts import MODES
from spacevista.cli import request_options


def report_table(report: dict[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    """(title, header, rows) of the per-task counts of a run, a total row last."""
    cols = ("items", "kept", "dropped", "disagree", "malformed", "error")
    header = ["task", *cols, "instr. kept/dropped", "rephr. kept/dropped"]

    def cells(row: dict[str, int]) -> list[str]:
        return [*(str(row[c]) for c in cols), f"{row['instruction_kept']}/{row['instruction_dropped']}",
                f"{row['rephrase_kept']}/{row['rephrase_dropped']}"]
    rows = [[task, *cells(row)] for task, row in report["per_task"].items()]
    if report["per_task"]:
        rows.append(["total", *cells(report["total"])])
    return f"annotate: {', '.join(report['models'])} ({report['mode']})", header, rows


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    out = tuple(v.strip() for s in values for v in s.split(",") if v.strip())
    return out or None


@click.command("annotate")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--backend", type=click.Choice(["openai"]), default="openai", show_default=True,
              help="chat backend (OpenAI-compatible API)")
@click.option("--model", "models", multiple=True, required=True,
              help="model name; repeat for several models (confidence rule on disagreement)")
@click.option("--base-url", default="http://127.0.0.1:8000/v1", show_default=True, help="OpenAI-compatible API root")
@click.option("--api-key", envvar="OPENAI_API_KEY", default=None, help="API key (default: $OPENAI_API_KEY)")
@click.option("--tasks", "tasks", multiple=True, help="only these tasks (repeat or comma-separate)")
@click.option("--mode", type=click.Choice(MODES), default="hinted", show_default=True,
              help="hinted: the prompt lists the engine's measurements; blind: question and frames only")
@click.option("--concurrency", default=8, show_default=True, help="requests in flight per model")
@click.option("--limit", default=0, show_default=True, help="first N items only (0: all)")
@click.option("--frames", "n_frames", default=8, show_default=True, help="frames sent per item")
@click.option("--max-side", default=448, show_default=True, help="longest image side sent")
@click.option("--max-new-tokens", default=1024, show_default=True)
@click.option("--instructions/--no-instructions", default=True, show_default=True,
              help="free-form instructions for planning tasks")
@click.option("--rephrase/--no-rephrase", default=True, show_default=True,
              help="rephrased questions for relation tasks")
@click.option("--export/--no-export", default=False, show_default=True,
              help="write sft_distilled.json with the kept rationales")
@click.option("--price-in", default=0.0, show_default=True, help="price per 1k prompt tokens")
@click.option("--price-out", default=0.0, show_default=True, help="price per 1k completion tokens")
@request_options
@click.option("--seed", default=0, show_default=True, help="seed of the retry jitter")
@click.option("--chunk", default=64, show_default=True, help="items whose prompts are built and sent together")
@click.option("--progress/--no-progress", default=True, show_default=True)
def annotate(dataset_dir: Path, backend: str, models: tuple[str, ...], base_url: str, api_key: str | None,
             tasks: tuple[str, ...], mode: str, concurrency: int, limit: int, n_frames: int, max_side: int,
             max_new_tokens: int, instructions: bool, rephrase: bool, export: bool, price_in: float,
             price_out: float, timeout: float, max_retries: int, trip_after: int, rate_limit: float, temperature: float,
             seed: int, chunk: int, progress: bool) -> None:
    """LLM rationales and free-form answers for DATASET_DIR, kept only when consistent with the engine.

    Exit code 0 when every request was answered, 3 when some failed (rerun to retry them: replies
    are cached), 4 when the server could not be reached and the run stopped early."""
    from spacevista.annotate.run import CACHE, REPORT, AnnotateOptions, annotate as run_annotate
    from spacevista.cli import PartialRun, Unreachable
    from spacevista.cli.tables import make_console, print_table
    from spacevista.errors import EndpointUnreachable, SpaceVistaError
    from spacevista.eval.backends.openai_api import OpenAIChatBackend

    try:
        clients = [OpenAIChatBackend(m, base_url, api_key, timeout=timeout, max_retries=max_retries,
                                     rate_limit=rate_limit, concurrency=concurrency, temperature=temperature,
                                     seed=seed, trip_after=trip_after) for m in models]
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    opts = AnnotateOptions(mode=mode, tasks=_split(tasks), limit=limit or None, n_frames=n_frames,
                           max_side=max_side, max_new_tokens=max_new_tokens, instructions=instructions,
                           rephrase=rephrase, export=export, price_in=price_in, price_out=price_out,
                           chunk=chunk)
    console = make_console()
    try:
        if progress:
            with console.status("annotating: 0 replies") as status:
                res = run_annotate(dataset_dir, clients, opts,
                                   progress=lambda n: status.update(f"annotating: {n} replies"))
        else:
            res = run_annotate(dataset_dir, clients, opts)
    except EndpointUnreachable as e:
        raise Unreachable(f"stopped: {e}; replies received so far stay in {dataset_dir / CACHE}; "
                          "rerun once it answers") from None
    except (SpaceVistaError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    rep = res.report
    console.file.flush()
    print_table(*report_table(rep))
    console.print(f"requests: {rep['requests']} ({rep['sent']} sent, {rep['cached']} cached, "
                  f"{rep['errors']} failed); tokens this run: {rep['tokens']['prompt']} in, "
                  f"{rep['tokens']['completion']} out; cost: {rep['cost']:.4f} (all replies used: "
                  f"{rep['tokens_all']['prompt']} in, {rep['tokens_all']['completion']} out, {rep['cost_all']:.4f})")
    console.print(f"wrote {dataset_dir / REPORT}")
    if rep["errors"]:
        raise PartialRun(f"{rep['errors']} of {rep['requests']} requests failed; rerun to retry them "
                         "(answered ones are cached)")
