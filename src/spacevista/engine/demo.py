"""The demo: synthetic scenes at all five scales -> QA dataset with measured engine accuracy."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from spacevista.engine.generate import SceneQA, rng_for
from spacevista.engine.pipeline import process_scene
from spacevista.engine.report import summarise
from spacevista.engine.writers import write_dataset
from spacevista.errors import SpaceVistaError
from spacevista.scene import Scale


@dataclass(frozen=True)
class DemoConfig:
    """What the demo builds: scenes per scale, frames and resolution, seed, tasks, workers."""

    scenes_per_scale: int = 2
    seed: int = 0
    frames: int = 16
    width: int = 320
    height: int = 240
    workers: int = 2
    tasks: tuple[str, ...] | None = None
    scales: tuple[str, ...] = tuple(s.value for s in Scale)


def scene_seed(seed: int, scale: str, k: int) -> int:
    return int(rng_for(seed, "synth", scale, str(k)).integers(2**31 - 1))


def _one(job: tuple[str, int, DemoConfig, str]) -> SceneQA | dict[str, Any]:
    from spacevista.synth.generate import generate_scene

    scale, k, cfg, out = job
    try:
        scene = generate_scene(Scale(scale), seed=scene_seed(cfg.seed, scale, k), n_frames=cfg.frames,
                               width=cfg.width, height=cfg.height)
        return process_scene(scene, Path(out), cfg.seed, list(cfg.tasks) if cfg.tasks else None,
                             provenance={"perception": "oracle", "source": "synth"})
    except (SpaceVistaError, ValueError, KeyError) as e:
        return {"scene": f"{scale}-{k}", "stage": "demo", "reason": f"{type(e).__name__}: {e}"}


def run_demo(out: str | Path, cfg: DemoConfig = DemoConfig(),
             progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Build the demo dataset in ``out``; returns the report (also written to ``out/report.json``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    jobs = [(s, k, cfg, str(out)) for s in cfg.scales for k in range(cfg.scenes_per_scale)]
    results: list[SceneQA | dict[str, Any]] = [None] * len(jobs)  # type: ignore[list-item]
    workers = max(1, min(cfg.workers, len(jobs), os.cpu_count() or 1))
    done = 0
    if workers == 1:
        for i, job in enumerate(jobs):
            results[i] = _one(job)
            done += 1
            if progress:
                progress(done, len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_one, job): i for i, job in enumerate(jobs)}
            from concurrent.futures import as_completed
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, len(jobs))
    ok = [r for r in results if isinstance(r, SceneQA)]
    errors = [r for r in results if isinstance(r, dict)]
    report = summarise(ok, errors)
    write_dataset([rec for r in ok for rec in r.records], out)
    report["seconds"] = round(time.perf_counter() - t0, 2)
    report["config"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()}
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report
