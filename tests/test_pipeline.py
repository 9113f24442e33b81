"""The real pipeline (face_recognition + our LiteRT CNN on Ray actors) on the real clips."""

import numpy as np
import pytest

from analysis.core import face_measures
from analysis.core.emotions import EMOTIONS
from analysis.core.executors import LocalExecutor
from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.head_pose import head_pose
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig, SegmentRequest
from analysis.core.video_source import Segment, plan_segments, probe
from analysis.runs.ray_executor import RayExecutor

from .conftest import VIDEOS

NEGATIVE = {"angry", "disgust", "fear", "sad"}


@pytest.fixture(scope="module")
def ray_executor(ray_session):
    """Ray actors with the real detector and classifier, shared by this module's tests."""
    with RayExecutor(AnalyzerConfig()) as executor:
        yield executor


def run(executor, name: str, sample_fps: float | None = 5.0) -> CollectingSink:
    path = str(VIDEOS / name)
    sink = CollectingSink()
    analyze_video(path, probe(path), sample_fps, executor, sink)
    return sink


def dominant_between(person: dict, start: float, end: float) -> str:
    probabilities = [s["p"] for s in person["samples"] if start <= s["t"] <= end]
    assert probabilities, f"no samples between {start} and {end} s"
    return EMOTIONS[int(np.argmax(np.mean(probabilities, axis=0)))]


@pytest.fixture(scope="module")
def results(ray_executor):
    names = ["single_face.mp4", "no_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov"]
    return {name: run(ray_executor, name) for name in names}


def test_single_face_is_one_happy_person(results):
    sink = results["single_face.mp4"]
    assert len(sink.persons) == 1
    person = sink.persons[0]
    assert person["dominant"] == "happy"
    assert len(person["samples"]) == 12  # 2.4 s at 5 frames per second
    assert sink.progress_calls[-1] == (12, 12)


def test_every_sample_has_a_head_pose_and_the_man_looks_into_the_camera(results):
    (person,) = results["single_face.mp4"].persons
    poses = np.array([(s["yaw"], s["pitch"]) for s in person["samples"]], dtype=float)
    assert not np.isnan(poses).any()
    assert np.abs(poses).max() < 30 and np.abs(np.median(poses, axis=0)).max() < 15
    assert person["attention"] >= 0.9 and person["valence"] > 0.3  # he smiles into the camera


def test_yunet_faces_take_their_pose_from_the_five_points_on_ray_as_in_one_process(results, monkeypatch):
    from analysis.core import segment_analyzer

    paths = []

    def recording_head_pose(points, five=None):
        paths.append("five" if five is not None else "three")
        return head_pose(points, five)

    monkeypatch.setattr(segment_analyzer, "head_pose", recording_head_pose)
    (local,) = run(LocalExecutor(AnalyzerConfig(threads=1)), "single_face.mp4").persons
    assert paths and set(paths) == {"five"}  # the mouth is read: a bowed head does not fold (head_pose.py)
    (on_ray,) = results["single_face.mp4"].persons
    local_poses = [(s["yaw"], s["pitch"]) for s in local["samples"]]
    assert local_poses == [(s["yaw"], s["pitch"]) for s in on_ray["samples"]]


# docs/clip-labels.csv: single_face.mp4's man is calm over 0.0-0.6 s and smiles broadly over 0.8-2.2 s.
CALM_S, SMILING_S = (0.0, 0.6), (0.8, 2.2)


def measure_between(person: dict, name: str, stretch: tuple[float, float]) -> np.ndarray:
    return np.array([s[name] for s in person["samples"] if stretch[0] <= s["t"] <= stretch[1]], dtype=float)


def test_every_face_sample_has_its_six_facial_measures(results):
    for clip in ("single_face.mp4", "WolfgangLanger_Pexels.mp4"):
        (person,) = results[clip].persons
        assert all(s[name] is not None for s in person["samples"] for name in MEASURE_NAMES), clip
    (man,) = results["single_face.mp4"].persons
    values = {name: np.array([s[name] for s in man["samples"]]) for name in MEASURE_NAMES}
    # He looks into the camera with his eyes open throughout (docs/facial-states.md's typical ranges).
    assert 0.2 < values["ear_left"].min() and values["ear_left"].max() < 0.5
    assert 0.2 < values["ear_right"].min() and values["ear_right"].max() < 0.5
    assert 0.0 <= values["mouth_open"].min() and values["mouth_open"].max() < 0.6
    assert 0.25 < values["brow_height"].min() and values["brow_height"].max() < 0.6
    assert 0.25 < values["brow_inner"].min() and values["brow_inner"].max() < 0.6
    assert 0.6 < values["smile"].min() and values["smile"].max() < 1.6


def test_the_smile_measure_is_higher_in_the_labelled_smiling_stretch_than_in_the_calm_one(results):
    (man,) = results["single_face.mp4"].persons
    calm, smiling = measure_between(man, "smile", CALM_S), measure_between(man, "smile", SMILING_S)
    assert len(calm) >= 3 and len(smiling) >= 6
    assert smiling.min() > calm.max()
    assert np.median(smiling) - np.median(calm) > 0.15  # facial_states.SMILING: the smiling state's margin
    # His broad smile shows his teeth: the lips part.
    assert np.median(measure_between(man, "mouth_open", SMILING_S)) > np.median(
        measure_between(man, "mouth_open", CALM_S)
    )


def test_a_face_smaller_than_the_landmarks_minimum_gets_no_measures(monkeypatch):
    monkeypatch.setattr(face_measures, "MIN_FACE_PX", 10_000)  # every face of the clip is smaller
    (person,) = run(LocalExecutor(AnalyzerConfig(threads=1)), "single_face.mp4").persons
    assert len(person["samples"]) == 12
    assert all(s[name] is None for s in person["samples"] for name in MEASURE_NAMES)
    assert all(s["yaw"] is not None for s in person["samples"])  # the rest of the sample is still there


def test_no_face_completes_with_zero_persons(results):
    sink = results["no_face.mp4"]
    assert sink.persons == []
    assert sink.progress_calls and sink.progress_calls[-1][0] == 20


def test_crying_then_laughing_is_one_person_sad_then_happy(results):
    sink = results["WolfgangLanger_Pexels.mp4"]
    assert len(sink.persons) == 1
    person = sink.persons[0]
    assert dominant_between(person, 0, 9) in NEGATIVE
    assert dominant_between(person, 12, 19.7) == "happy"
    assert person["last_s"] > 19


def test_person_leaving_the_frame_is_seen_only_in_the_first_part(results):
    sink = results["face_noface.mov"]
    assert len(sink.persons) == 1
    person = sink.persons[0]
    assert person["first_s"] < 0.5
    assert person["last_s"] < 4.0  # the clip lasts 6.4 s; the face is gone well before
    # Timestamps come from the stream: strictly increasing, within the clip.
    times = [s["t"] for s in person["samples"]]
    assert times == sorted(times) and times[-1] < 6.4


def test_samples_carry_boxes_and_probabilities(results):
    sample = results["single_face.mp4"].persons[0]["samples"][0]
    x, y, w, h = sample["box"]
    assert 0 <= x < 640 and 0 <= y < 360 and w > 40 and h > 40
    assert len(sample["p"]) == 7 and sum(sample["p"]) == pytest.approx(1.0, abs=1e-3)


def test_dim_stage_with_cutaways_does_not_crash(ray_executor):
    sink = run(ray_executor, "short_hamilton_clip.mp4", sample_fps=2.0)
    assert sink.progress_calls[-1][0] >= 18
    for person in sink.persons:
        assert person["first_s"] <= person["last_s"]


def test_a_short_clips_progress_moves_with_each_of_its_segments(ray_executor):
    sink = run(ray_executor, "short_hamilton_clip.mp4")  # 9.2 s: four parts
    done = [d for d, _ in sink.progress_calls]
    assert len(done) == len(plan_segments(probe(str(VIDEOS / "short_hamilton_clip.mp4")), 5.0)) == 4
    assert done == sorted(done) and 0 < done[0] < done[-1] == 46
    assert {total for _, total in sink.progress_calls} == {46}


def test_ray_counts_a_segment_as_it_finishes_even_behind_a_slower_one(ray_session):
    path = str(VIDEOS / "WolfgangLanger_Pexels.mp4")
    video_s = probe(path).duration_s
    # Segments 0 and 1 go to the first actor, one after the other; the second actor's short segment 2
    # is done long before segment 0 and waits to be handed over in order, but counts at once.
    bounds = [(0.0, 16.0), (16.0, 17.0), (17.0, None)]
    requests = [SegmentRequest(path, Segment(i, start, end), 5.0, video_s) for i, (start, end) in enumerate(bounds)]
    events = []

    def finished(samples: int) -> None:
        events.append(("finished", samples))

    with RayExecutor(AnalyzerConfig(), workers=2) as executor:
        for result in executor.map_segments(requests, on_finished=finished):
            events.append(("yielded", result.segment.number, result.samples))
    yielded = [event for event in events if event[0] == "yielded"]
    assert [number for _, number, _ in yielded] == [0, 1, 2]
    samples = {number: count for _, number, count in yielded}
    assert events[0] == ("finished", samples[2])
    assert sorted(count for kind, count, *_ in events if kind == "finished") == sorted(samples.values())


def test_several_people_in_1080p_get_distinct_ids(ray_executor):
    sink = run(ray_executor, "street_1080p.mp4", sample_fps=5.0)
    assert len(sink.persons) >= 4
    assert min(s["box"][3] for person in sink.persons for s in person["samples"]) <= 30  # faces of ~20-30 px
    # Two faces of one frame never belong to the same person.
    for person in sink.persons:
        frames = [s["frame"] for s in person["samples"]]
        assert len(frames) == len(set(frames))


def test_segments_on_ray_give_what_one_process_gives(ray_executor, results):
    """Each actor decodes its own segments; stitched, they equal a one-process run over the same plan."""
    local = run(LocalExecutor(AnalyzerConfig(threads=1)), "WolfgangLanger_Pexels.mp4")
    on_ray = results["WolfgangLanger_Pexels.mp4"]
    assert len(local.persons) == len(on_ray.persons) == 1
    local_samples, ray_samples = local.persons[0]["samples"], on_ray.persons[0]["samples"]
    assert [s["t"] for s in local_samples] == [s["t"] for s in ray_samples]
    assert [s["box"] for s in local_samples] == [s["box"] for s in ray_samples]
    assert np.allclose([s["p"] for s in local_samples], [s["p"] for s in ray_samples], atol=1e-4)


def test_actors_keep_tensorflow_out_and_are_shared_by_the_next_job(ray_executor):
    import ray

    from analysis.runs.ray_executor import RayExecutor

    health = ray.get([actor.health.remote() for actor in ray_executor.actors])
    assert health and not any(h["tensorflow"] for h in health)
    with RayExecutor(AnalyzerConfig()) as next_job:  # the same named actors, already warm
        assert [a._actor_id for a in next_job.actors] == [a._actor_id for a in ray_executor.actors]
