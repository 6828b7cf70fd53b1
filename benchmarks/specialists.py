"""Throughput of every perception specialist at the tiny (random-weight) size on CPU.

Builds each tiny model (spacevista.perception.tiny) in a temporary folder, loads it through its
specialist, and prints frames per second over a short video, after one warm-up call. Also times the
pure-numpy stages (video depth alignment, 2D association). The figures measure the adapters'
overhead (preprocessing, batching, post-processing) more than the models, which are tiny here.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/specialists.py [--frames 8] [--height 72 --width 96]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _time(fn, repeats: int) -> float:
    fn()  # warm-up: first call loads weights and allocates
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t0) / repeats


def main() -> None:
    import torch
    from transformers.utils import logging as hf_logging

    from spacevista.perception import tiny
    from spacevista.perception.association import Detection, associate
    from spacevista.perception.depth import DepthAnythingMetric, DepthAnythingRelative, DepthPro
    from spacevista.perception.detection import GroundingDino, Owlv2, Thresholds
    from spacevista.perception.tracking import Sam2Video
    from spacevista.perception.video_depth import align_video_depth

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--height", type=int, default=72)
    ap.add_argument("--width", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=4)
    args = ap.parse_args()
    hf_logging.disable_progress_bar()
    rng = np.random.default_rng(0)
    video = [rng.integers(0, 256, (args.height, args.width, 3), dtype=np.uint8) for _ in range(args.frames)]
    root = Path(tempfile.mkdtemp(prefix="tiny_specialists_"))
    bs = args.batch_size
    zero = Thresholds(0.0, 0.0)
    rows = []
    specs = [
        ("depth-pro", lambda p: DepthPro(p, batch_size=bs), lambda s: s.predict(video)),
        ("depth-anything-metric", lambda p: DepthAnythingMetric(p, batch_size=bs), lambda s: s.predict(video)),
        ("depth-anything-relative", lambda p: DepthAnythingRelative(p, batch_size=bs),
         lambda s: s.predict_video(video)),
        ("grounding-dino", lambda p: GroundingDino(p, batch_size=bs, shortest_edge=64, thresholds=zero),
         lambda s: s.detect(video, ["cup", "bowl"])),
        ("owlv2", lambda p: Owlv2(p, batch_size=bs, thresholds=zero), lambda s: s.detect(video, ["cup", "bowl"])),
        ("sam2-video", lambda p: Sam2Video(p, batch_size=bs),
         lambda s: s.track(video, {0: [(1, (5, 5, 40, 40)), (2, (50, 20, 90, 60))]})),
    ]
    for name, make, call in specs:
        path = tiny.TINY_BUILDERS[name](root / name)
        sp = make(path)
        sec = _time(lambda: call(sp), args.repeats)
        n_params = sum(p.numel() for p in sp.model.parameters())
        rows.append((name, n_params, sec, args.frames / sec))
    metric = [rng.uniform(1, 5, (args.height, args.width)) for _ in range(args.frames)]
    rel = [m * 0.5 + 0.1 for m in metric]
    sec = _time(lambda: align_video_depth(metric, rel), args.repeats)
    rows.append(("video-depth alignment (numpy)", 0, sec, args.frames / sec))
    dets = [[Detection(t, (10 + 2 * t + 30 * k, 10, 30 + 2 * t + 30 * k, 30), "cup") for k in range(3)]
            for t in range(args.frames)]
    sec = _time(lambda: associate(dets), args.repeats)
    rows.append(("2D association (numpy, 3 objects)", 0, sec, args.frames / sec))
    print(f"CPU, torch {torch.__version__}, {torch.get_num_threads()} thread(s); video {args.frames} frames "
          f"of {args.width}x{args.height}, batch size {bs}, mean of {args.repeats} runs after a warm-up\n")
    print("| specialist | parameters | seconds / video | frames / s |")
    print("|---|---:|---:|---:|")
    for name, n, sec, fps in rows:
        print(f"| {name} | {n:,} | {sec:.3f} | {fps:.1f} |" if n else f"| {name} | - | {sec:.4f} | {fps:.0f} |")


if __name__ == "__main__":
    main()
