"""The demo: synthetic scenes at all five scales -> QA dataset with measured engine accuracy."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from spacevista.engine.scene.questions import SceneQA, rng_for
from spacevista.engine.scene.clips import CLIP_FRAMES
from spacevista.engine.scene.pipeline import process_scene
from spacevista.engine.dataset.summary import summarise
from spacevista.engine.dataset.writers import write_dataset
from spacevista.errors import SpaceVistaError
from spacevista.scene import Scale


@dataclass(frozen=True)
class DemoConfig:
    """What the demo builds: scenes per scale, capture, frames and resolution, seed, tasks, workers."""

    scenes_per_scale: int = 2
    seed: int = 0
    #: frames per scene; None lets the capture decide (16 for a clip, 150-300 for handheld)
    frames: int | None = 16
    width: int = 320
    height: int = 240
    workers: int = 2
    tasks: tuple[str, ...] | None = None
    scales: tuple[str, ...] = tuple(s.value for s in Scale)
    #: "oracle" (exact rendered depth and masks), "degraded" (spacevista.perception.degrade) or
    #: "realistic" (spacevista.perception.realistic, sized by ``depth_error``)
    perception: str = "oracle"
    depth_noise: float = 0.0
    mask_erosion: int = 0
    drop_rate: float = 0.0
    id_switch_rate: float = 0.0
    depth_error: float = 0.05
    #: frames per item clip (see spacevista.engine.scene.clips)
    clip_frames: int = CLIP_FRAMES
    #: how the synthetic scenes are filmed (``spacevista.synth.CAPTURES``)
    capture: str = "clip"

    def __post_init__(self) -> None:
        from spacevista.synth import CAPTURES

        if self.capture not in CAPTURES:
            raise ValueError(f"unknown capture {self.capture!r}; expected one of {', '.join(CAPTURES)}")
        if self.perception not in ("oracle", "degraded", "realistic"):
            raise ValueError(f"unknown perception {self.perception!r}; expected 'oracle', 'degraded' or 'realistic'")
        if self.perception == "degraded":
            self.degrade_config()  # validates the error strengths before any scene is built
        if self.perception == "realistic":
            self.realistic_config()

    def perception_provenance(self) -> dict[str, Any]:
        """What produced the depth and masks, as recorded in every record's provenance."""
        if self.perception == "oracle":
            return {"mode": "oracle"}
        if self.perception == "degraded":
            return {"mode": "degraded", **self.degrade_config().to_dict()}
        if self.perception == "realistic":
            return {"mode": "realistic", **self.realistic_config().to_dict()}
        raise ValueError(f"unknown perception {self.perception!r}; expected 'oracle', 'degraded' or 'realistic'")

    def degrade_config(self) -> Any:
        from spacevista.perception.degrade import DegradeConfig

        return DegradeConfig(depth_noise=self.depth_noise, mask_erosion=self.mask_erosion,
                             drop_rate=self.drop_rate, id_switch_rate=self.id_switch_rate)

    def realistic_config(self) -> Any:
        from spacevista.perception.realistic import RealisticConfig

        return RealisticConfig(depth_error=self.depth_error)


def scene_seed(seed: int, scale: str, k: int) -> int:
    return int(rng_for(seed, "synth", scale, str(k)).integers(2**31 - 1))


def _one(job: tuple[str, int, DemoConfig, str]) -> SceneQA | dict[str, Any]:
    from spacevista.synth.generate import generate_scene

    scale, k, cfg, out = job
    try:
        scene = generate_scene(Scale(scale), seed=scene_seed(cfg.seed, scale, k), n_frames=cfg.frames,
                               width=cfg.width, height=cfg.height, capture=cfg.capture)
        tasks = list(cfg.tasks) if cfg.tasks else None
        provenance = {"perception": cfg.perception_provenance(), "source": "synth"}
        if cfg.capture != "clip":  # clip records say nothing, as they always have
            provenance["capture"] = cfg.capture
        if cfg.perception == "degraded":
            from spacevista.perception.degrade import degrade_scene

            seen = degrade_scene(scene, cfg.degrade_config(), rng_for(cfg.seed, scene.id, "degrade"))
            return process_scene(seen, Path(out), cfg.seed, tasks, provenance=provenance, truth=scene,
                                 clip_frames=cfg.clip_frames)
        if cfg.perception == "realistic":
            from spacevista.perception.realistic import realistic_scene

            seen = realistic_scene(scene, cfg.realistic_config(), rng_for(cfg.seed, scene.id, "realistic"))
            return process_scene(seen, Path(out), cfg.seed, tasks, provenance=provenance, truth=scene,
                                 clip_frames=cfg.clip_frames)
        return process_scene(scene, Path(out), cfg.seed, tasks, provenance=provenance, clip_frames=cfg.clip_frames)
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
