"""A contact sheet of synthetic captures: a few frames per scale and a top view of the camera path.

    .venv/bin/python scripts/contact_sheet.py --capture handheld --seed 0 --out docs/img/handheld.png

Each row is one scene: ``--columns`` frames evenly spaced over the capture (frame index in the
corner), then a top view with the objects' footprints (grey), the camera path (red, darker
towards the end) and the shown frames' positions (white dots).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from spacevista.scene import Scale, Scene
from spacevista.synth.generate import CAPTURES, generate_scene


def footprint(obj) -> np.ndarray:
    """Corners (4, 2) of an object's upright box seen from above."""
    sx, sy = obj.size[:2] / 2
    c, s = np.cos(obj.yaw), np.sin(obj.yaw)
    local = np.array([[-sx, -sy], [sx, -sy], [sx, sy], [-sx, sy]])
    return local @ np.array([[c, -s], [s, c]]).T + obj.center[:2]


def top_view(scene: Scene, picks: list[int], size: tuple[int, int]) -> Image.Image:
    """Objects and the camera path from above, fitted into ``size`` pixels."""
    w, h = size
    eyes = np.array([f.pose[:3, 3][:2] for f in scene.frames])
    shapes = [footprint(o) for o in scene.objects]
    pts = np.concatenate([eyes, *shapes])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = 0.9 * min(w / max(hi[0] - lo[0], 1e-9), h / max(hi[1] - lo[1], 1e-9))
    mid = (lo + hi) / 2

    def px(p: np.ndarray) -> list[tuple[float, float]]:
        q = (np.atleast_2d(p) - mid) * scale
        return [(w / 2 + x, h / 2 - y) for x, y in q]  # world +y up on the page

    img = Image.new("RGB", size, (30, 30, 34))
    draw = ImageDraw.Draw(img)
    for poly in shapes:
        draw.polygon(px(poly), fill=(120, 120, 125), outline=(200, 200, 205))
    line = px(eyes)
    for k in range(len(line) - 1):
        shade = int(255 - 130 * k / max(len(line) - 1, 1))
        draw.line([line[k], line[k + 1]], fill=(shade, 40, 40), width=2)
    for i in picks:
        x, y = line[i]
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(255, 255, 255))
    return img


def sheet(capture: str, seed: int, columns: int, width: int, height: int, frames: int | None) -> Image.Image:
    """One row per scale: ``columns`` frames of the scene, then its top view."""
    rows = []
    for scale in Scale:
        scene = generate_scene(scale, seed, n_frames=frames, width=width, height=height, capture=capture)
        picks = np.linspace(0, len(scene.frames) - 1, columns).round().astype(int).tolist()
        row = Image.new("RGB", ((columns + 1) * width, height))
        for j, i in enumerate(picks):
            tile = Image.fromarray(scene.frames[i].rgb())
            ImageDraw.Draw(tile).text((4, 2), f"{scale.value} {i}/{len(scene.frames)}", fill=(255, 255, 0))
            row.paste(tile, (j * width, 0))
        row.paste(top_view(scene, picks, (width, height)), (columns * width, 0))
        rows.append(row)
    out = Image.new("RGB", (rows[0].width, sum(r.height for r in rows)))
    for k, r in enumerate(rows):
        out.paste(r, (0, k * height))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", choices=CAPTURES, default="handheld")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--columns", type=int, default=6)
    ap.add_argument("--width", type=int, default=240)
    ap.add_argument("--height", type=int, default=180)
    ap.add_argument("--frames", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    sheet(a.capture, a.seed, a.columns, a.width, a.height, a.frames).save(a.out, optimize=True)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
