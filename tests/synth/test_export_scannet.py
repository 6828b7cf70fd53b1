import json

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.cli.synth import synth
from spacevista.geometry.polygons import polygon_area, polygon_contains
from spacevista.readers import detect_format, read_source
from spacevista.synth.export_scannet import default_alignment, select_frames, triangulate_polygon
from spacevista.synth.generate import generate_scene


def test_synth_as_scannet_reads_back_in_the_synthetic_world(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "indoor", "--out", str(tmp_path), "--seed", "2", "--frames", "3",
                                     "--width", "64", "--height", "48", "--as", "scannet"])
    assert res.exit_code == 0, res.output
    root = tmp_path / "synth-indoor-0002"
    name = root.name
    for f in (f"{name}_vh_clean_2.ply", f"{name}_vh_clean_2.0.010000.segs.json", f"{name}.aggregation.json",
              f"{name}.txt", "color/0.jpg", "depth/2.png", "pose/1.txt", "instance-filt/0.png",
              "intrinsic/intrinsic_color.txt", "intrinsic/extrinsic_depth.txt"):
        assert (root / f).is_file(), f
    agg = json.loads((root / f"{name}.aggregation.json").read_text())
    assert agg["segmentsFile"] == f"scannet.{name}_vh_clean_2.0.010000.segs.json"
    # the files hold the unaligned world; the poses are not the synthetic ones until aligned
    truth = generate_scene("indoor", 2, n_frames=3, width=64, height=48)
    stored = np.loadtxt(root / "pose" / "1.txt")
    assert np.abs(stored - truth.frames[1].pose).max() > 0.1
    assert detect_format(root) == "scannet"
    scene = read_source(root)
    assert scene.metadata["annotation"]["instance_ids"] == "instance-filt"
    for f, t in zip(scene.frames, truth.frames):
        np.testing.assert_allclose(f.pose, t.pose, atol=1e-9)
        np.testing.assert_array_equal(f.instances(), t.instances())
    ann = scene.annotations()
    by_id = {o.id: o for o in ann.objects}
    for o in truth.objects:
        a = by_id[o.id]
        assert a.category == o.category
        np.testing.assert_allclose(a.mesh_vertices, o.mesh_vertices, atol=2e-5)  # float32 in the PLY
    structure = [o.category for o in ann.objects if o.id not in {t.id for t in truth.objects}]
    assert structure.count("floor") == 1 and structure.count("ceiling") == 1
    assert structure.count("wall") == len(truth.metadata["room"]["floor_polygon"])
    assert set(ann.structure) == {"floor", "wall", "ceiling"}


def test_ear_clipping_covers_an_l_shaped_room_exactly():
    poly = np.array([[0, 0], [6, 0], [6, 4], [4.2, 4], [4.2, 5.5], [0, 5.5]], dtype=float)
    for p in (poly, poly[::-1]):
        tris = triangulate_polygon(p)
        assert len(tris) == len(p) - 2
        area = sum(polygon_area(p[t]) for t in tris)
        assert area == pytest.approx(polygon_area(p))
        assert polygon_contains(p, np.array([p[t].mean(0) for t in tris])).all()


def test_select_frames_renumbers_and_cuts_per_frame_attributes():
    scene = generate_scene("tabletop", 1, n_frames=4, width=32, height=24)
    sub = select_frames(scene, [1, 3])
    assert [f.index for f in sub.frames] == [0, 1]
    np.testing.assert_array_equal(sub.frames[1].pose, scene.frames[3].pose)
    o, s = scene.objects[0], sub.objects[0]
    assert s.attributes["pixels_per_frame"] == [o.attributes["pixels_per_frame"][i] for i in (1, 3)]
    assert [f.index for f in scene.frames] == [0, 1, 2, 3]  # the original is untouched


def test_default_alignment_is_a_rigid_turn_about_up():
    A = default_alignment()
    np.testing.assert_allclose(A[:3, :3] @ A[:3, :3].T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(A[:3, 2], [0, 0, 1])


def test_a_handheld_capture_exports_every_frame_it_has_as_scannet(tmp_path):
    """``--capture handheld --as scannet``: the export holds the handheld path's frames, however many."""
    args = ["--scale", "indoor", "--out", str(tmp_path), "--seed", "4", "--capture", "handheld", "--frames", "5",
            "--width", "48", "--height", "36", "--as", "scannet"]
    res = CliRunner().invoke(synth, args)
    assert res.exit_code == 0, res.output
    assert "(5 frames" in res.output
    root = tmp_path / "synth-indoor-0004"
    assert sorted(int(p.stem) for p in (root / "color").glob("*.jpg")) == [0, 1, 2, 3, 4]
    truth = generate_scene("indoor", 4, n_frames=5, width=48, height=36, capture="handheld")
    clip = generate_scene("indoor", 4, n_frames=5, width=48, height=36)
    scene = read_source(root)
    assert len(scene.frames) == 5
    for f, t, c in zip(scene.frames, truth.frames, clip.frames):
        np.testing.assert_allclose(f.pose, t.pose, atol=1e-9)
        assert np.abs(f.pose - c.pose).max() > 1e-3  # the handheld path, not the clip's
    assert {o.id for o in truth.objects} <= {o.id for o in scene.annotations().objects}
