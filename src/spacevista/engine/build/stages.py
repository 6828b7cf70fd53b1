"""The work a runner distributes: stages that turn one source row into one result row.

A row is a flat dict of strings (so Ray Data can carry it in Arrow blocks). A :class:`Stage` is a
callable over rows plus the resources it needs; the local runner calls the stages in turn inside
one worker process, the Ray runner maps each stage over the dataset, as tasks or, for stages that
hold state (a perception specialist with a model loaded), as an actor pool with CPU/GPU needs.
Today the engine has one stage, ``scene``: open, perceive (fill what the source lacks), recover the
metric scale of an SfM capture, lift, generate, write shard.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from spacevista.engine.build.cache import cache_key
from spacevista.engine.build.shards import SHARD_DIR, Shard, cached_shard, remove_stale_temporaries, write_shard
from spacevista.errors import SceneError
from spacevista.scene import Scene

Row = dict[str, str]
#: ``progress(done, total)``, called by runners as sources finish
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildConfig:
    """Everything a worker needs to process a source; plain data so it pickles and travels.

    ``options`` stay the plain name -> value pairs given (they key the shard cache and the report);
    each source's reader parses them into its typed options. They are checked here, so a misspelt
    or invalid option fails the build before any scene is read."""

    out: str
    seed: int = 0
    tasks: tuple[str, ...] | None = None
    fmt: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)
    #: specialists for sources that lack depth or instance masks (see ``PerceptionPlan``); empty: none
    perception: dict[str, Any] = field(default_factory=dict)
    #: frames per item clip (spacevista.engine.scene.clips)
    clip_frames: int = 16
    #: bytes one scene's point clouds and grids may take (LiftConfig.max_scene_memory)
    max_scene_memory: int = 2 << 30

    def engine_settings(self) -> dict[str, Any]:
        """Settings that change a scene's output beyond reader options (they key its shard); the
        truth sources name the rule that answers metric questions from a source's own annotation."""
        from spacevista.engine.scene.questions import TRUTH_SOURCES

        return {"clip_frames": self.clip_frames, "truth_sources": list(TRUTH_SOURCES)}

    def __post_init__(self) -> None:
        from spacevista.readers import validate_options

        validate_options(self.fmt, self.options)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tasks"] = list(self.tasks) if self.tasks else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BuildConfig":
        return cls(out=d["out"], seed=d["seed"], tasks=tuple(d["tasks"]) if d["tasks"] else None,
                   fmt=d["fmt"], options=d["options"], perception=d.get("perception") or {},
                   clip_frames=d.get("clip_frames", 16), max_scene_memory=d.get("max_scene_memory", 2 << 30))


@dataclass(frozen=True)
class Stage:
    """One step of the per-source work. ``make`` builds the row function once per worker (an actor's
    constructor under Ray); ``num_cpus``/``num_gpus`` are what each worker of the stage reserves."""

    name: str
    make: Callable[[BuildConfig], Callable[[Row], Row]]
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    actor: bool = False


def error_row(source: str, scene: str, stage: str, reason: str) -> Row:
    return {"source": source, "shard": "", "cached": "",
            "error": json.dumps({"scene": scene, "source": source, "stage": stage, "reason": reason},
                                sort_keys=True)}


def _frame_hashes(scene: Scene, out: Path, frame_paths: list[str]) -> list[str]:
    """Pixel hashes of the source frames and of the frames written out (see ``leakage``)."""
    from spacevista.engine.dataset.leakage import array_sha256, image_sha256

    hashes = {array_sha256(f.rgb()) for f in scene.frames}
    hashes.update(image_sha256(out / p) for p in frame_paths)
    return sorted(hashes)


class Specialists:
    """The perception specialists a build uses, loaded once per worker on first need.

    ``plan`` maps ``depth``/``detector``/``tracker`` to ``"registry-name=/local/path"`` (the path left
    out for a specialist without weights, ``synthetic``) and may give ``categories`` (detector
    prompts), ``device``, ``dtype`` and ``<role>_options`` (keyword arguments of that specialist,
    e.g. ``depth_options={"depth_error": 0.05}``). They run only on scenes that lack the signal
    (``spacevista.perception.fill_scene``), and their provenance lands in the records.
    """

    def __init__(self, plan: dict[str, Any]):
        self.plan = plan
        self._loaded: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._loaded is None:
            from spacevista.perception import SPECIALISTS

            self._loaded = {}
            for role in ("depth", "detector", "tracker"):
                spec = self.plan.get(role)
                if not spec:
                    continue
                name, _, path = str(spec).partition("=")
                cls = SPECIALISTS.get(name)
                if not path and getattr(cls, "needs_weights", True):
                    raise ValueError(f"{role} specialist must be NAME=PATH, got {spec!r}")
                sp = cls(path or None, device=self.plan.get("device", "cpu"), dtype=self.plan.get("dtype", "float32"),
                         **dict(self.plan.get(f"{role}_options") or {}))
                sp.load()
                self._loaded[role] = sp
        return self._loaded

    def fill(self, scene: Scene) -> Scene:
        if not self.plan or (scene.has_depth and scene.has_instances):
            return scene
        from spacevista.perception import fill_scene

        sp = self._load()
        # a tracker that reads the capture's truth (the synthetic oracle) needs no detector
        alone = not getattr(sp.get("tracker"), "needs_detector", True)
        if not scene.has_instances and ("detector" not in sp or "tracker" not in sp) and not alone:
            sp = {k: v for k, v in sp.items() if k == "depth"}
        return fill_scene(scene, depth=sp.get("depth"), detector=sp.get("detector"), tracker=sp.get("tracker"),
                          categories=list(self.plan.get("categories") or []) or None)


class SceneStage:
    """Open a source, run the engine on it and write its shard; a cached shard short-cuts it all."""

    def __init__(self, cfg: BuildConfig):
        self.cfg = cfg
        self.out = Path(cfg.out)
        self.specialists = Specialists(cfg.perception)

    def __call__(self, row: Row) -> Row:
        from spacevista.engine.scene.lift import LiftConfig
        from spacevista.engine.scene.metric_scale import recover_metric_scale
        from spacevista.engine.scene.pipeline import process_scene
        from spacevista.io.sfm_truth import aligned_truth
        from spacevista.readers import detect_format, read_source

        source = row["source"]
        path = Path(source)
        name = row["shard"]
        shard_path = self.out / SHARD_DIR / name
        scene_label = path.name
        try:
            key = cache_key(path, self.cfg.seed, self.cfg.tasks, self.cfg.fmt,
                            {**self.cfg.options, **({"_perception": self.cfg.perception} if self.cfg.perception else {}),
                             "_engine": self.cfg.engine_settings()})
        except OSError as e:
            return error_row(source, scene_label, "fingerprint", f"{type(e).__name__}: {e}")
        if cached_shard(shard_path, key) is not None:
            return {"source": source, "shard": name, "cached": "1", "error": ""}
        # one scene's failure, whatever its kind, must never sink the build: it becomes an error row
        try:
            reader = detect_format(path) if self.cfg.fmt == "auto" else self.cfg.fmt
            scene = read_source(path, reader, **self.cfg.options)
        except Exception as e:  # noqa: BLE001
            return error_row(source, getattr(e, "scene", None) or scene_label, "open", _reason(e))
        notes = reader_notes(scene)
        try:
            scene = self.specialists.fill(scene)
        except Exception as e:  # noqa: BLE001
            return error_row(source, scene.id, "perception", _reason(e))
        try:
            scene = recover_metric_scale(scene, up=str(self.cfg.options.get("up", "auto")))
        except Exception as e:  # noqa: BLE001
            return error_row(source, scene.id, "metric scale", _reason(e))
        try:
            truth = aligned_truth(scene)  # a synthetic capture's exact truth, for the engine's self-score
            for sub in ("frames", "masks"):
                remove_stale_temporaries(self.out / sub / scene.id)
            result = process_scene(scene, self.out, self.cfg.seed, list(self.cfg.tasks) if self.cfg.tasks else None,
                                   lift=LiftConfig(max_scene_memory=self.cfg.max_scene_memory),
                                   provenance={"reader": reader, **({"perception": scene.metadata["perception"]}
                                                                    if "perception" in scene.metadata else {})},
                                   truth=truth, clip_frames=self.cfg.clip_frames)
            if not result.records:
                why = "; ".join(f"{s['task']}: {s['reason']}" for s in result.skipped) or "no task applies"
                return error_row(source, scene.id, "generate", f"no QA items ({why})")
            frame_paths = result.records[0].frames
            hashes = _frame_hashes(scene, self.out, frame_paths)
        except Exception as e:  # noqa: BLE001
            return error_row(source, scene.id, "process", _reason(e))
        shard = Shard(key=key, source=source, scene_id=scene.id, scale=result.scale, records=result.records,
                      skipped=result.skipped, dropped=dict(result.dropped), frame_hashes=hashes,
                      crosscheck=result.crosscheck, metric_scale=result.metric_scale,
                      **{**notes, "dropped_frames": notes["dropped_frames"] + result.dropped_frames})
        write_shard(shard, shard_path)
        return {"source": source, "shard": name, "cached": "", "error": ""}


def reader_notes(scene: Scene) -> dict[str, Any]:
    """What the reader dropped or corrected (``io.checks``), as the shard and report.json carry it:
    ``dropped_frames`` and ``pose_corrections`` (zeros when no pose needed correcting)."""
    pc = scene.metadata.get("pose_corrections") or {}
    return {"dropped_frames": list(scene.metadata.get("dropped_frames") or []),
            "pose_corrections": {"corrected": int(pc.get("corrected", 0)),
                                 "max_correction": float(pc.get("max_correction", 0.0))}}


def _reason(e: Exception) -> str:
    if isinstance(e, SceneError):
        # the named kinds (PoseError, TooFewFramesError, UnsafePathError...) keep their name
        kind = "" if type(e) is SceneError else f"{type(e).__name__}: "
        return kind + (e.reason if not e.file else f"{e.file}: {e.reason}")
    return f"{type(e).__name__}: {e}"


def default_stages(perception: dict[str, Any] | None = None) -> list[Stage]:
    """The stages of a build, in order; with specialists on a GPU the scene stage becomes an actor
    pool that reserves one GPU per worker and keeps its models loaded."""
    gpu = bool(perception) and str((perception or {}).get("device", "cpu")).startswith("cuda")
    return [Stage("scene", SceneStage, num_cpus=1.0, num_gpus=1.0 if gpu else 0.0, actor=bool(perception))]
