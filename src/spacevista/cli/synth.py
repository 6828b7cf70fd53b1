"""``spacevista synth``: write procedural scenes with exact ground truth in the native format, or
(``--as scannet``) as ScanNet export folders with their annotated mesh, or (``--as colmap``) as
structure-from-motion captures at an unknown scale."""

from __future__ import annotations

import time
from pathlib import Path

import click

from spacevista.scene import Scale
from spacevista.synth import CAPTURES

_SCALES = [s.value for s in Scale] + ["all"]


def default_capture(layout: str) -> str:
    """The capture a layout gets unless told: SfM tools (COLMAP for DL3DV) reconstruct videos of
    hundreds of frames, and a metric depth model's per-frame scale error only averages out over
    that many (over 16 frames it does not, see docs/readers.md), so an SfM export is a handheld
    capture; every other layout gets the short clip."""
    return "handheld" if layout == "colmap" else "clip"


@click.command("synth")
@click.option("--scale", "scale", type=click.Choice(_SCALES, case_sensitive=False), required=True,
              help="scene scale, or 'all' for every scale")
@click.option("--n", "n", type=click.IntRange(min=1), default=1, show_default=True,
              help="scenes per scale")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="output folder; one sub-folder per scene")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="seed of the first scene; scene k uses seed + k")
@click.option("--capture", type=click.Choice(CAPTURES), default=None,
              help="clip: a short sparse orbit or loop seeing every object; handheld: a long, partial, "
                   "shaky video-rate path (see docs/synth.md) [default: handheld with --as colmap, "
                   "since SfM runs on videos of hundreds of frames; clip otherwise]")
@click.option("--frames", type=click.IntRange(min=1), default=None,
              help="frames per scene [default: 16 for clip, drawn per scene in 150-300 for handheld]")
@click.option("--width", type=click.IntRange(min=8), default=320, show_default=True)
@click.option("--height", type=click.IntRange(min=8), default=240, show_default=True)
@click.option("--image-format", type=click.Choice(["png", "jpg"]), default="png", show_default=True)
@click.option("--as", "layout", type=click.Choice(["native", "scannet", "colmap"]), default="native",
              show_default=True,
              help="native: SpaceVista's scene format; scannet: ScanNet's export layout with the "
                   "_vh_clean_2.ply mesh, segments and aggregation (read back by the scannet reader), "
                   "holding every frame of the capture; colmap: an SfM capture (COLMAP model + "
                   "transforms.json, no depth, scaled by --sfm-scale and moved rigidly) with its exact "
                   "truth beside it")
@click.option("--sfm-scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="with --as colmap: reconstruction units per metre")
def synth(scale: str, n: int, out: Path, seed: int, capture: str | None, frames: int | None, width: int, height: int,
          image_format: str, layout: str, sfm_scale: float) -> None:
    """Synthesise N scenes per scale and write them under OUT in the native scene format (or as
    ScanNet export folders with ``--as scannet``, or as structure-from-motion captures with
    ``--as colmap``)."""
    from spacevista.cli.tables import make_console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from spacevista.io.native import write_scene
    from spacevista.synth.export_scannet import write_scannet
    from spacevista.synth.export_sfm import export_sfm
    from spacevista.synth.generate import generate_scene

    if layout != "colmap" and sfm_scale != 1.0:
        raise click.BadParameter("only with --as colmap", param_hint="--sfm-scale")

    if capture is None:
        capture = default_capture(layout)
    scales = list(Scale) if scale.lower() == "all" else [Scale.parse(scale)]
    jobs = [(s, seed + k) for s in scales for k in range(n)]
    console = make_console(stderr=True)
    t0 = time.perf_counter()
    n_objects = n_frames = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("synthesising", total=len(jobs))
        for s, sd in jobs:
            bar.update(task, description=f"synth {s.value} seed {sd}")
            scene = generate_scene(s, sd, n_frames=frames, width=width, height=height, capture=capture)
            if layout == "colmap":
                export_sfm(scene, out, sfm_scale, sd)
            elif layout == "scannet":
                write_scannet(scene, out)
            else:
                write_scene(scene, out, image_format=image_format)
            n_objects += len(scene.objects)
            n_frames += len(scene.frames)
            bar.advance(task)
    dt = time.perf_counter() - t0
    click.echo(f"wrote {len(jobs)} scenes ({n_frames} frames, {n_objects} objects) to {out} "
               f"in {dt:.1f} s")
