"""Reader throughput: frames/s for reading + sampling a 640x480 RGB-D sequence and a 1080p video.

Usage: .venv/bin/python benchmarks/readers.py [--frames 60] [--video-frames 60]

Writes both sources to a temporary folder first (not timed), then times:
- 7-Scenes layout, 640x480 colour PNG + uint16 depth PNG: building the Scene (headers only), and
  loading colour + depth of every sampled frame;
- 1080p H.264 mp4 (PyAV): sampling + decoding + caching frames (first read), a cached re-read, and
  loading the cached frames.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def write_rgbd(root: Path, n: int, g: np.random.Generator) -> None:
    K = np.array([[585.0, 0, 320], [0, 585.0, 240], [0, 0, 1]])
    np.savetxt(root / "camera-intrinsics.txt", K)
    yy, xx = np.mgrid[0:480, 0:640]
    for i in range(n):
        rgb = ((xx + 3 * i) % 256).astype(np.uint8)[..., None].repeat(3, -1)
        rgb[..., 1] = (yy % 256).astype(np.uint8)
        Image.fromarray(rgb).save(root / f"frame-{i:06d}.color.png", compress_level=1)
        depth = (1000 + 2 * xx + yy + i).astype(np.uint16)
        Image.fromarray(depth).save(root / f"frame-{i:06d}.depth.png", compress_level=1)
        T = np.eye(4)
        T[:3, 3] = [0.01 * i, 0, 0]
        np.savetxt(root / f"frame-{i:06d}.pose.txt", T)


def write_video(path: Path, n: int) -> None:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 1920, 1080, "yuv420p"
        yy, xx = np.mgrid[0:1080, 0:1920]
        for i in range(n):
            img = np.stack([(xx + 8 * i) % 256, (yy + 4 * i) % 256, (xx + yy) % 256], -1).astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    path.with_suffix(".json").write_text(json.dumps({"fx": 1400.0, "fy": 1400.0, "cx": 960.0, "cy": 540.0,
                                                     "width": 1920, "height": 1080}))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60, help="RGB-D frames written")
    ap.add_argument("--sample", type=int, default=30, help="RGB-D frames sampled")
    ap.add_argument("--video-frames", type=int, default=60)
    ap.add_argument("--video-sample", type=int, default=16)
    args = ap.parse_args()

    from spacevista.readers import READERS, read_source

    _, t_import = timed(READERS.names)  # one-time import of every reader module, reported apart
    print(f"one-time reader import: {t_import * 1000:.0f} ms")
    g = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seq = tmp / "seq-01"
        seq.mkdir()
        write_rgbd(seq, args.frames, g)
        scene, t_read = timed(lambda: read_source(seq, num_frames=args.sample, up="cameras"))
        n = len(scene.frames)
        _, t_load = timed(lambda: [(f.rgb(), f.depth()) for f in scene.frames])
        print(f"rgbd_folder 640x480: {args.frames} frames on disk, {n} sampled")
        print(f"  build scene (headers only): {n / t_read:9.1f} frames/s  ({t_read * 1000:.1f} ms)")
        print(f"  load rgb + depth          : {n / t_load:9.1f} frames/s  ({t_load * 1000:.1f} ms)")
        print(f"  read + sample + load      : {n / (t_read + t_load):9.1f} frames/s")

        video = tmp / "clip.mp4"
        write_video(video, args.video_frames)
        cache = tmp / "cache"
        vs, t_first = timed(lambda: read_source(video, num_frames=args.video_sample, cache_dir=cache))
        m = len(vs.frames)
        _, t_again = timed(lambda: read_source(video, num_frames=args.video_sample, cache_dir=cache))
        _, t_vload = timed(lambda: [f.rgb() for f in vs.frames])
        print(f"video 1920x1080 H.264: {args.video_frames} frames, {m} sampled")
        print(f"  sample + decode + cache   : {m / t_first:9.1f} sampled frames/s, "
              f"{args.video_frames / t_first:.1f} video frames/s decoded ({t_first * 1000:.0f} ms)")
        print(f"  cached re-read            : {m / t_again:9.1f} frames/s  ({t_again * 1000:.1f} ms)")
        print(f"  load cached rgb           : {m / t_vload:9.1f} frames/s  ({t_vload * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
