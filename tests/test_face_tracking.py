"""Detection that follows tracks (analysis.core.face_tracking and face_detection)."""

import numpy as np
import pytest

from analysis.core.face_detection import DetectorConfig, affinity, full_scan_scales
from analysis.core.face_tracking import FaceTracker, TrackingConfig

ALICE = np.ones(128, dtype=np.float32) / np.sqrt(128)
BOB = -ALICE


def test_full_scans_follow_the_schedule_and_scene_cuts():
    tracker = FaceTracker(TrackingConfig(full_scan_every_s=1.0, fine_scan_every_s=10.0))
    plans = {round(t, 1): tracker.plan(t, scene_cut=False) for t in np.arange(0, 2.2, 0.2)}
    assert [t for t, plan in plans.items() if plan.full] == [0.0, 1.0, 2.0]
    assert tracker.plan(2.2, scene_cut=True).full


def test_routine_scans_look_for_faces_the_size_of_those_tracked():
    tracker = FaceTracker(TrackingConfig())
    assert tracker.plan(0.0, False).smallest_tracked_px is None  # the first scan is fine
    tracker.update(0.0, [(100, 100, 200, 200), (500, 100, 100, 100)], None)
    plan = tracker.plan(1.0, False)
    assert plan.full and plan.smallest_tracked_px == 100


def test_hog_scan_scale_comes_from_the_face_size_and_is_capped():
    config = DetectorConfig(model="hog", min_face_px=40)
    assert full_scan_scales(config, 1920, 1080, None) == [pytest.approx(2.0)]  # 40 px faces -> 80 px boxes
    assert full_scan_scales(config, 1920, 1080, 200 / 0.7) == [pytest.approx(0.4)]  # 0.7 x the smallest tracked
    assert full_scan_scales(config, 7680, 4320, None) == [pytest.approx(0.5, abs=0.01)]  # 8K: no bigger than 1080p x2


def test_yunet_scans_small_faces_small_and_adds_a_coarse_scan_for_close_ups():
    config = DetectorConfig(model="yunet", min_face_px=20)
    # 20 px faces -> 12 px in YuNet's input; a face filling 0.6 x 1080 px would be 389 px there, over
    # YuNet's ~240: a second scan with the frame 240 px tall.
    assert full_scan_scales(config, 1920, 1080, None) == [pytest.approx(0.6), pytest.approx(240 / 1080)]
    # Never smaller than 96 px tall: a tiny image gives YuNet false faces.
    assert full_scan_scales(DetectorConfig(model="yunet", min_face_px=200), 640, 360, None) == [pytest.approx(96 / 360)]


@pytest.mark.parametrize("born_at, encoded_at", [(0.0, [10.0]), (0.2, [0.8, 10.8])])
def test_a_moving_face_keeps_its_track_with_sparse_encodings(born_at, encoded_at):
    """Encoded at birth, 0.6 s later (not for a face there from the segment's start: the stitching
    continues those by box), then every 10 s."""
    tracker = FaceTracker(TrackingConfig())
    tracker.plan(0.0, False)
    found = tracker.update(0.0, [] if born_at else [(100, 100, 40, 40)], None)
    if born_at:
        tracker.plan(born_at, False)
        found = tracker.update(born_at, [(100, 100, 40, 40)], None)
    (born,) = found
    assert born.encode
    tracker.record_encoding(born_at, born, ALICE)
    encoded = []
    for step in range(1, 60):
        t = round(born_at + step * 0.2, 1)
        plan = tracker.plan(t, False)
        moved = (100 + 15 * step, 100, 40, 40)  # 15 px a sample: little overlap, same face
        (face,) = tracker.update(t, [moved] if plan.full else None, lambda box, reach, moved=moved: [moved])
        assert face.local_id == born.local_id
        if face.encode:
            encoded.append(t)
            tracker.record_encoding(t, face, ALICE)
    assert encoded == encoded_at


def test_an_unsure_match_of_another_person_starts_a_new_track():
    tracker = FaceTracker(TrackingConfig())
    tracker.plan(0.0, False)
    (alice,) = tracker.update(0.0, [(100, 100, 80, 80)], None)
    tracker.record_encoding(0.0, alice, ALICE)
    tracker.plan(0.2, False)
    (face,) = tracker.update(0.2, None, lambda box, since: [(150, 120, 80, 80)])  # a weak continuation
    assert face.encode and face.check_identity
    assert tracker.record_encoding(0.2, face, BOB) != alice.local_id
    assert alice.local_id in tracker.ended


def test_a_face_not_seen_for_a_while_ends_its_track():
    tracker = FaceTracker(TrackingConfig(max_gap_s=1.0))
    tracker.plan(0.0, False)
    (face,) = tracker.update(0.0, [(100, 100, 80, 80)], None)
    for t in (0.2, 0.4, 0.6, 0.8, 1.0):
        tracker.plan(t, False)
        assert tracker.update(t, None, lambda box, since: []) == [] or t >= 1.0
    assert face.local_id in tracker.ended and not tracker.live


def test_affinity_prefers_near_boxes_of_a_similar_size():
    assert affinity((100, 100, 40, 40), (100, 100, 40, 40)) == 1.0
    assert affinity((100, 100, 40, 40), (115, 100, 40, 40)) > 0.3
    assert affinity((100, 100, 40, 40), (200, 100, 40, 40)) <= 0
    assert affinity((100, 100, 40, 40), (100, 100, 120, 120)) == 0.0


def test_at_a_high_sample_rate_faces_are_looked_for_again_ten_times_a_second():
    tracker = FaceTracker(TrackingConfig(redetect_every_s=0.1, busy_scan_every_s=1.0))
    tracker.plan(0.0, False)
    tracker.update(0.0, [(100, 100, 80, 80)], None)
    searched = []
    for frame in range(1, 25):  # one second at 25 frames per second
        t = frame / 25
        plan = tracker.plan(t, False)
        assert not plan.full
        (face,) = tracker.update(t, None, lambda box, since, t=t: searched.append(t) or [(101, 100, 80, 80)])
        assert face.box in ((100, 100, 80, 80), (101, 100, 80, 80))  # every sample keeps its face
    assert 8 <= len(searched) <= 12
