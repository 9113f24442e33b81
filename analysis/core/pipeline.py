"""The analysis pipeline: video file -> sampled frames -> chunks -> faces -> persons.

Results stream to a `ResultSink` chunk by chunk; nothing here holds more than
the chunks in flight, so memory does not grow with the video's length.
"""

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .executors import ChunkExecutor
from .person_linker import LinkedFace, LinkerConfig, PersonLinker, PersonSummary
from .video_source import SampledFrame, VideoInfo, expected_samples, iter_sampled_frames

# Frames per chunk: large enough that dispatch overhead is small, small enough
# that the frames in flight stay within a few tens of MB even at 1080p.
CHUNK_BYTES = 24 * 1024 * 1024
MAX_CHUNK_FRAMES = 16


class ResultSink(Protocol):
    def add(self, faces: list[LinkedFace]) -> None:
        """Faces of one chunk, in time order, each with its provisional track key."""

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        """Called after each chunk; may raise to stop the analysis (cancelled run)."""

    def finish(self, persons: list[PersonSummary]) -> None:
        """The final persons; each names the track keys it merges."""


@dataclass
class PipelineStats:
    frames_analyzed: int
    persons: int
    faces: int
    elapsed_s: float


def chunk_frames(info: VideoInfo) -> int:
    frame_bytes = max(1, info.width * info.height * 3)
    return max(1, min(MAX_CHUNK_FRAMES, CHUNK_BYTES // frame_bytes))


def _chunks(frames: Iterator[SampledFrame], size: int) -> Iterator[list[SampledFrame]]:
    while chunk := list(itertools.islice(frames, size)):
        yield chunk


def analyze_video(
    path: str,
    info: VideoInfo,
    sample_fps: float | None,
    executor: ChunkExecutor,
    sink: ResultSink,
    linker_config: LinkerConfig | None = None,
) -> PipelineStats:
    started = time.monotonic()
    linker = PersonLinker(linker_config)
    total = expected_samples(info, sample_fps)
    frames_done = faces = 0
    chunks = _chunks(iter_sampled_frames(path, sample_fps), chunk_frames(info))
    for results in executor.map_chunks(chunks):
        linked = [face for result in results for face in linker.link(result)]
        sink.add(linked)
        frames_done += len(results)
        faces += len(linked)
        sink.progress(frames_done, max(total, frames_done), time.monotonic() - started)
    persons = linker.finish()
    sink.finish(persons)
    return PipelineStats(
        frames_analyzed=frames_done, persons=len(persons), faces=faces, elapsed_s=time.monotonic() - started
    )
