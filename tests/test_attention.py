"""Attention v2 (core/attention.py): facing the camera with the eyes open; a closure longer than a blink
counts against it, a blink does not. Synthetic series, then a real clip with one face's eyes held shut."""

import cv2
import numpy as np
import pytest

from analysis.core.attention import attending, attention_share, eyes_shut
from analysis.core.executors import LocalExecutor
from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import probe

from .conftest import VIDEOS

FPS = 5.0
OPEN = (0.30, 0.29, 0.05, 0.40, 0.45, 0.90)


def open_eyes(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(0.0, seconds, 1.0 / FPS)
    return t, np.tile(OPEN, (len(t), 1)).astype(float)


def shut_between(t, measures, start, end):
    during = (t >= start - 1e-9) & (t < end - 1e-9)
    measures[during, : MEASURE_NAMES.index("ear_right") + 1] = 0.08
    return during


def test_eyes_shut_longer_than_a_blink_stop_attention_a_blink_does_not():
    t, measures = open_eyes(30.0)
    blink = shut_between(t, measures, 4.0, 4.4)  # two samples: 0.4 s, a blink's length
    shut = shut_between(t, measures, 10.0, 15.0)  # five seconds
    yaw = pitch = np.zeros(len(t))
    values = attending(t, yaw, pitch, measures, max_deg=30.0)
    assert (values[shut] == 0).all() and (values[blink] == 1).all()
    assert (values[~shut] == 1).all()
    assert attention_share(values) == pytest.approx(1 - shut.sum() / len(t), abs=1e-4)


def test_turned_away_or_unknown_pose_is_as_before_and_no_measures_is_head_pose_only():
    t, measures = open_eyes(10.0)
    yaw = np.where(t < 5.0, 0.0, 45.0)  # turned away for the second half
    pitch = np.zeros(len(t))
    pitch[:3] = np.nan  # no pose
    values = attending(t, yaw, pitch, measures, max_deg=30.0)
    assert np.isnan(values[:3]).all() and (values[3:25] == 1).all() and (values[25:] == 0).all()

    shut_between(t, measures, 2.0, 4.0)
    unmeasured = np.full_like(measures, np.nan)
    pose_only = attending(t, yaw, pitch, unmeasured, max_deg=30.0)
    assert not eyes_shut(t, unmeasured).any()
    assert np.array_equal(pose_only, values, equal_nan=True)  # no measures: the head pose alone
    assert (attending(t, yaw, pitch, measures, max_deg=30.0)[10:20] == 0).all()  # measured: 2-4 s shut


# WolfgangLanger_Pexels.mp4 (24 fps): her eyes are shut on frame 386 (docs/clip-labels.md: the blink of
# frames 386-387). Held for 5 s between her frames 150-385 and 388-423, beside single_face.mp4 looped.
# Her crying before frame 141 and her laughing after 423 narrow her eyes to a closed eye's ratio.
HELD_FRAME, HOLD_S = 386, 5.0
BEFORE, AFTER = range(150, 386), range(388, 424)


def frames(name: str) -> list[np.ndarray]:
    video = cv2.VideoCapture(str(VIDEOS / name))
    read = []
    while True:
        ok, frame = video.read()
        if not ok:
            return read
        read.append(frame)


@pytest.fixture(scope="module")
def eyes_held_shut(tmp_path_factory):
    her, him = frames("WolfgangLanger_Pexels.mp4"), frames("single_face.mp4")
    assert len(her) == 472 and len(him) == 72, "the shared clips changed"
    fps = 24.0
    left = [her[i] for i in BEFORE] + [her[HELD_FRAME]] * int(HOLD_S * fps) + [her[i] for i in AFTER]
    path = tmp_path_factory.mktemp("attention") / "eyes_held_shut.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 360))
    for index, frame in enumerate(left):
        writer.write(np.hstack([frame, him[index % len(him)]]))
    writer.release()
    held = (len(BEFORE) / fps, len(BEFORE) / fps + HOLD_S)
    sink = CollectingSink()
    analyze_video(str(path), probe(str(path)), 5.0, LocalExecutor(AnalyzerConfig(threads=1)), sink)
    return sink.persons, held


def attending_of(person: dict) -> tuple[np.ndarray, np.ndarray]:
    samples = person["samples"]
    t = np.array([s["t"] for s in samples])
    measures = np.array([[np.nan if s[n] is None else s[n] for n in MEASURE_NAMES] for s in samples])
    yaw = np.array([s["yaw"] for s in samples], dtype=float)
    pitch = np.array([s["pitch"] for s in samples], dtype=float)
    return t, attending(t, yaw, pitch, measures, max_deg=30.0)


def test_a_face_whose_eyes_are_held_shut_stops_attending_for_those_seconds_and_no_other(eyes_held_shut):
    persons, (start, end) = eyes_held_shut
    assert len(persons) == 2
    her, him = sorted(persons, key=lambda person: person["samples"][0]["box"][0])  # left, right
    t, values = attending_of(her)
    inside = (t > start + 0.3) & (t < end - 0.3)
    outside = (t < start - 0.3) | (t > end + 0.3)
    assert inside.sum() >= 20 and (values[inside] == 0).all()
    assert np.nanmean(values[outside]) >= 0.9  # she faces the camera with her eyes open otherwise
    assert her["attention"] == pytest.approx(attention_share(values), abs=1e-4)
    assert her["attention"] < 0.75

    t, values = attending_of(him)
    during = (t > start) & (t < end)
    assert during.sum() >= 20 and np.nanmean(values[during]) >= 0.9  # his attention does not drop
    assert him["attention"] >= 0.9
