"""One process analysing on several threads (LocalExecutor(workers=N)) and decoding ahead, on real clips.

What `analyze_video` runs without a Ray cluster: segments on a thread per core, each thread with its
own models; results must be those of one thread, in order, and a stopped run must leave no thread.
"""

import threading

import numpy as np
import pytest

from analysis.core.executors import LocalExecutor
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_error import VideoError
from analysis.core.video_source import SampledFrame, decoded_ahead, iter_sampled_frames, probe

from .conftest import VIDEOS

CLIP = "WolfgangLanger_Pexels.mp4"  # 19.7 s: four segments, one person crying then laughing


def analysed(executor: LocalExecutor, name: str = CLIP) -> CollectingSink:
    path = str(VIDEOS / name)
    sink = CollectingSink()
    analyze_video(path, probe(path), 5.0, executor, sink)
    return sink


@pytest.fixture(scope="module")
def one_thread():
    return analysed(LocalExecutor(AnalyzerConfig(threads=1)))


def test_threads_give_the_results_of_one_thread_in_order(one_thread):
    threaded = analysed(LocalExecutor(AnalyzerConfig(), workers=3))
    assert len(threaded.persons) == len(one_thread.persons) == 1
    ours, theirs = threaded.persons[0]["samples"], one_thread.persons[0]["samples"]
    assert [s["t"] for s in ours] == [s["t"] for s in theirs] == sorted(s["t"] for s in theirs)
    assert [s["box"] for s in ours] == [s["box"] for s in theirs]
    assert np.abs(np.array([s["p"] for s in ours]) - np.array([s["p"] for s in theirs])).max() < 1e-5
    assert len(ours) == 99


class StopAfterFirstSegment(CollectingSink):
    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        raise RuntimeError("cancelled")


def test_a_stopped_run_leaves_no_segment_thread_behind():
    path = str(VIDEOS / CLIP)
    with pytest.raises(RuntimeError, match="cancelled"):
        analyze_video(path, probe(path), 5.0, LocalExecutor(AnalyzerConfig(), workers=2), StopAfterFirstSegment())
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("segment")]


def test_decoding_ahead_yields_the_same_frames():
    path = str(VIDEOS / "single_face.mp4")
    plain = [(frame.index, frame.t) for frame in iter_sampled_frames(path, 5.0)]
    ahead = [(frame.index, frame.t) for frame in decoded_ahead(iter_sampled_frames(path, 5.0))]
    assert ahead == plain and len(plain) == 12


def test_a_decoding_error_reaches_the_consumer_after_the_frames_before_it():
    def cut_file():
        for i in range(3):
            yield SampledFrame(index=i, t=i / 5, image=np.zeros((4, 4, 3), np.uint8))
        raise VideoError("The video stream ended after 0.4 s: the file looks truncated.")

    received = []
    with pytest.raises(VideoError, match="truncated"):
        for frame in decoded_ahead(cut_file()):
            received.append(frame.index)
    assert received == [0, 1, 2]


def test_a_consumer_that_stops_early_ends_the_decoder():
    path = str(VIDEOS / CLIP)
    frames = decoded_ahead(iter_sampled_frames(path, 5.0), ahead=2)
    assert next(frames).index == 0
    frames.close()
    assert not [thread for thread in threading.enumerate() if thread.name == "decoder"]
