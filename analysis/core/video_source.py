"""Reading videos: probing a file and iterating its sampled frames with stream timestamps."""

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from .container_check import check_container
from .video_error import VideoError

# A stream that decodes to fewer frames than this share of what its container
# declares is treated as truncated (no_face.mp4 declares 98 and decodes 95).
MIN_DECODED_SHARE = 0.9
# OpenCV's frame count is kept unless it and the container's length of the video differ by more than this.
COUNT_MISMATCH_S = 1.0
# A video up to SHORT_SEGMENTS first segments long is cut into that many equal parts (none under
# MIN_SHORT_SEGMENT_S): enough for a few workers to share it evenly.
SHORT_SEGMENTS = 4
MIN_SHORT_SEGMENT_S = 4.0
# How far before a segment a seek lands, so keyframe seeking on variable frame rates never skips
# the segment's first frames.
SEEK_MARGIN_S = 1.0


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    fps: float
    width: int
    height: int
    frame_count: int


@dataclass(frozen=True)
class SampledFrame:
    index: int  # position in the decoded stream, 0-based
    t: float  # presentation time in seconds, from the stream
    image: np.ndarray  # BGR, uint8


def _open(path: str, threads: int | None = None) -> cv2.VideoCapture:
    """A capture of `path`, decoding with `threads` (None: FFmpeg's choice, every core)."""
    if threads is None:
        capture = cv2.VideoCapture(str(path))
    else:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, threads])
    if not capture.isOpened():
        capture.release()
        raise VideoError("This file has no video stream that can be decoded.")
    return capture


def probe(path: str) -> VideoInfo:
    """Check that `path` holds a whole, decodable video stream and describe it.

    The container check decodes the end of the stream; OpenCV, which reads the frames of an
    analysis, must read the first frame and one near the end. So an empty, truncated or
    undecodable file is refused here rather than late in an analysis.
    """
    video_s = check_container(path)
    capture = _open(path)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        ok, first = capture.read()
        if not ok or first is None:
            raise VideoError("This file has no video stream that can be decoded.")
        if fps <= 0 or fps > 1000:
            raise VideoError("The video stream has no usable frame rate.")
        if not capture.grab():
            raise VideoError("This file holds a single picture, not a video.")
        if frame_count <= 1 or abs(frame_count / fps - video_s) > COUNT_MISMATCH_S:
            # OpenCV counts from the file's length, which a webm may not declare, or a longer sound
            # track sets: count from the video's own length.
            frame_count = max(2, round(video_s * fps))
        else:
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(frame_count * MIN_DECODED_SHARE) - 1)
            ok, _ = capture.read()
            if not ok:
                raise VideoError("The video stream ends early: the file looks truncated.")
        height, width = first.shape[:2]
        return VideoInfo(duration_s=frame_count / fps, fps=fps, width=width, height=height, frame_count=frame_count)
    finally:
        capture.release()


def expected_samples(info: VideoInfo, sample_fps: float | None) -> int:
    """How many frames sampling at `sample_fps` (None: every frame) should yield."""
    if sample_fps is None or sample_fps >= info.fps:
        return info.frame_count
    return max(1, int(info.duration_s * sample_fps + 0.999))


def iter_sampled_frames(
    path: str,
    sample_fps: float | None,
    start_s: float = 0.0,
    end_s: float | None = None,
    video_s: float | None = None,
    threads: int | None = None,
) -> Iterator[SampledFrame]:
    """Yield frames at about `sample_fps` per second of video (None: every frame), from `start_s` to `end_s`.

    Every frame is grabbed (decoding is sequential) but only sampled ones are
    converted, and the choice follows stream timestamps, so variable frame rate
    video is sampled evenly in time. Sampling slots lie on one grid from t=0, so
    segments read separately give exactly the frames of one pass. One frame is
    held at a time. Reading to the end, fewer frames than `video_s` (the probed length; else what
    OpenCV reads from the file) hold means the file was cut after its upload. `threads`: decoding
    threads (None: FFmpeg's choice).
    """
    capture = _open(path, threads)
    try:
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        period = 0.0 if sample_fps is None else 1.0 / sample_fps
        seeked = start_s > 0
        if seeked:
            # Land before the segment (OpenCV seeks to a keyframe, then decodes forward to an
            # estimated frame), then skip by the stream's own timestamps: exact for variable rates.
            capture.set(cv2.CAP_PROP_POS_MSEC, max(0.0, (start_s - SEEK_MARGIN_S) * 1000.0))
        next_t = start_s
        index = 0
        last_t = -1.0
        while capture.grab():
            t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if end_s is not None and t >= end_s - 1e-6:
                return
            last_t = t
            if seeked:
                index = max(0, int(round(capture.get(cv2.CAP_PROP_POS_FRAMES))) - 1)
            if t + 1e-6 >= next_t:
                ok, image = capture.retrieve()
                if ok:
                    yield SampledFrame(index=index, t=t, image=image)
                    if period:
                        # The next slot on the time grid after t, never behind it.
                        next_t = (math.floor(t / period + 1e-6) + 1) * period
            index += 1
        if last_t < 0 and not seeked:
            raise VideoError("The video stream could not be decoded.")
        if video_s is not None:  # the probe's length of the video, which OpenCV's count can miss
            declared = round(video_s * fps) if fps > 0 else 0
        declared_s = declared / fps if fps > 0 else 0.0
        if declared > 1 and last_t + 1.0 / max(fps, 1.0) < declared_s * MIN_DECODED_SHARE:
            decoded = f"{max(last_t, 0.0):.1f} s" if seeked else f"{index} of {declared} frames"
            raise VideoError(f"The video stream ended after {decoded}: the file looks truncated.")
    finally:
        capture.release()


@dataclass(frozen=True)
class Segment:
    """A time range of the video that one worker decodes and analyses on its own."""

    number: int
    start_s: float
    end_s: float | None  # None: to the end of the stream


def plan_segments(
    info: VideoInfo, sample_fps: float | None, first_s: float = 5.0, longest_s: float = 30.0
) -> list[Segment]:
    """Cut the video into segments that grow from `first_s` to `longest_s`, and shrink again at the end
    (a short video: into a few equal parts).

    Short first segments give the first results within a second or two; long middle ones keep
    the per-segment cost (a seek, a full detection, new identity encodings) small; a segment is
    never longer than half of what is left, so workers finish together instead of one working
    alone through a long last segment. Boundaries lie on the sampling grid, so segments together
    sample exactly what one pass samples.
    """
    period = 0.0 if sample_fps is None else 1.0 / sample_fps
    bounds = [0.0]
    if info.duration_s <= SHORT_SEGMENTS * first_s:
        # A short video: equal parts, so that a few workers share it evenly.
        count = max(1, min(SHORT_SEGMENTS, int(info.duration_s / MIN_SHORT_SEGMENT_S)))
        for i in range(1, count):
            end = info.duration_s * i / count
            bounds.append(math.ceil(end / period - 1e-6) * period if period else end)
        return _segments(bounds)
    grown = first_s
    while True:
        length = max(first_s, min(grown, longest_s, (info.duration_s - bounds[-1]) / 2))
        if bounds[-1] + length >= info.duration_s - first_s / 2:  # no sliver of a last segment
            break
        end = bounds[-1] + length
        if period:
            end = math.ceil(end / period - 1e-6) * period
        bounds.append(end)
        grown *= 2
    return _segments(bounds)


def _segments(bounds: list[float]) -> list[Segment]:
    return [
        Segment(number=i, start_s=start, end_s=bounds[i + 1] if i + 1 < len(bounds) else None)
        for i, start in enumerate(bounds)
    ]
