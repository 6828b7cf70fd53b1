import numpy as np

from spacevista.perception.association import (AssociationConfig, Detection, associate, box_iou, confirmed,
                                               keep_scene, mask_centroid_world, mask_iou, merge_tracks_3d)


def _box_mask(box, shape=(120, 160)):
    m = np.zeros(shape, bool)
    x1, y1, x2, y2 = map(int, box)
    m[y1:y2, x1:x2] = True
    return m


def _stream(rng, n_frames=20, with_masks=True):
    """Three objects moving smoothly; returns per-frame detections and their true identities."""
    starts = {1: (10.0, 10.0), 2: (80.0, 20.0), 3: (40.0, 70.0)}
    vel = {1: (2.0, 0.5), 2: (-1.5, 1.0), 3: (1.0, -0.5)}
    frames, truth = [], []
    for t in range(n_frames):
        dets, ids = [], []
        order = rng.permutation(3) + 1  # detector output order is arbitrary
        for oid in order:
            x = starts[oid][0] + vel[oid][0] * t
            y = starts[oid][1] + vel[oid][1] * t
            box = (x, y, x + 30, y + 25)
            dets.append(Detection(t, box, "cup", 0.9, _box_mask(box) if with_masks else None))
            ids.append(int(oid))
        frames.append(dets)
        truth.append(ids)
    return frames, truth


def _consistent(pred, truth):
    """Every predicted id maps to exactly one true id and vice versa."""
    pairs = {(p, t) for ps, ts in zip(pred, truth) for p, t in zip(ps, ts)}
    return len({p for p, _ in pairs}) == len(pairs) == len({t for _, t in pairs})


def test_iou_helpers():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30]])
    assert np.allclose(box_iou(a, b), [[50 / 150, 0.0]])
    ma, mb = _box_mask((0, 0, 10, 10)), _box_mask((5, 0, 15, 10))
    assert np.allclose(mask_iou([ma], [mb, ma]), [[50 / 150, 1.0]])


def test_associate_keeps_identities_with_masks_and_boxes():
    rng = np.random.default_rng(0)
    for with_masks in (True, False):
        frames, truth = _stream(rng, with_masks=with_masks)
        pred = associate(frames)
        assert _consistent(pred, truth)
        assert len({i for ids in pred for i in ids}) == 3


def test_associate_centre_distance_fallback():
    # a fast mover: boxes no longer overlap enough (IoU < 0.4) but centres stay within 32 px
    frames = [[Detection(0, (0, 0, 20, 20))], [Detection(1, (15, 0, 35, 20))], [Detection(2, (30, 0, 50, 20))]]
    assert associate(frames) == [[1], [1], [1]]
    # beyond 32 px the object gets a new identity
    frames = [[Detection(0, (0, 0, 20, 20))], [Detection(1, (40, 0, 60, 20))]]
    assert associate(frames) == [[1], [2]]
    # the threshold is the configured one
    assert associate(frames, AssociationConfig(centre_px=45)) == [[1], [1]]


def test_associate_label_and_gap():
    frames = [[Detection(0, (0, 0, 20, 20), "cup")], [Detection(1, (0, 0, 20, 20), "bowl")]]
    assert associate(frames) == [[1], [2]]
    det = Detection(0, (0, 0, 20, 20))
    frames = [[det]] + [[] for _ in range(6)] + [[Detection(7, (0, 0, 20, 20))]]
    ids = associate(frames, AssociationConfig(max_gap=5))
    assert ids[0] == [1] and ids[-1] == [2]
    assert associate(frames, AssociationConfig(max_gap=10))[-1] == [1]


def test_switch_then_3d_merge_recovers_identities():
    """Object 1 leaves for 8 frames (2D track lost, new id on return); 3D merge restores one identity,
    while two co-visible objects of the same label stay separate even when close."""
    rng = np.random.default_rng(1)
    frames, truth = _stream(rng, n_frames=24)
    for t in range(8, 16):
        keep = [(d, i) for d, i in zip(frames[t], truth[t]) if i != 1]
        frames[t] = [d for d, _ in keep]
        truth[t] = [i for _, i in keep]
    pred = associate(frames, AssociationConfig(max_gap=5))
    n_tracks = len({i for ids in pred for i in ids})
    assert n_tracks == 4  # one spurious identity switch for object 1
    world = {1: np.array([0.0, 0.0, 0.0]), 2: np.array([3.0, 0.0, 0.0]), 3: np.array([0.2, 0.1, 0.0])}
    cents: dict[int, dict[int, np.ndarray]] = {}
    for t, (ps, ts) in enumerate(zip(pred, truth)):
        for p, tid in zip(ps, ts):
            cents.setdefault(p, {})[t] = world[tid] + rng.normal(0, 0.02, 3)
    labels = {k: "cup" for k in cents}
    merged = merge_tracks_3d(cents, labels, radius=0.5)
    final = [[merged[p] for p in ps] for ps in pred]
    assert _consistent(final, truth)
    assert len(set(merged.values())) == 3  # objects 1 and 3 are 0.22 m apart yet co-visible: not merged


def test_merge_respects_labels():
    cents = {1: {0: np.zeros(3)}, 2: {5: np.zeros(3)}}
    assert merge_tracks_3d(cents, {1: "cup", 2: "bowl"}, 0.5) == {1: 1, 2: 2}
    assert merge_tracks_3d(cents, {1: "cup", 2: "cup"}, 0.5) == {1: 1, 2: 1}


def test_mask_centroid_world():
    K = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    pose = np.eye(4)
    pose[:3, 3] = [1.0, 2.0, 3.0]
    depth = np.full((48, 64), 2.0)
    mask = np.zeros((48, 64), bool)
    mask[23:26, 31:34] = True  # centred on the principal point
    c = mask_centroid_world(depth, mask, K, pose)
    assert np.allclose(c, [1.0, 2.0, 5.0])
    assert mask_centroid_world(np.zeros((48, 64)), mask, K, pose) is None


def test_confirmation_and_scene_filter():
    hits = {1: 12, 2: 9, 3: 10}
    assert confirmed(hits, "outdoor") == {1, 3}
    assert confirmed(hits, "drone") == {1, 3}
    assert confirmed(hits, "indoor") == {1, 2, 3}
    assert not keep_scene(1, "outdoor") and keep_scene(2, "outdoor") and keep_scene(10, "outdoor")
    assert not keep_scene(11, "outdoor") and keep_scene(11, "indoor")


def test_duplicate_tracks():
    from spacevista.perception.association import duplicate_tracks

    a = _box_mask((10, 10, 40, 40))
    b = _box_mask((12, 10, 42, 40))  # the same object, slightly shifted: IoU ~0.88
    c = _box_mask((80, 60, 110, 90))
    masks = [{1: a, 3: c}, {1: a, 2: b, 3: c}, {2: b, 3: c}]
    assert duplicate_tracks(masks, {1: "cup", 2: "cup", 3: "cup"}) == {1: 1, 2: 1, 3: 3}
    assert duplicate_tracks(masks, {1: "cup", 2: "bowl", 3: "cup"}) == {1: 1, 2: 2, 3: 3}
