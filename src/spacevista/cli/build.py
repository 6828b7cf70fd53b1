"""``spacevista build``: posed videos / scene folders -> spatial QA dataset, locally or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` reader options; values are read as YAML scalars (``64`` -> int, ``true`` -> bool)."""
    import yaml

    out: dict[str, Any] = {}
    for p in pairs:
        if "=" not in p:
            raise click.BadParameter(f"{p!r}: expected KEY=VALUE", param_hint="--option")
        k, v = p.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)
    return out


@click.command("build")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Dataset folder.")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Source format: auto, or a reader name such as native (spacevista ls reader).")
@click.option("--runner", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="Parallel scene workers (local processes, or Ray CPUs/concurrency).")
@click.option("--ray-address", default=None, help="Join a running Ray cluster (e.g. auto, ray://head:10001).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--clip-frames", type=click.IntRange(1), default=16, show_default=True,
              help="Frames per item clip: each question carries at most this many frames.")
@click.option("--max-scene-memory", type=click.FloatRange(0.05), default=2.0, show_default=True,
              help="GiB one scene's point clouds and grids may take; beyond it the scene fails by name.")
@click.option("--task", "tasks", multiple=True, help="Only these tasks (repeatable).")
@click.option("--exclude-bench", "exclude_bench", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Leave out every scene that appears in this benchmark file (Bench JSON or qa.jsonl).")
@click.option("--option", "reader_options", multiple=True, metavar="KEY=VALUE",
              help="Reader option (repeatable), e.g. num_frames=32.")
@click.option("--depth", "depth_spec", default=None, metavar="NAME=PATH",
              help="Metric depth specialist for sources without depth, e.g. depth-pro=/models/depth-pro; "
                   "it also recovers the metric scale of SfM captures. 'synthetic' (no path): the truth "
                   "beside a synthetic capture with realistic errors.")
@click.option("--depth-error", type=click.FloatRange(0.0, 0.5), default=None,
              help="With --depth synthetic: relative size of its depth errors (0.05 = 5%%; default 0.05).")
@click.option("--detector", "detector_spec", default=None, metavar="NAME=PATH",
              help="Open-vocabulary detector for sources without instance masks, e.g. grounding-dino=/models/gd.")
@click.option("--tracker", "tracker_spec", default=None, metavar="NAME=PATH",
              help="Video mask tracker prompted by the detector, e.g. sam2-video=/models/sam2; 'synthetic' "
                   "(no path, no detector): the exact instance maps beside a synthetic capture.")
@click.option("--categories", default="", help="Comma-separated detector prompts, e.g. 'chair,table,lamp'.")
@click.option("--device", default="cpu", show_default=True, help="Device of the specialists (cpu, cuda).")
@click.option("--dtype", default="float32", show_default=True, help="float32, bfloat16 or float16.")
def build(sources: tuple[str, ...], out: str, fmt: str, runner: str, workers: int, ray_address: str | None,
          seed: int, clip_frames: int, max_scene_memory: float, tasks: tuple[str, ...],
          exclude_bench: tuple[str, ...], reader_options: tuple[str, ...],
          depth_spec: str | None, depth_error: float | None, detector_spec: str | None, tracker_spec: str | None,
          categories: str, device: str, dtype: str) -> None:
    """Build QA from SOURCES (scene folders, or folders of scene folders) into OUT.

    Writes qa.jsonl, qa.parquet, sft.json, grpo.jsonl, bench.json, report.json, errors.jsonl,
    manifest.json and shards/. Rerunning the same command reuses finished scenes, so a killed build
    resumes where it stopped. Exits 1 when any scene failed."""
    from spacevista.cli.tables import make_console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from spacevista.engine.build.run import build as run_build
    from spacevista.engine.dataset.summary import SCALE_ORDER
    from spacevista.engine.build.runners import make_runner
    from spacevista.readers import READERS, ReaderOptionError, validate_options
    from spacevista.tasks.base import TASKS

    if fmt != "auto" and fmt not in READERS:
        raise click.BadParameter(f"{fmt!r}; known: auto, {', '.join(READERS.names())}", param_hint="--format")
    unknown = sorted(set(tasks) - set(TASKS.names()))
    if unknown:
        raise click.BadParameter(f"unknown task(s) {unknown}; known: {', '.join(TASKS.names())}",
                                 param_hint="--task")
    options = parse_options(reader_options)
    try:
        validate_options(fmt, options)
    except ReaderOptionError as e:
        raise click.BadParameter(str(e), param_hint="--option") from e
    perception: dict = {k: v for k, v in (("depth", depth_spec), ("detector", detector_spec),
                                          ("tracker", tracker_spec)) if v}
    if depth_error is not None:
        if depth_spec != "synthetic":
            raise click.BadParameter("only with --depth synthetic", param_hint="--depth-error")
        perception["depth_options"] = {"depth_error": depth_error}
    if perception:
        perception.update(device=device, dtype=dtype,
                          categories=[c.strip() for c in categories.split(",") if c.strip()])
        if bool(detector_spec) != bool(tracker_spec) and not (tracker_spec == "synthetic" and not detector_spec):
            raise click.BadParameter("instance masks need both --detector and --tracker", param_hint="--detector")
        if detector_spec and not perception["categories"]:
            raise click.BadParameter("the detector needs prompts: --categories 'chair,table'",
                                     param_hint="--categories")
    console = make_console(stderr=True)
    from spacevista.engine.build.discover import discover

    found, not_found = discover(list(sources), fmt)
    if not found:
        # nothing would be built: say why for each source and leave no output folder behind
        for e in not_found:
            console.print(f"[red]{e['source']}[/red]: {e['reason']}")
        raise click.ClickException("no source holds a scene; nothing written")
    the_runner = make_runner(runner, workers, ray_address)
    try:
        with Progress(TextColumn("[bold]scenes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            job = bar.add_task("scenes", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(job, completed=done, total=total)
            result = run_build(list(sources), out, seed=seed, tasks=list(tasks) or None, fmt=fmt, options=options,
                               runner=the_runner, exclude_bench=list(exclude_bench), progress=progress,
                               perception=perception, clip_frames=clip_frames,
                               max_scene_memory=int(max_scene_memory * 2**30))
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    finally:
        if hasattr(the_runner, "shutdown"):
            the_runner.shutdown()
    rep = result.report
    out_console = make_console()
    table = Table(title="QA items per task and scale")
    table.add_column("task")
    scales = [s for s in SCALE_ORDER if s in rep["scales"]]
    for s in scales + ["total"]:
        table.add_column(s, justify="right")
    for task, by in rep["task_scale"].items():
        table.add_row(task, *[str(by.get(s, "-")) for s in scales], str(sum(by.values())))
    out_console.print(table)
    removed = rep["removed"]
    out_console.print(
        f"{rep['qa_count']} QA items from {rep['scene_count']} scenes "
        f"({result.scenes_built} built, {result.scenes_cached} reused) in {result.seconds:.1f} s with the "
        f"{runner} runner; duplicates removed {removed['duplicates']} ({removed['duplicate_rate']:.2%}); "
        f"leakage: {len(removed['leakage']['scenes'])} scenes ({removed['leakage']['records']} items) removed")
    for leak in removed["leakage"]["scenes"]:
        out_console.print(f"[yellow]left out[/yellow] {leak['scene']}: {leak['reason']}")
    for sid, sc in rep["scenes"].items():
        dropped, pc = sc.get("dropped_frames") or [], sc.get("pose_corrections") or {}
        if dropped:
            first = dropped[0]
            out_console.print(f"[yellow]{sid}[/yellow]: {len(dropped)} frame(s) dropped, e.g. frame {first['frame']}: "
                              f"{first.get('error') or first.get('stage', '')}: {first['reason']}")
        if pc.get("corrected"):
            out_console.print(f"{sid}: {pc['corrected']} pose(s) re-orthonormalised "
                              f"(largest change {pc['max_correction']:.2g})")
    for e in result.errors:
        out_console.print(f"[red]scene {e['scene']} failed[/red] ({e['stage']}, {e['source']}): {e['reason']}")
    out_console.print(f"wrote {Path(out)}/qa.jsonl, qa.parquet, report.json, errors.jsonl, manifest.json")
    if result.errors:
        out_console.print(f"[red]{len(result.errors)} scene(s) failed:[/red] {', '.join(rep['failed_scenes'])}")
        raise SystemExit(1)
