"""``spacevista build`` as a function: sources -> sharded, resumable, filtered QA dataset.

Steps: find the scenes; run the stages over them with a runner (sources expected to share a scene
id go in later rounds, so they never write the same frame folder at once) (each finished scene becomes an
atomic shard, and a shard whose cache key still matches is reused, which is also how a killed
build resumes); then assemble the dataset from the shards (see ``assemble``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacevista.engine.build.assemble import assemble
from spacevista.engine.build.cache import shard_name
from spacevista.engine.build.discover import discover, rounds_by_scene_id
from spacevista.engine.dataset.leakage import load_bench_index
from spacevista.engine.build.runners import Runner, make_runner
from spacevista.engine.build.shards import SHARD_DIR, read_shard, remove_stale_temporaries
from spacevista.engine.build.stages import BuildConfig, Progress, Stage, default_stages


@dataclass
class BuildResult:
    """The report written to ``report.json`` plus what this run did (not written: it varies)."""

    report: dict[str, Any]
    seconds: float
    scenes_built: int
    scenes_cached: int
    errors: list[dict[str, Any]] = field(default_factory=list)


def build(sources: list[str | Path], out: str | Path, *, seed: int = 0, tasks: list[str] | None = None,
          fmt: str = "auto", options: dict[str, Any] | None = None, runner: Runner | None = None,
          exclude_bench: list[str | Path] | None = None, stages: list[Stage] | None = None,
          progress: Progress | None = None, perception: dict[str, Any] | None = None,
          clip_frames: int = 16, max_scene_memory: int = 2 << 30) -> BuildResult:
    """Build a QA dataset from ``sources`` into ``out``; see the module docstring."""
    t0 = time.perf_counter()
    out = Path(out).resolve()
    (out / SHARD_DIR).mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out / SHARD_DIR)
    remove_stale_temporaries(out)
    bench = load_bench_index(list(exclude_bench)) if exclude_bench else None
    scenes, errors = discover(sources, fmt)
    cfg = BuildConfig(out=str(out), seed=seed, tasks=tuple(sorted(tasks)) if tasks else None, fmt=fmt,
                      options=dict(options or {}), perception=dict(perception or {}), clip_frames=clip_frames,
                      max_scene_memory=max_scene_memory)
    runner = runner or make_runner("local")
    results = []
    for batch in rounds_by_scene_id(scenes, cfg.options):
        rows = [{"source": s, "shard": shard_name(s), "cached": "", "error": ""} for s in batch]
        offset = len(results)

        def step(done: int, total: int, offset: int = offset) -> None:
            if progress:
                progress(offset + done, len(scenes))
        results.extend(runner.run(rows, stages or default_stages(cfg.perception), cfg, step))
    shards = []
    n_cached = 0
    for row in results:
        if row.get("error"):
            errors.append(json.loads(row["error"]))
        else:
            shards.append(read_shard(out / SHARD_DIR / row["shard"]))
            n_cached += bool(row.get("cached"))
    settings = {"seed": seed, "tasks": list(cfg.tasks) if cfg.tasks else None, "format": fmt,
                "clip_frames": clip_frames, "max_scene_memory": max_scene_memory,
                "options": cfg.options, "sources": [str(Path(s).resolve()) for s in sources],
                "exclude_bench": [str(Path(b).resolve()) for b in exclude_bench or []]}
    report = assemble(out, shards, errors, bench, settings, n_sources=len(scenes))
    return BuildResult(report, round(time.perf_counter() - t0, 3), len(shards) - n_cached, n_cached,
                       report["errors"])
