"""``spacevista eval``, ``spacevista score`` and ``spacevista leaderboard``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from spacevista.cli import request_options

FORMATS = ("auto", "spacevista", "engine", "vsibench", "stibench", "mmsi", "spar")
BACKEND_NAMES = ("openai", "oracle", "chance", "prior", "transformers", "vllm")
TABLE_FORMATS = ("rich", "markdown", "csv", "json")
SCORING_MODES = ("official", "robust")
SCORING_HELP = ("official: each benchmark's reference scorer, item for item (comparable with published "
                "numbers); robust: lenient parsing. Both are stored and reported; this picks `score`")


def _write_metrics(rows: list[dict], out: Path, benchmark: str | None = None, scoring: str | None = None,
                   expected: int | None = None) -> dict:
    from spacevista.eval.report import compute_metrics

    m = compute_metrics(rows, benchmark, scoring, expected)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(m, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(out)
    return m


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated and comma-separated option values as one tuple."""
    return tuple(v.strip() for s in values for v in s.split(",") if v.strip())


def _show(m: dict, fmt: str, title: str = "") -> None:
    from spacevista.eval.report import render, terminal_tables

    if fmt != "rich":
        click.echo(render(m, fmt, title), nl=False)
        return
    from spacevista.cli.tables import make_console, print_table

    tables, lines = terminal_tables(m, title)
    for name, header, rows in tables:
        print_table(name, header, rows)
    console = make_console()
    for line in lines:
        console.print(line, style="bold red" if line.startswith("INCOMPLETE") else None, markup=False)


@click.command("eval")
@click.option("--bench", "bench_path", required=True, type=click.Path(exists=True, path_type=Path),
              help="benchmark file or folder")
@click.option("--bench-format", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--backend", type=click.Choice(BACKEND_NAMES), default="openai", show_default=True)
@click.option("--model", default="", help="model name (API) or local model folder")
@click.option("--base-url", default="http://127.0.0.1:8000/v1", show_default=True, help="OpenAI-compatible API root")
@click.option("--api-key", envvar="OPENAI_API_KEY", default=None, help="API key (default: $OPENAI_API_KEY)")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="output folder")
@click.option("--frames", "n_frames", default=16, show_default=True, help="frames sampled per item")
@click.option("--max-side", default=448, show_default=True, help="longest image side sent (0: keep)")
@click.option("--mode", type=click.Choice(["think", "direct", "official"]), default="think", show_default=True,
              help="think: <think>/<answer> instructions; direct: VSI-Bench's direct-answer suffixes; "
                   "official: the benchmark's reference prompt text")
@click.option("--scoring", type=click.Choice(SCORING_MODES), default="official", show_default=True, help=SCORING_HELP)
@click.option("--concurrency", default=8, show_default=True,
              help="requests in flight (API backends; local models run one call at a time)")
@click.option("--batch-size", default=1, show_default=True, help="prompts per backend call")
@click.option("--tasks", "tasks", multiple=True, help="only these tasks (repeat or comma-separate)")
@click.option("--scales", "scales", multiple=True,
              help="only these scales: tiny, tabletop, indoor, outdoor, drone (repeat or comma-separate; "
                   "benchmarks without scales match their category)")
@click.option("--limit", default=0, show_default=True,
              help="N items drawn with --seed, spread over task and scale (0: all)")
@click.option("--resume", is_flag=True, help="continue an existing results.jsonl")
@click.option("--seed", default=0, show_default=True)
@click.option("--train", default=None, type=click.Path(exists=True), help="training set for chance/prior")
@click.option("--max-new-tokens", default=1024, show_default=True)
@request_options
@click.option("--device", default="cpu", show_default=True)
@click.option("--dtype", default="float32", show_default=True)
@click.option("--table", "table_fmt", type=click.Choice(TABLE_FORMATS), default="rich", show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def eval_cmd(bench_path: Path, bench_format: str, backend: str, model: str, base_url: str, api_key: str | None,
             out_dir: Path, n_frames: int, max_side: int, mode: str, scoring: str, concurrency: int, batch_size: int,
             tasks: tuple[str, ...], scales: tuple[str, ...], limit: int, resume: bool, seed: int,
             train: str | None, max_new_tokens: int, timeout: float, max_retries: int, trip_after: int,
             rate_limit: float, temperature: float, device: str, dtype: str, table_fmt: str, progress: bool) -> None:
    """Run a model on a benchmark; write OUT/results.jsonl and OUT/metrics.json.

    Exit code 0 when every item was answered, 3 when some failed (rerun with --resume), 4 when the
    server could not be reached and the run stopped early."""
    from spacevista.eval.backends import BackendConfig, create_backend
    from spacevista.eval.benchmarks import load_benchmark
    from spacevista.errors import ConfigError
    from spacevista.cli import PartialRun, Unreachable
    from spacevista.eval.runner import METRICS_FILE, RUN_FILE, RunOptions, run_items
    from spacevista.eval.select import select_items

    try:
        bench, items = load_benchmark(bench_path, bench_format)
    except (ValueError, FileNotFoundError, KeyError) as e:
        raise click.ClickException(str(e)) from e
    try:
        items = select_items(items, _split(tasks), _split(scales), limit, seed)
    except ValueError as e:
        raise click.ClickException(f"{bench_path}: {e}") from e
    cfg = BackendConfig(model=model, base_url=base_url, api_key=api_key, seed=seed, concurrency=concurrency,
                        timeout=timeout, max_retries=max_retries, rate_limit=rate_limit, temperature=temperature,
                        max_new_tokens=max_new_tokens, device=device, dtype=dtype, train=train,
                        trip_after=trip_after)
    try:
        model_backend = create_backend(backend, cfg)
    except (ValueError, ImportError, KeyError, FileNotFoundError, ConfigError) as e:
        raise click.ClickException(str(e)) from e
    # one local model in one process: calls go one at a time (use --batch-size to batch them)
    local = backend in ("transformers", "vllm")
    opts = RunOptions(n_frames=n_frames, max_side=max_side, mode=mode, max_new_tokens=max_new_tokens,
                      concurrency=1 if local else concurrency, batch_size=batch_size, resume=resume,
                      with_images=backend not in ("oracle", "chance", "prior"), scoring=scoring)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / RUN_FILE).write_text(json.dumps({
        "bench": str(bench_path), "bench_format": bench.name, "backend": backend, "model": model,
        "base_url": base_url if backend == "openai" else None, "frames": n_frames, "max_side": max_side,
        "mode": mode, "scoring": scoring, "seed": seed, "limit": limit, "tasks": list(_split(tasks)),
        "scales": list(_split(scales)), "items": len(items)},
        indent=2, sort_keys=True) + "\n")
    try:
        if progress:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), transient=False) as bar:
                task = bar.add_task(f"{bench.name} / {backend}", total=None)

                def tick(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                summary = run_items(items, model_backend, out_dir, opts, progress=tick)
        else:
            summary = run_items(items, model_backend, out_dir, opts)
    except FileExistsError as e:
        raise click.ClickException(str(e)) from e
    if resume:  # rows resumed from an earlier run are rescored so that every row follows --scoring
        from spacevista.eval.scoring import rescore_row

        for r in summary.rows:
            rescore_row(r, scoring)
    m = _write_metrics(summary.rows, out_dir / METRICS_FILE, bench.name, scoring, expected=len(items))
    if summary.rows or not summary.stopped:
        _show(m, table_fmt, f"{bench.name}: {model or backend}")
    if summary.stopped:
        answered = f"{summary.new + summary.skipped} of {len(items)} items answered"
        raise Unreachable(f"stopped, {answered}: {summary.stopped}; rerun with --resume once it answers")
    click.echo(f"{summary.new} new, {summary.skipped} resumed, {len(summary.failed)} failed -> {out_dir}", err=True)
    if summary.failed:
        for item_id, why in summary.failed[:5]:
            click.echo(f"  failed {item_id}: {why}", err=True)
        raise PartialRun(f"{len(summary.failed)} items failed; rerun with --resume to retry them")


@click.command("score")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="metrics JSON to write (default: metrics.<scoring>.rescored.json beside RESULTS, "
                   "never the run's own metrics.json)")
@click.option("--overwrite", is_flag=True, help="write over the run's metrics.json instead")
@click.option("--rescore/--no-rescore", default=True, show_default=True,
              help="recompute each row's scores from its saved prediction")
@click.option("--scoring", type=click.Choice(SCORING_MODES), default="official", show_default=True, help=SCORING_HELP)
@click.option("--table", "table_fmt", type=click.Choice(TABLE_FORMATS), default="rich", show_default=True)
def score(results: Path, out: Path | None, overwrite: bool, rescore: bool, scoring: str, table_fmt: str) -> None:
    """Recompute metrics from saved predictions (RESULTS is a results.jsonl); the run's own
    metrics.json stays as eval wrote it unless --overwrite."""
    from spacevista.eval.runner import METRICS_FILE, expected_items, read_results
    from spacevista.eval.scoring import rescore_row

    try:
        rows = read_results(results)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    if rescore:
        for r in rows:
            try:
                rescore_row(r, scoring)
            except (KeyError, ValueError) as e:
                raise click.ClickException(f"{results}: row {r.get('id')!r}: {e}") from e
    if out is None:
        out = results.with_name(METRICS_FILE if overwrite else
                                f"metrics.{scoring}.rescored.json" if rescore else "metrics.recomputed.json")
    m = _write_metrics(rows, out, scoring=scoring if rescore else None, expected=expected_items(results))
    _show(m, table_fmt, str(results))
    click.echo(f"metrics -> {out}", err=True)


@click.command("leaderboard")
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--by", type=click.Choice(["category", "task", "answer_type"]), default="category", show_default=True)
@click.option("--radar", type=click.Path(path_type=Path), default=None, help="write a radar chart PNG here")
@click.option("--radar-by", type=click.Choice(["category", "task", "answer_type"]), default="task", show_default=True)
@click.option("--table", "table_fmt", type=click.Choice(["rich", "markdown", "csv"]), default="rich", show_default=True)
@click.option("--scoring", type=click.Choice(SCORING_MODES), default="official", show_default=True,
              help="the mode that ranks the runs and fills the per-column scores (both overalls are shown)")
def leaderboard(results: tuple[Path, ...], by: str, radar: Path | None, radar_by: str, table_fmt: str,
                scoring: str) -> None:
    """Compare several runs (results.jsonl files or their folders), best first; runs with items
    missing (see their run.json) are flagged and listed after the complete ones, unranked."""
    from spacevista.eval.report import compute_metrics, leaderboard as board, radar_chart
    from spacevista.eval.runner import RESULTS_FILE, expected_items, read_results
    from spacevista.eval.scoring import rescore_row

    named = []
    for p in results:
        f = p / RESULTS_FILE if p.is_dir() else p
        rows = read_results(f)
        for r in rows:
            rescore_row(r, scoring)
        name = f.parent.name if f.name == RESULTS_FILE else f.stem
        named.append((name, compute_metrics(rows, scoring=scoring, expected=expected_items(f))))
    header, rows_ = board(named, by)
    if table_fmt == "markdown":
        from spacevista.eval.report import md_table

        click.echo(md_table(header, rows_))
    elif table_fmt == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows_)
    else:
        from spacevista.cli.tables import print_table

        print_table(f"leaderboard by {by} ({scoring} scoring)", header, rows_)
    if radar is not None:
        try:
            radar_chart(named, radar, by=radar_by)
        except ValueError as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"radar chart -> {radar}", err=True)
