"""The analysis pipeline: video file -> segments -> tracked faces -> persons.

The video is cut into time segments (video_source.plan_segments); an executor analyses them,
each worker decoding its own segment, and hands back compact results in order. The linker
stitches the segments' tracks into persons and results stream to a `ResultSink` segment by
segment, so memory does not grow with the video's length.
"""

import time
from dataclasses import dataclass
from typing import Protocol

from .executors import SegmentExecutor
from .person_linker import LinkedFace, LinkerConfig, PersonLinker, PersonSummary
from .segment_analyzer import SegmentRequest
from .video_source import VideoInfo, expected_samples, plan_segments


class ResultSink(Protocol):
    def add(self, faces: list[LinkedFace]) -> None:
        """Faces of one segment, in time order, each with its provisional track key."""

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        """Called as each segment is analysed, in whatever order they finish (before its faces reach
        add()); may raise to stop the analysis (cancelled run)."""

    def finish(self, persons: list[PersonSummary]) -> None:
        """The final persons; each names the track keys it merges."""


@dataclass
class PipelineStats:
    frames_analyzed: int
    persons: int
    faces: int
    encodings: int
    elapsed_s: float
    workers: set[str]


def analyze_video(
    path: str,
    info: VideoInfo,
    sample_fps: float | None,
    executor: SegmentExecutor,
    sink: ResultSink,
    linker_config: LinkerConfig | None = None,
) -> PipelineStats:
    started = time.monotonic()
    linker = PersonLinker(linker_config)
    total = expected_samples(info, sample_fps)
    frames_done = faces = encodings = 0
    workers: set[str] = set()
    requests = [
        SegmentRequest(path, segment, sample_fps, info.duration_s) for segment in plan_segments(info, sample_fps)
    ]
    analysed = 0

    def segment_finished(samples: int) -> None:
        nonlocal analysed
        analysed += samples
        sink.progress(analysed, max(total, analysed), time.monotonic() - started)

    for result in executor.map_segments(requests, on_finished=segment_finished):
        linked = linker.add_segment(result)
        sink.add(linked)
        frames_done += result.samples
        faces += len(linked)
        encodings += result.encodings
        workers.add(result.worker)
    persons = linker.finish()
    sink.finish(persons)
    return PipelineStats(
        frames_analyzed=frames_done,
        persons=len(persons),
        faces=faces,
        encodings=encodings,
        elapsed_s=time.monotonic() - started,
        workers=workers,
    )
