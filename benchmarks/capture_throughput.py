"""Build throughput on long handheld captures against the 16-frame clip: frames per CPU-second.

Renders one scene per scale for each capture (rendering is not timed), then times
``process_scene`` (lifting, exact graph, questions, frames written) with ``time.process_time`` on
one thread, oracle perception. A long capture must not cost more per frame than a short one: the
per-frame work (lifting) is linear and the per-question work does not grow with the frame count.

    .venv/bin/python benchmarks/capture_throughput.py [--scales tabletop,indoor] [--realistic]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from spacevista.engine.build.demo import scene_seed  # noqa: E402
from spacevista.engine.scene.pipeline import process_scene  # noqa: E402
from spacevista.engine.scene.questions import rng_for  # noqa: E402
from spacevista.synth.generate import generate_scene  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="tiny,tabletop,indoor,outdoor,drone")
    ap.add_argument("--realistic", action="store_true", help="realistic 5%% perception (alignment and checks on)")
    args = ap.parse_args()
    print("| scale | capture | frames | items | CPU s | frames per CPU-s |")
    print("|---|---|---:|---:|---:|---:|")
    for scale in args.scales.split(","):
        for capture in ("clip", "handheld"):
            scene = generate_scene(scale, seed=scene_seed(0, scale, 0), n_frames=16 if capture == "clip" else None,
                                   capture=capture)
            for f in scene.frames:  # rendering (and materialising the arrays) is not timed
                f.rgb(), f.depth(), f.instances()
            seen, truth = scene, None
            if args.realistic:
                from spacevista.perception.realistic import RealisticConfig, realistic_scene

                seen, truth = realistic_scene(scene, RealisticConfig(depth_error=0.05), rng_for(0, scene.id, "r")), scene
            t0 = time.process_time()
            qa = process_scene(seen, Path(tempfile.mkdtemp(prefix="thr_")), 0, truth=truth)
            cpu = time.process_time() - t0
            n = len(scene.frames)
            print(f"| {scale} | {capture} | {n} | {len(qa.records)} | {cpu:.1f} | {n / cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
