"""3D annotations in the exact ScanNet, ScanNet++ and ARKitScenes layouts: they load, land in the
poses' world, and project into frames that have no 2-D instance ids."""

import json
import pickle

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spacevista.errors import SceneError
from spacevista.geometry.poses import look_at
from spacevista.readers import detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, box_mesh, project_cv, write_ply, write_rgb, write_u16, rng

K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])
CHAIR = ((0.0, 0.0, 0.45), (0.5, 0.5, 0.9))
TABLE = ((1.2, 0.9, 0.375), (1.2, 0.8, 0.75))
EYES = [(-2.5, 0.2, 1.0), (-2.0, -1.5, 1.4)]


def _k4(K):
    out = np.eye(4)
    out[:3, :3] = K
    return out


def _pixel(pose, X):
    return np.floor(project_cv(K, pose, np.asarray(X, float))).astype(int)


def _room_mesh():
    """Chair, table, a floor quad and one unannotated triangle, in the aligned world."""
    parts = [box_mesh(*CHAIR), box_mesh(*TABLE),
             (np.array([[-4, -4, 0], [4, -4, 0], [4, 4, 0], [-4, 4, 0.0]]), np.array([[0, 1, 2], [0, 2, 3]])),
             (np.array([[2, -3, 0.5], [3, -3, 0.5], [3, -3, 1.5]]), np.array([[0, 1, 2]]))]
    V, F, off = [], [], 0
    for v, f in parts:
        V.append(v)
        F.append(f + off)
        off += len(v)
    return np.concatenate(V), np.concatenate(F)


# --------------------------------------------------------------------------------------------- ScanNet

def _write_scannet(root, instance_frames=(0,)):
    g = rng(3)
    A = np.eye(4)
    A[:3, :3] = Rotation.from_euler("z", 37, degrees=True).as_matrix()
    A[:3, 3] = [1.5, -0.7, 0.02]
    Ainv = np.linalg.inv(A)
    V, F = _room_mesh()
    V_u = V @ Ainv[:3, :3].T + Ainv[:3, 3]  # ScanNet stores the mesh and poses unaligned
    write_ply(root / f"{root.name}_vh_clean_2.ply", V_u, F)
    seg = [10] * 4 + [11] * 4 + [20] * 8 + [30] * 4 + [99] * 3
    (root / f"{root.name}_vh_clean_2.0.010000.segs.json").write_text(json.dumps({
        "params": {"kThresh": "0.0001", "segMinVerts": "20", "minPoints": "750", "maxPoints": "5000",
                   "thinThresh": "0.05", "flatThresh": "0.001", "minLength": "0.02", "maxLength": "1"},
        "sceneId": root.name, "segIndices": seg}))
    (root / f"{root.name}.aggregation.json").write_text(json.dumps({
        "sceneId": f"scannet.{root.name}", "appId": "Aggregator.v2",
        "segGroups": [{"id": 0, "objectId": 0, "segments": [10, 11], "label": "chair"},
                      {"id": 4, "objectId": 4, "segments": [20], "label": "table"},
                      {"id": 6, "objectId": 6, "segments": [30], "label": "floor"}],
        "segmentsFile": f"scannet.{root.name}_vh_clean_2.0.010000.segs.json"}))
    (root / f"{root.name}.txt").write_text("axisAlignment = " + " ".join(f"{x:.17g}" for x in A.reshape(-1)) + "\n")
    (root / "intrinsic").mkdir()
    np.savetxt(root / "intrinsic/intrinsic_color.txt", _k4(K))
    np.savetxt(root / "intrinsic/intrinsic_depth.txt", _k4(K))
    poses = []
    for i, eye in enumerate(EYES):
        P = look_at(np.array(eye), np.array(CHAIR[0]))
        write_rgb(root / "color" / f"{i}.jpg", g)
        write_u16(root / "depth" / f"{i}.png", np.full((H, W), 3000))
        (root / "pose").mkdir(exist_ok=True)
        np.savetxt(root / "pose" / f"{i}.txt", Ainv @ P)
        poses.append(P)
        if i in instance_frames:
            write_u16(root / "instance-filt" / f"{i}.png", np.full((H, W), 5))
    return A, V, V_u, poses


def test_scannet_mesh_lands_where_the_poses_see_it(tmp_path):
    root = tmp_path / "scene0007_00"
    A, V, V_u, poses = _write_scannet(root)
    scene = read_source(root, annotated_only=False)
    assert scene.has_annotations and scene.metadata["annotation"]["instance_ids"] == "instance-filt and projected mesh"
    ann = scene.annotations()
    assert {o.id: o.category for o in ann.objects} == {1: "chair", 5: "table", 7: "floor"}
    assert scene.metadata["categories"] == {1: "chair", 5: "table", 7: "floor"}
    assert set(ann.structure) == {"floor"} and len(ann.structure["floor"]) == 2
    assert (ann.face_ids == 0).sum() == 1  # the unannotated triangle
    chair = next(o for o in ann.objects if o.id == 1)
    assert len(chair.mesh_vertices) == 8 and len(chair.mesh_faces) == 12
    np.testing.assert_allclose(chair.size, [0.5, 0.5, 0.9], atol=1e-5)
    # a known vertex: the mesh was stored unaligned; the scene holds it aligned, where the poses are
    corner = V[7]
    assert np.abs(ann.vertices - corner).max(axis=1).min() < 1e-5
    f = scene.frames[1]
    by_hand = (K @ (np.linalg.inv(np.linalg.inv(A) @ poses[1]) @ np.append(V_u[7], 1))[:3])
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, corner), by_hand[:2] / by_hand[2], atol=1e-4)
    # frame 0 keeps its instance-filt ids; frame 1 has none and sees the projected mesh
    assert (scene.frames[0].instances() == 5).all()
    inst = f.instances()
    c, r = _pixel(f.pose, (-0.25, 0.0, 0.45))  # middle of the chair's face towards the camera
    assert inst[r, c] == 1
    c, r = _pixel(f.pose, (-0.6, -0.6, 0.0))  # bare floor
    assert inst[r, c] == 7
    assert set(np.unique(inst)) <= {0, 1, 5, 7}
    pickle.loads(pickle.dumps(scene))


def test_scannet_annotations_can_be_left_out_and_bad_files_are_named(tmp_path):
    root = tmp_path / "scene0008_00"
    _write_scannet(root)
    scene = read_source(root, annotations=False)
    assert not scene.has_annotations and "annotation" not in scene.metadata
    assert len(scene.frames) == 1  # only the frame with 2-D instances, as before
    (root / f"{root.name}_vh_clean_2.0.010000.segs.json").write_text(json.dumps({"segIndices": [0, 1, 2]}))
    scene = read_source(root)
    with pytest.raises(SceneError, match="3 segment indices for a mesh of 23 vertices") as e:
        scene.annotations()
    assert e.value.file.endswith("segs.json")


def test_scannet_without_segments_has_no_annotations(tmp_path):
    root = tmp_path / "scene0009_00"
    _write_scannet(root)
    (root / f"{root.name}_vh_clean_2.0.010000.segs.json").unlink()
    scene = read_source(root)
    assert not scene.has_annotations and scene.metadata["categories"][5] == "table"


# ------------------------------------------------------------------------------------------- ScanNet++

def _write_scannetpp(root, drop_pose=False):
    g = rng(5)
    V, F = _room_mesh()
    write_ply(root / "scans" / "mesh_aligned_0.05.ply", V, F, alpha=False)
    (root / "scans" / "segments.json").write_text(json.dumps({"segIndices": list(range(len(V)))}))
    (root / "scans" / "segments_anno.json").write_text(json.dumps({"segGroups": [
        {"id": 1, "objectId": 1, "label": "office chair", "segments": list(range(8)),
         "obb": {"centroid": list(CHAIR[0]), "axesLengths": list(CHAIR[1]),
                 "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, 1]}},
        {"id": 2, "objectId": 2, "label": "floor", "segments": list(range(16, 20))}]}))
    meta, poses = {}, []
    for i, eye in enumerate(EYES):
        name = f"frame_{i * 10:06d}"
        P = look_at(np.array(eye), np.array(CHAIR[0]))
        write_rgb(root / "iphone" / "rgb" / f"{name}.jpg", g)
        write_u16(root / "iphone" / "depth" / f"{name}.png", np.full((H // 2, W // 2), 2500))
        meta[name] = {"timestamp": 12.5 + i, "intrinsic": K.tolist(), "pose": np.eye(4).tolist(),
                      "aligned_pose": P.tolist(), "imu": {}}
        if drop_pose and i == 1:
            del meta[name]["aligned_pose"]
        poses.append(P)
    (root / "iphone" / "pose_intrinsic_imu.json").write_text(json.dumps(meta))
    return V, poses


def test_scannetpp_iphone_frames_with_projected_instances(tmp_path):
    root = tmp_path / "0a5c013435"
    V, poses = _write_scannetpp(root)
    assert detect_format(root) == "scannetpp" and detect_format(root / "iphone") == "scannetpp"
    scene = read_source(root)
    assert scene.id == "0a5c013435" and len(scene.frames) == 2 and scene.source == "scannetpp"
    assert scene.metadata["categories"] == {2: "office chair", 3: "floor"}
    ann = scene.annotations()
    assert {o.id: o.category for o in ann.objects} == {2: "office chair", 3: "floor"}
    np.testing.assert_allclose(ann.vertices, V, atol=1e-6)  # ScanNet++'s mesh is in the poses' world
    f = scene.frames[0]
    np.testing.assert_allclose(f.pose, poses[0])
    X = V[3]
    Xc = np.linalg.inv(poses[0]) @ np.append(X, 1)
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), (K @ Xc[:3])[:2] / Xc[2], atol=1e-9)
    assert f.depth().shape == (H, W) and f.depth()[5, 5] == pytest.approx(2.5)
    inst = f.instances()
    c, r = _pixel(f.pose, (-0.25, 0.05, 0.45))
    assert inst[r, c] == 2
    c, r = _pixel(f.pose, (1.2, 0.9, 0.75))  # the table is not annotated here: only its surface hides
    assert inst[r, c] == 0
    assert read_source(root / "iphone").id == "0a5c013435"


def test_scannetpp_frames_without_aligned_pose_are_skipped(tmp_path):
    root = tmp_path / "0b"
    _write_scannetpp(root, drop_pose=True)
    scene = read_source(root, annotations=False)
    assert len(scene.frames) == 1 and scene.metadata["skipped"][0]["reason"] == "no aligned_pose"
    assert not scene.has_annotations and not scene.has_instances


def test_scannetpp_frames_pass_the_shared_pose_checks(tmp_path):
    """A pose rounded to 4 decimals is re-orthonormalised (and the instance map projected through the
    corrected pose); one scaled by 1.1 drops its frame with the reason, not the scene."""
    root = tmp_path / "0c"
    _write_scannetpp(root)
    path = root / "iphone" / "pose_intrinsic_imu.json"
    meta = json.loads(path.read_text())
    first, second = sorted(meta)
    meta[first]["aligned_pose"] = np.round(np.asarray(meta[first]["aligned_pose"]), 4).tolist()
    scaled = np.asarray(meta[second]["aligned_pose"])
    scaled[:3, :3] *= 1.1
    meta[second]["aligned_pose"] = scaled.tolist()
    path.write_text(json.dumps(meta))
    scene = read_source(root)
    assert len(scene.frames) == 1 and scene.metadata["source_frame_names"] == [first]
    assert scene.metadata["pose_corrections"]["corrected"] == 1
    dropped = scene.metadata["dropped_frames"]
    assert [d["frame"] for d in dropped] == [second] and dropped[0]["error"] == "PoseError"
    f = scene.frames[0]
    R = f.pose[:3, :3]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    c, r = _pixel(f.pose, (-0.25, 0.05, 0.45))
    assert f.instances()[r, c] == 2


def test_scannet_rounded_axis_alignment_moves_poses_and_mesh_alike(tmp_path):
    root = tmp_path / "scene0010_00"
    A, V, V_u, poses = _write_scannet(root)
    rounded = np.round(A, 4)
    (root / f"{root.name}.txt").write_text("axisAlignment = " + " ".join(f"{x:.4f}" for x in rounded.reshape(-1)))
    scene = read_source(root, annotated_only=False)
    assert scene.metadata["pose_corrections"]["corrected"] >= 1
    align = np.asarray(scene.metadata["axis_alignment"])
    np.testing.assert_allclose(align[:3, :3].T @ align[:3, :3], np.eye(3), atol=1e-12)
    ann = scene.annotations()
    moved = V_u @ align[:3, :3].T + align[:3, 3]
    np.testing.assert_allclose(ann.vertices, moved, atol=1e-5)  # the mesh follows the corrected alignment
    f = scene.frames[1]
    c, r = _pixel(f.pose, (-0.25, 0.0, 0.45))
    assert f.instances()[r, c] == 1


# ----------------------------------------------------------------------------------------- ARKitScenes

VIDEO = "47331606"


def _write_arkit(tmp_path):
    g = rng(11)
    root = tmp_path / VIDEO / f"{VIDEO}_frames"
    yaw = np.radians(30)
    axes = np.array([[np.cos(yaw), np.sin(yaw), 0], [-np.sin(yaw), np.cos(yaw), 0], [0, 0, 1.0]])
    boxes = [("chair", (0.0, 0.0, 0.4), (0.6, 0.4, 0.8), axes), ("table", (1.5, 1.0, 0.35), (1.0, 0.6, 0.7), np.eye(3))]
    root.mkdir(parents=True)
    (tmp_path / VIDEO / f"{VIDEO}_3dod_annotation.json").write_text(json.dumps({
        "skipped": False, "comment": "", "stats": {},
        "data": [{"uid": f"u{k}", "label": lab, "objectId": k, "attributes": {},
                  "segments": {"obbAligned": {"centroid": list(c), "axesLengths": list(s),
                                              "normalizedAxes": ax.reshape(-1).tolist()},
                               "obb": {"centroid": list(c), "axesLengths": list(s),
                                       "normalizedAxes": ax.reshape(-1).tolist()}}}
                 for k, (lab, c, s, ax) in enumerate(boxes)]}))
    lines, poses = [], []
    for k, (t, depth_mm) in enumerate(((100.0, 5000), (100.1, 1000))):
        ts = f"{t:.3f}"
        P = look_at(np.array(EYES[0]), np.array(boxes[0][1]))
        w2c = np.linalg.inv(P)
        rvec = Rotation.from_matrix(w2c[:3, :3]).as_rotvec()
        lines.append(f"{t:.6f} " + " ".join(f"{x:.17g}" for x in (*rvec, *w2c[:3, 3])))
        write_rgb(root / "lowres_wide" / f"{VIDEO}_{ts}.png", g)
        write_u16(root / "lowres_depth" / f"{VIDEO}_{ts}.png", np.full((H, W), depth_mm))
        (root / "lowres_wide_intrinsics").mkdir(exist_ok=True)
        (root / "lowres_wide_intrinsics" / f"{VIDEO}_{ts}.pincam").write_text(f"{W} {H} {FX} {FY} {CX} {CY}")
        poses.append(P)
    (root / "lowres_wide.traj").write_text("\n".join(lines) + "\n")
    return boxes, poses


def test_arkitscenes_boxes_project_through_the_trajectory(tmp_path):
    boxes, poses = _write_arkit(tmp_path)
    scene = read_source(tmp_path / VIDEO)
    assert scene.metadata["categories"] == {1: "chair", 2: "table"}
    ann = scene.annotations()
    chair = ann.objects[0]
    assert chair.attributes["shape"] == "box" and chair.attributes["uid"] == "u0"
    np.testing.assert_allclose(sorted(chair.size), [0.4, 0.6, 0.8], atol=1e-9)
    # the corner at +axis0, +axis1, +axis2: centroid + half lengths along the rows of normalizedAxes
    _, c, s, ax = boxes[0]
    corner = np.asarray(c) + 0.5 * np.asarray(s) @ ax
    assert np.abs(chair.mesh_vertices - corner).max(axis=1).min() < 1e-12
    # the same world point through the trajectory line (world-to-camera, axis-angle) by hand
    f = scene.frames[0]
    w2c = np.linalg.inv(poses[0])
    Xc = w2c[:3, :3] @ corner + w2c[:3, 3]
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, corner), (K @ Xc)[:2] / Xc[2], atol=1e-7)
    # projected instances: the chair is seen where measured depth (5 m) lies behind it, hidden
    # where the depth (1 m) shows something nearer the annotation lacks
    col, row = _pixel(f.pose, c)
    assert scene.frames[0].instances()[row, col] == 1
    assert (scene.frames[1].instances() == 0).all()


def test_arkitscenes_skipped_or_absent_annotation(tmp_path):
    _write_arkit(tmp_path)
    path = tmp_path / VIDEO / f"{VIDEO}_3dod_annotation.json"
    data = json.loads(path.read_text())
    data["skipped"] = True
    path.write_text(json.dumps(data))
    scene = read_source(tmp_path / VIDEO)
    assert not scene.has_annotations and not scene.has_instances
    data["skipped"] = False
    data["data"][0]["segments"] = {"obb": {"centroid": [0, 0, 0], "axesLengths": [1, 1, -1],
                                           "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, 1]}}
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match="positive lengths") as e:
        read_source(tmp_path / VIDEO)
    assert e.value.file.endswith("_3dod_annotation.json")
    path.unlink()
    assert not read_source(tmp_path / VIDEO).has_annotations
