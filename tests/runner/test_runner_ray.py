"""The Ray runner (local mode) writes the same bytes as the local runner, as tasks and as an actor pool."""

from __future__ import annotations

import functools
import sys

import pytest

from spacevista.engine.build.run import build
from spacevista.engine.build.stages import Stage, default_stages

from .conftest import SCENES, KillingStage, assert_killed_build, assert_same_tree

# Ray Data reads its own deprecated settings when it ships the context to workers
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")

ray = pytest.importorskip("ray", reason="the Ray runner needs the 'ray' extra (pip install spacevista[ray])")


@pytest.fixture(scope="module")
def ray_runner():
    from spacevista.engine.build.ray_runner import RayRunner

    runner = RayRunner(workers=2)
    yield runner
    runner.shutdown()


@pytest.mark.timeout(300)
def test_ray_matches_local_bytes(scene_root, reference_build, tmp_path, ray_runner):
    res = build([scene_root], tmp_path, seed=0, runner=ray_runner)
    assert res.scenes_built == len(SCENES) and not res.errors
    assert_same_tree(reference_build, tmp_path)


@pytest.mark.timeout(300)
def test_ray_actor_pool_stage_matches(scene_root, reference_build, tmp_path, ray_runner):
    stages = [Stage(s.name, s.make, s.num_cpus, s.num_gpus, actor=True) for s in default_stages()]
    res = build([scene_root], tmp_path, seed=0, runner=ray_runner, stages=stages)
    assert res.scenes_built == len(SCENES) and not res.errors
    assert_same_tree(reference_build, tmp_path)


@pytest.mark.timeout(300)
def test_ray_survives_a_killed_worker(six_scenes, six_clean, tmp_path, ray_runner):
    """A scene whose worker dies runs again in a pass of its own; one that kills it every time
    becomes an error row, and the others finish as in a clean build."""
    # Ray's workers cannot import this test package: ship the killing stage's class by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[KillingStage.__module__])
    scenes = sorted(p.name for p in six_scenes.iterdir())
    once, always = scenes[1], scenes[4]
    log = tmp_path / "attempts.log"
    killing = Stage("scene", functools.partial(KillingStage, log=log, once=once, always=always))
    out = tmp_path / "out"
    res = build([six_scenes], out, seed=0, runner=ray_runner, stages=[killing])
    assert [e["scene"] for e in res.errors] == [always]
    assert_killed_build(out, six_clean, six_scenes, log, once, always,
                        "worker died on each of 2 attempts (Ray: WorkerCrashedError)")
