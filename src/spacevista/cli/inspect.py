"""``spacevista inspect``: what the engine believes about one scene, before trusting its questions."""

from __future__ import annotations

import json
from typing import Any

import click
import numpy as np
from spacevista.cli.tables import make_console
from rich.table import Table

from spacevista.graph import SceneGraph


def graph_summary(graph: SceneGraph) -> dict[str, Any]:
    """JSON-ready description of a lifted scene graph."""
    return {
        "scene": graph.scene_id,
        "scale": graph.scale.value,
        "metric": graph.metric,
        "up": [float(v) for v in graph.up],
        "up_method": graph.metadata.get("up_method", ""),
        "extent_m": round(graph.extent, 6),
        "objects": [{"id": o.id, "category": o.category,
                     "center": [round(float(v), 6) for v in o.box.center],
                     "size": [round(float(v), 6) for v in o.box.size],
                     "yaw": round(o.box.yaw, 6), "points": int(len(o.points)), "frames": o.frames}
                    for o in graph.objects],
        "cameras": [{"frame": c.frame, "position": [round(float(v), 6) for v in c.position],
                     "forward": [round(float(v), 6) for v in c.pose[:3, 2]]} for c in graph.cameras],
    }


@click.command("inspect")
@click.argument("scene", type=click.Path(exists=True))
@click.option("--format", "fmt", default="auto", show_default=True, help="auto or a reader name (spacevista ls reader).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def inspect_cmd(scene: str, fmt: str, as_json: bool) -> None:
    """Show the lifted scene graph of one scene: objects, 3D boxes, visibility, camera path, up."""
    from spacevista.engine.scene.lift import lift_scene
    from spacevista.errors import SceneError
    from spacevista.readers import read_source

    try:
        source = read_source(scene, fmt)
        graph = lift_scene(source)
    except SceneError as e:
        named = type(e) is not SceneError  # PoseError, TooFewFramesError...: say which
        raise click.ClickException(f"{type(e).__name__}: {e}" if named else str(e)) from e
    summary = graph_summary(graph)
    # what the reader's checks left out or changed, so a scene is never trusted blind
    summary["dropped_frames"] = list(source.metadata.get("dropped_frames") or [])
    summary["pose_corrections"] = dict(source.metadata.get("pose_corrections") or {"corrected": 0})
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    console = make_console()
    console.print(f"[bold]{summary['scene']}[/bold] scale={summary['scale']} metric={summary['metric']} "
                  f"up={np.round(summary['up'], 3).tolist()} ({summary['up_method']}) extent={summary['extent_m']:.3g} m")
    t = Table(title="objects (metres)")
    for h in ("id", "category", "center", "size", "yaw", "points", "frames"):
        t.add_column(h)
    for o in summary["objects"]:
        t.add_row(str(o["id"]), o["category"], _v(o["center"]), _v(o["size"]), f"{o['yaw']:.2f}",
                  str(o["points"]), _frames(o["frames"]))
    console.print(t)
    for d in summary["dropped_frames"]:
        console.print(f"[yellow]dropped[/yellow] frame {d['frame']} ({d['file']}): {d['error']}: {d['reason']}")
    if summary["pose_corrections"].get("corrected"):
        pc = summary["pose_corrections"]
        console.print(f"{pc['corrected']} pose(s) re-orthonormalised (largest change {pc['max_correction']:.2g})")
    path = np.array([c["position"] for c in summary["cameras"]])
    if len(path):
        length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
        console.print(f"camera path: {len(path)} frames, {length:.3g} m long, from {_v(path[0])} to {_v(path[-1])}")


def _v(v) -> str:
    return "(" + ", ".join(f"{x:.3g}" for x in v) + ")"


def _frames(f: list[int]) -> str:
    return ",".join(map(str, f)) if len(f) <= 12 else f"{f[0]}..{f[-1]} ({len(f)})"
