"""Stitching segments' tracklets into persons (analysis.core.person_linker), on synthetic tracklets."""

import numpy as np

from analysis.core.face_detection import iou
from analysis.core.face_measures import FaceMeasures
from analysis.core.person_linker import PersonLinker
from analysis.core.segment_analyzer import SegmentResult, Tracklet
from analysis.core.video_source import Segment

rng = np.random.default_rng(7)
ALICE = rng.normal(size=128)
ALICE /= np.linalg.norm(ALICE)
BOB = rng.normal(size=128)
BOB /= np.linalg.norm(BOB)
MEASURES = FaceMeasures(ear_left=0.3, ear_right=0.28, mouth_open=0.1, brow_height=0.35, brow_inner=0.4, smile=0.9)
HAPPY = np.array([0, 0, 0, 1, 0, 0, 0], dtype=np.float32)
SAD = np.array([0, 0, 0, 0, 1, 0, 0], dtype=np.float32)
STEP = 0.2


def tracklet(local_id, start, count, box=(100, 100, 80, 80), encoding=ALICE, probabilities=HAPPY, encodings=1):
    times = [start + i * STEP for i in range(count)]
    return Tracklet(
        local_id=local_id,
        times=times,
        frames=[round(t * 25) for t in times],
        boxes=[box] * count,
        probabilities=[probabilities] * count,
        qualities=[0.8] * count,
        poses=[(5.0, -3.0)] * count,
        measures=[MEASURES] * (count - 1) + [None],  # the last one too small for landmarks
        encodings=[encoding + rng.normal(scale=0.02, size=128) for _ in range(encodings)],
        thumbnail_jpeg=b"jpg",
        thumbnail_area=box[2] * box[3],
    )


def segment(number, start, end, *tracklets):
    return SegmentResult(
        segment=Segment(number, start, end), samples=int((end - start) / STEP), tracklets=list(tracklets), encodings=0
    )


def link_all(*segments):
    linker = PersonLinker()
    keys = [sorted({face.track_key for face in linker.add_segment(result)}) for result in segments]
    return keys, linker.finish()


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 10, 10)) == 0.0
    assert 0.3 < iou((0, 0, 10, 10), (3, 0, 10, 10)) < 0.6


def test_one_face_across_segments_is_one_person():
    keys, persons = link_all(segment(0, 0, 2, tracklet(1, 0.0, 10)), segment(1, 2, 4, tracklet(1, 2.0, 10)))
    assert keys == [[1], [1]]
    assert len(persons) == 1 and persons[0].sample_count == 20


def test_a_box_continued_at_a_boundary_needs_no_encoding():
    later = tracklet(1, 2.0, 10, encodings=0)
    keys, persons = link_all(segment(0, 0, 2, tracklet(1, 0.0, 10)), segment(1, 2, 4, later))
    assert keys == [[1], [1]] and len(persons) == 1


def test_two_people_side_by_side_never_share_an_id():
    left, right = (50, 100, 80, 80), (300, 100, 80, 80)
    first = segment(0, 0, 2, tracklet(1, 0.0, 10, left, ALICE), tracklet(2, 0.0, 10, right, BOB))
    second = segment(1, 2, 4, tracklet(1, 2.0, 10, right, BOB), tracklet(2, 2.0, 10, left, ALICE))
    keys, persons = link_all(first, second)
    assert keys == [[1, 2], [1, 2]]
    assert len(persons) == 2
    assert all(person.sample_count == 20 for person in persons)


def test_two_similar_faces_at_the_same_time_still_get_two_ids():
    # Even when the encodings are close, faces seen at the same time go to different persons.
    first = segment(0, 0, 2, tracklet(1, 0.0, 10, (50, 100, 80, 80)), tracklet(2, 0.0, 10, (300, 100, 80, 80)))
    keys, persons = link_all(first)
    assert keys == [[1, 2]] and len(persons) == 2


def test_leaving_and_coming_back_keeps_one_id():
    present = segment(0, 0, 2, tracklet(1, 0.0, 5))
    absent = segment(
        1,
        2,
        6,
    )
    back = segment(2, 6, 8, tracklet(1, 6.0, 5, (400, 50, 90, 90), probabilities=SAD))
    _, persons = link_all(present, absent, back)
    assert len(persons) == 1
    assert persons[0].sample_count == 10
    assert persons[0].first_s == 0.0 and persons[0].last_s == 6.0 + 4 * STEP


def test_different_person_appearing_later_is_a_new_person():
    _, persons = link_all(segment(0, 0, 2, tracklet(1, 0.0, 5)), segment(1, 2, 4, tracklet(1, 2.0, 5, encoding=BOB)))
    assert len(persons) == 2
    assert [p.number for p in persons] == [1, 2]


def test_short_false_positive_is_dropped():
    stray = rng.normal(size=128)
    _, persons = link_all(segment(0, 0, 2, tracklet(1, 0.0, 6), tracklet(2, 1.0, 1, (500, 10, 20, 20), stray)))
    assert len(persons) == 1


def test_linked_faces_carry_probabilities_and_quality():
    faces = PersonLinker().add_segment(segment(0, 0, 2, tracklet(1, 0.0, 3, probabilities=SAD)))
    assert len(faces) == 3
    assert all(face.face.quality == 0.8 and face.face.probabilities[4] == 1.0 for face in faces)
    assert [face.face.measures for face in faces] == [MEASURES, MEASURES, None]


def test_faces_carry_their_head_pose_and_persons_their_mean_encoding():
    first, later = tracklet(1, 0.0, 10), tracklet(1, 2.0, 10)
    linker = PersonLinker()
    faces = linker.add_segment(segment(0, 0, 2, first)) + linker.add_segment(segment(1, 2, 4, later))
    assert {(face.face.yaw, face.face.pitch) for face in faces} == {(5.0, -3.0)}
    (person,) = linker.finish()
    assert person.encoding.dtype == np.float32 and person.encoding.shape == (128,)
    assert np.allclose(person.encoding, np.mean(first.encodings + later.encodings, axis=0), atol=1e-6)
    assert np.linalg.norm(person.encoding - ALICE) < 0.3 < np.linalg.norm(person.encoding - BOB)
