"""A build over a source without depth or masks runs the specialists given on the command line."""

import json

from click.testing import CliRunner

from spacevista.cli import main
from spacevista.io.native import write_scene
from spacevista.perception.tiny import save_tiny_depth_anything, save_tiny_grounding_dino, save_tiny_sam2_video
from spacevista.synth.generate import generate_scene


def test_build_fills_depth_and_masks_with_specialists(tmp_path):
    scene = generate_scene("tabletop", seed=4, n_frames=4, width=96, height=72)
    for f in scene.frames:
        f.depth_array = None
        f.instance_array = None
    scene.objects = []
    src = write_scene(scene, tmp_path / "src" / scene.id)
    depth = save_tiny_depth_anything(tmp_path / "m" / "da", kind="metric")
    det = save_tiny_grounding_dino(tmp_path / "m" / "gd")
    trk = save_tiny_sam2_video(tmp_path / "m" / "sam2")
    out = tmp_path / "out"
    args = ["build", str(src), "--out", str(out), "--depth", f"depth-anything-metric={depth}",
            "--detector", f"grounding-dino={det}", "--tracker", f"sam2-video={trk}", "--categories", "mug,apple"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    records = [json.loads(x) for x in (out / "qa.jsonl").read_text().splitlines()]
    assert records
    prov = records[0]["provenance"]["perception"]
    assert prov["depth"]["model"]["name"] == "depth-anything-metric"
    assert prov["instances"]["detector"]["name"] == "grounding-dino"
    # a second run reuses the finished scene (the specialists are part of the cache key)
    res2 = CliRunner().invoke(main, args)
    assert res2.exit_code == 0 and "1 reused" in res2.output


def test_detector_without_tracker_is_refused(tmp_path):
    res = CliRunner().invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "o"),
                                    "--detector", "grounding-dino=/nowhere"])
    assert res.exit_code != 0 and "--tracker" in res.output
