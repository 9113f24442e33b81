"""Linking faces into persons (analysis.core.person_linker), on synthetic observations."""

import numpy as np

from analysis.core.frame_analyzer import FaceObservation, FrameResult
from analysis.core.person_linker import PersonLinker, iou

rng = np.random.default_rng(7)
ALICE = rng.normal(size=128)
ALICE /= np.linalg.norm(ALICE)
BOB = rng.normal(size=128)
BOB /= np.linalg.norm(BOB)
HAPPY = np.array([0, 0, 0, 1, 0, 0, 0], dtype=np.float32)
SAD = np.array([0, 0, 0, 0, 1, 0, 0], dtype=np.float32)


def face(encoding, box=(100, 100, 80, 80), probabilities=HAPPY, noise=0.02):
    jitter = rng.normal(scale=noise, size=128)
    return FaceObservation(box=box, probabilities=probabilities, encoding=encoding + jitter, thumbnail_jpeg=b"jpg")


def frames(*faces_per_frame, step=0.2):
    return [FrameResult(index=i, t=i * step, faces=list(f)) for i, f in enumerate(faces_per_frame)]


def link_all(results):
    linker = PersonLinker()
    keys = [[linked.track_key for linked in linker.link(result)] for result in results]
    return keys, linker.finish()


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 10, 10)) == 0.0
    assert 0.3 < iou((0, 0, 10, 10), (3, 0, 10, 10)) < 0.6


def test_one_face_over_time_is_one_person():
    keys, persons = link_all(frames(*[[face(ALICE)] for _ in range(10)]))
    assert len({k[0] for k in keys}) == 1
    assert len(persons) == 1 and persons[0].sample_count == 10
    assert persons[0].dominant == "happy"


def test_two_people_side_by_side_never_share_an_id():
    left, right = (50, 100, 80, 80), (300, 100, 80, 80)
    results = frames(*[[face(ALICE, left), face(BOB, right)] for _ in range(8)])
    keys, persons = link_all(results)
    assert all(k[0] != k[1] for k in keys)
    assert len(persons) == 2


def test_two_similar_faces_in_one_frame_still_get_two_ids():
    # Even when the encodings are close, one frame's faces go to different persons.
    results = frames(*[[face(ALICE, (50, 100, 80, 80)), face(ALICE, (300, 100, 80, 80))] for _ in range(5)])
    keys, persons = link_all(results)
    assert all(k[0] != k[1] for k in keys)
    assert len(persons) == 2


def test_leaving_and_coming_back_keeps_one_id():
    present = [[face(ALICE, (100, 100, 80, 80))] for _ in range(5)]
    absent = [[] for _ in range(20)]
    back = [[face(ALICE, (400, 50, 90, 90), probabilities=SAD)] for _ in range(5)]
    _, persons = link_all(frames(*present, *absent, *back))
    assert len(persons) == 1
    assert persons[0].sample_count == 10
    assert persons[0].first_s == 0.0 and persons[0].last_s == (5 + 20 + 4) * 0.2


def test_different_person_appearing_later_is_a_new_person():
    _, persons = link_all(frames(*[[face(ALICE)] for _ in range(5)], *[[face(BOB)] for _ in range(5)]))
    assert len(persons) == 2
    assert [p.number for p in persons] == [1, 2]


def test_short_false_positive_is_dropped():
    stray = rng.normal(size=128)
    results = frames(*[[face(ALICE)] for _ in range(5)], [face(ALICE), face(stray, (500, 10, 20, 20))])
    _, persons = link_all(results)
    assert len(persons) == 1


def test_mean_and_dominant_follow_the_probabilities():
    results = frames(*[[face(ALICE, probabilities=SAD)] for _ in range(3)], *[[face(ALICE)] for _ in range(1)])
    _, persons = link_all(results)
    assert persons[0].dominant == "sad"
    assert persons[0].mean[4] == 0.75 and persons[0].mean[3] == 0.25
