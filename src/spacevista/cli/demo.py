"""``spacevista demo``: the whole path on built-in synthetic scenes, no downloads."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.cli.tables import make_console, print_table
from spacevista.engine.dataset.summary import accuracy_table, markdown_table, precision_yield_table
from spacevista.synth import CAPTURES


@click.command("demo")
@click.option("--out", default="demo_out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the dataset (qa.jsonl, qa.parquet, frames/, report.json).")
@click.option("--scenes-per-scale", default=2, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--capture", default="clip", show_default=True, type=click.Choice(CAPTURES),
              help="How the synthetic scenes are filmed: a short clip that sees every object, or a long, "
                   "partial, shaky handheld video (docs/synth.md).")
@click.option("--frames", default=None, type=click.IntRange(2),
              help="Frames per scene [default: 16 for clip, drawn per scene in 150-300 for handheld].")
@click.option("--width", default=320, show_default=True, type=click.IntRange(32))
@click.option("--height", default=240, show_default=True, type=click.IntRange(32))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1))
@click.option("--clip-frames", default=16, show_default=True, type=click.IntRange(1),
              help="Frames per item clip: each question carries at most this many frames.")
@click.option("--task", "tasks", multiple=True, help="Only these tasks (repeatable).")
@click.option("--scale", "scales", multiple=True, help="Only these scales (repeatable).")
@click.option("--perception", default="oracle", show_default=True,
              type=click.Choice(["oracle", "degraded", "realistic"]),
              help="Exact rendered depth and masks, or the same passed through simple (degraded) or "
                   "realistic perception errors.")
@click.option("--depth-noise", default=0.05, show_default=True, type=click.FloatRange(0, 0.33),
              help="Degraded: relative depth noise (0.05 = 5%; per-frame scale error plus per-pixel noise).")
@click.option("--mask-erosion", default=1, show_default=True, type=int,
              help="Degraded: erode every mask by this many pixels (negative dilates).")
@click.option("--drop-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Degraded: probability that an object's mask is missing in a frame.")
@click.option("--id-switch-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Degraded: per-frame probability that two identities swap from then on.")
@click.option("--depth-error", default=0.05, show_default=True, type=click.FloatRange(0, 0.5),
              help="Realistic: relative depth error E (0.05 = 5%) of a metric depth model: per-frame scale, "
                   "smooth warp and far-depth bias; flying pixels, holes, quantisation, mask and pose errors "
                   "are on at their defaults (docs/perception.md).")
def demo(out: str, scenes_per_scale: int, seed: int, capture: str, frames: int | None, width: int, height: int,
         workers: int, clip_frames: int, tasks: tuple[str, ...], scales: tuple[str, ...], perception: str = "oracle",
         depth_noise: float = 0.05, mask_erosion: int = 1, drop_rate: float = 0.0, id_switch_rate: float = 0.0,
         depth_error: float = 0.05) -> None:
    """Synthesise scenes at all five scales, build QA, print engine accuracy (tasks x scales)."""
    from spacevista.scene import Scale

    if frames is None and capture == "clip":
        frames = DemoConfig().frames
    cfg = DemoConfig(scenes_per_scale=scenes_per_scale, seed=seed, frames=frames, width=width, height=height,
                     workers=workers, clip_frames=clip_frames, tasks=tasks or None, capture=capture,
                     scales=tuple(Scale.parse(s).value for s in scales) or DemoConfig().scales,
                     perception=perception,
                     **({"depth_noise": depth_noise, "mask_erosion": mask_erosion, "drop_rate": drop_rate,
                         "id_switch_rate": id_switch_rate} if perception == "degraded" else {}),
                     **({"depth_error": depth_error} if perception == "realistic" else {}))
    console = make_console()
    with Progress(TextColumn("[bold]scenes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        job = bar.add_task("scenes", total=scenes_per_scale * len(cfg.scales))
        report = run_demo(out, cfg, progress=lambda done, total: bar.update(job, completed=done))
    header, rows = accuracy_table(report)
    (Path(out) / "engine_accuracy.md").write_text(markdown_table(header, rows) + "\n")
    header, rows = precision_yield_table(report)
    (Path(out) / "precision_yield.md").write_text(markdown_table(header, rows) + "\n")
    console.file.flush()
    print_table("Engine precision / yield per task and scale (precision: accuracy against exact ground truth, "
                "MRA or choice accuracy; yield: share of candidate questions emitted)", header, rows)
    refused = sum(n for by in report["refusals"].values() for c in by.values() for n in c.values())
    console.print(f"{report['qa_count']} QA items from {report['scene_count']} scenes in {report['seconds']} s; "
                  f"{refused} candidate questions refused by the evidence gates (report.json: refusals); "
                  f"per scale {report['scales']}; duplicate rate {report['duplicate_rate']:.4%}")
    audit = report.get("audit") or {}
    if audit.get("failures"):
        worst = ", ".join(f"{f['task']} ({f['baseline']} {f['gain']:+.1f})" for f in audit["failures"])
        console.print(f"[yellow]blind-baseline audit: a text-only guess beats chance by more than "
                      f"{audit['threshold']:g} points on {worst}[/yellow] (spacevista audit {out})")
    elif audit:
        console.print(f"blind-baseline audit passed (threshold {audit['threshold']:g} points)")
    for e in report["errors"]:
        console.print(f"[red]scene {e['scene']} failed[/red] ({e['stage']}): {e['reason']}")
    console.print(f"wrote {out}/qa.jsonl, qa.parquet, sft.json, grpo.jsonl, bench.json, report.json, "
                  "engine_accuracy.md, precision_yield.md, frames/, marked/, masks/")
    if report["errors"]:
        raise SystemExit(1)
