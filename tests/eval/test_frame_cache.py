"""The frame cache: a frame several items send is prepared once, gives the same pixels and JPEG as
preparing it afresh, and the run with and without it sends the same requests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from spacevista.eval.backends.openai_api import chat_messages
from spacevista.eval.benchmarks import load_benchmark
from spacevista.io.bench import write_bench_json
from spacevista.io.jsonl import read_jsonl
from spacevista.qa.framecache import FrameCache, encode_jpeg
from spacevista.qa.prompts import build_prompt


def test_prepared_once_and_shared_read_only():
    cache = FrameCache()
    calls = []

    def make() -> np.ndarray:
        calls.append(1)
        time.sleep(0.05)  # long enough for the other threads to arrive while it is being made
        return np.full((4, 5, 3), 7, dtype=np.uint8)

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", make))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(g is got[0] for g in got)
    assert cache.stats()["misses"] == 1 and cache.stats()["hits"] == 3
    with pytest.raises(ValueError):
        got[0].array[0, 0, 0] = 1
    assert got[0].jpeg(85) == encode_jpeg(got[0].array, 85) and got[0].jpeg(85) is got[0].jpeg(85)


def test_least_recently_used_dropped_beyond_the_budget():
    cache = FrameCache(max_bytes=2 * 300)
    for k in ("a", "b", "a", "c"):  # each 300 bytes: "b" is the least recently used when "c" comes
        cache.get(k, lambda: np.zeros((10, 10, 3), dtype=np.uint8))
    assert len(cache) == 2 and cache.stats()["misses"] == 3
    cache.get("a", lambda: pytest.fail("a was dropped"))


@pytest.mark.parametrize("mode", ["think", "official"])
def test_same_prompts_with_and_without_cache(engine_set: Path, tmp_path: Path, mode: str):
    path = tmp_path / "bench.json"
    write_bench_json(read_jsonl(engine_set / "qa.jsonl"), path, engine_set)
    _, items = load_benchmark(path)
    cache = FrameCache()
    for it in items:
        fresh = build_prompt(it, n_frames=3, max_side=16, mode=mode, jpeg_quality=85)
        cached = build_prompt(it, n_frames=3, max_side=16, mode=mode, jpeg_quality=85, cache=cache)
        assert fresh.text == cached.text and len(fresh.images) == len(cached.images)
        assert all(np.array_equal(a, b) for a, b in zip(fresh.images, cached.images))
        assert fresh.jpeg == cached.jpeg
        assert chat_messages(cached) == chat_messages(build_prompt(it, n_frames=3, max_side=16, mode=mode))
    assert cache.stats()["hits"] > cache.stats()["misses"]
