"""Realistic mask errors: boundaries, misses by size, fragments and identity switches."""

import math

import numpy as np
import pytest
from scipy import ndimage

from spacevista.perception.realistic import MaskErrorState, RealisticConfig, realistic_masks
from spacevista.perception.realistic.masks import miss_probability

OFF = RealisticConfig.all_off


def squares(h=120, w=160):
    """Three 30x30 objects far apart and one touching neighbour pair."""
    inst = np.zeros((h, w), np.int32)
    inst[10:40, 10:40] = 1
    inst[10:40, 100:130] = 2
    inst[70:100, 40:70] = 3
    inst[70:100, 70:100] = 4  # touches 3
    return inst


def run_frames(inst, config, n, seed=0):
    rng = np.random.default_rng(seed)
    state = MaskErrorState(next_id=int(inst.max()) + 1)
    return [realistic_masks(inst, config, rng, state) for _ in range(n)], state


def test_all_off_is_exact():
    inst = squares()
    outs, _ = run_frames(inst, OFF(), 3)
    assert all(np.array_equal(o, inst) and o.dtype == np.int32 for o in outs)


def test_boundaries_shift_by_up_to_px_per_object_and_frame_and_are_jagged():
    inst = squares()
    px = 2
    outs, _ = run_frames(inst, OFF(mask_boundary_px=px, mask_jitter=0.5), 40)
    # distance of every pixel to the nearest boundary between different labels
    edges = np.zeros(inst.shape, bool)
    edges[:, 1:] |= inst[:, 1:] != inst[:, :-1]
    edges[1:, :] |= inst[1:, :] != inst[:-1, :]
    dist = ndimage.distance_transform_edt(~edges)
    shifts = []
    for o in outs:
        changed = o != inst
        assert changed.any() and dist[changed].max() <= px + 3  # near boundaries only
        # a pixel changes to background or to a neighbouring object, never jumps labels elsewhere
        assert np.all((o[changed] == 0) | (inst[changed] == 0))
        for oid in (1, 2):  # isolated squares: area change / perimeter is the mean boundary shift
            shifts.append(((o == oid).sum() - 900) / 120)
    shifts = np.array(shifts)
    assert shifts.min() < -1.2 and shifts.max() > 1.2  # both erosion and dilation, by up to 2 px
    assert np.all(np.abs(shifts) < px + 1)
    assert len(np.unique(np.round(shifts))) >= 4  # varies by object and frame
    # jagged: with no whole-pixel shift, one mask both loses and gains pixels along its boundary
    jag, _ = run_frames(inst, OFF(mask_jitter=0.8), 10)
    assert any(((o != 1) & (inst == 1)).any() and ((o == 1) & (inst != 1)).any() for o in jag)


def test_small_objects_are_missed_more():
    inst = np.zeros((100, 100), np.int32)
    inst[:50, :50] = 1  # 25% of the image
    inst[80:84, 80:84] = 2  # 16 px: 0.16% of the image
    cfg = OFF(miss_rate=0.05, miss_small=0.5, miss_area=0.002)
    outs, _ = run_frames(inst, cfg, 1000)
    missed_big = np.mean([not (o == 1).any() for o in outs])
    missed_small = np.mean([not (o == 2).any() for o in outs])
    p_small = 0.05 + 0.5 * math.exp(-16 / 20)
    assert miss_probability(np.array([16.0]), 10000, cfg)[0] == pytest.approx(p_small)
    assert missed_big == pytest.approx(0.05, abs=0.025)
    assert missed_small == pytest.approx(p_small, abs=0.05)
    assert missed_small > 4 * missed_big


def test_fragments_split_a_mask_and_give_a_piece_a_new_id_or_lose_it():
    inst = squares()
    outs, state = run_frames(inst, OFF(fragment_rate=1.0), 20)
    new_ids = []
    lost = 0
    for o in outs:
        assert np.all((o == inst) | (o == 0) | (o > 4))  # only whole pieces of objects change
        for oid in range(1, 5):
            kept = (o == oid).sum()
            assert 0.15 * 900 <= kept <= 0.85 * 900  # every object was cut
        extra = [int(i) for i in np.unique(o) if i > 4]
        new_ids += extra
        lost += int(((o == 0) & (inst > 0)).any())
        for i in extra:
            assert len(np.unique(inst[o == i])) == 1  # a new id covers a piece of one object
    assert len(new_ids) == len(set(new_ids)) > 20  # fresh ids, never reused
    assert lost > 5 and state.next_id == max(new_ids) + 1


def test_identity_switches_are_rare_persistent_and_permute_labels():
    inst = squares()
    outs, state = run_frames(inst, OFF(id_switch_rate=0.2), 30, seed=5)
    first = next(k for k, o in enumerate(outs) if not np.array_equal(o, inst))
    assert all(not np.array_equal(o, inst) for o in outs[first:])  # persists once made
    for o in outs:
        assert np.array_equal(o == 0, inst == 0)
        pairs = set(zip(inst[inst > 0].tolist(), o[inst > 0].tolist()))
        assert len(pairs) == 4 and len({b for _, b in pairs}) == 4
    assert state.perm and sorted(state.perm) == sorted(set(state.perm.values()))


def test_identity_switches_stay_within_a_category():
    inst = squares()
    rng = np.random.default_rng(2)
    state = MaskErrorState(next_id=5, categories={1: "mug", 2: "apple", 3: "mug", 4: "book"})
    outs = [realistic_masks(inst, OFF(id_switch_rate=0.5), rng, state) for _ in range(30)]
    assert state.perm  # switches happened, and only between the two mugs
    assert {k for k, v in state.perm.items() if k != v} == {1, 3}
    assert np.array_equal(outs[-1] == 2, inst == 2) and np.array_equal(outs[-1] == 4, inst == 4)


def test_masks_deterministic_and_default_config_changes_them():
    inst = squares()
    a, _ = run_frames(inst, RealisticConfig(), 8, seed=3)
    b, _ = run_frames(inst, RealisticConfig(), 8, seed=3)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    assert any(not np.array_equal(x, inst) for x in a)
