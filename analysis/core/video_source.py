"""Reading videos: probing a file and iterating its sampled frames with stream timestamps."""

import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import av
import cv2
import numpy as np

from .browser_playback import browser_obstacle, read_format
from .container_check import check_container
from .video_error import VideoError

# A stream that decodes to fewer frames than this share of what its container
# declares is treated as truncated (no_face.mp4 declares 98 and decodes 95).
MIN_DECODED_SHARE = 0.9
# OpenCV's frame count is kept unless it and the container's length of the video differ by more than this.
COUNT_MISMATCH_S = 1.0
# A video up to SHORT_SEGMENTS first segments long is cut into that many equal parts (none under
# MIN_SHORT_SEGMENT_S): enough for a few workers to share it evenly, and for its progress to move
# before the end (a 9 s clip in 4 parts, not 2). Shorter parts would cost more in per-segment work
# (a seek, a full detection, identity encodings) than they give.
SHORT_SEGMENTS = 4
MIN_SHORT_SEGMENT_S = 2.0
# How far before a segment a seek lands, so keyframe seeking on variable frame rates never skips
# the segment's first frames.
SEEK_MARGIN_S = 1.0
# Frames decoded ahead of the analysis on a thread of their own (decoded_ahead): a 1080p frame is 6 MB.
DECODED_AHEAD = 4


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    fps: float
    width: int
    height: int
    frame_count: int
    # Why browsers cannot play the file as it is ("HEVC is not played by browsers"); "": they can.
    browser_obstacle: str = ""


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
        return VideoInfo(
            duration_s=frame_count / fps,
            fps=fps,
            width=width,
            height=height,
            frame_count=frame_count,
            browser_obstacle=browser_obstacle(read_format(path)),
        )
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

    Decoding is sequential, so every frame is decoded, except that a
    sparse sampling (at most half the frame rate) lets the decoder skip the frames no other frame refers
    to (B-frames, about half of a typical phone or x264 stream: 45% less decoding on 720p h264), which
    moves a sample by at most a frame. Only sampled frames are converted, and the choice follows stream
    timestamps, so variable frame rate video is sampled evenly in time. Sampling slots lie on one grid
    from t=0, and the skipped frames are the same whatever the starting point, so segments read
    separately give exactly the frames of one pass. One frame is held at a time. Reading to the end,
    fewer frames than `video_s` (the probed length; else the container's) hold means the file was cut
    after its upload.
    `threads`: decoding threads (None: FFmpeg's choice).
    """
    try:
        container = av.open(str(path), metadata_errors="replace")  # a title tag in Latin-1 is no reason to fail
    except av.error.FFmpegError as error:
        raise VideoError("This file has no video stream that can be decoded.") from error
    with container:
        if not container.streams.video:
            raise VideoError("This file has no video stream that can be decoded.")
        stream = container.streams.video[0]
        if threads is None:
            stream.thread_type = "AUTO"
        else:
            stream.thread_count = threads
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        period = 0.0 if sample_fps is None else 1.0 / sample_fps
        if sample_fps is not None and fps > 0 and sample_fps * 2 <= fps:
            stream.codec_context.skip_frame = "NONREF"
        counted = sample_fps is None or stream.codec_context.skip_frame != "NONREF"
        time_base, first_pts = stream.time_base, stream.start_time or 0
        seeked = start_s > 0
        if seeked:
            # Land on the keyframe before the segment (and a margin), then skip by the stream's own
            # timestamps: exact for variable rates.
            target = max(0.0, start_s - SEEK_MARGIN_S)
            container.seek(first_pts + int(target / time_base), stream=stream, backward=True)
            counted = False
        next_t = start_s
        index = 0
        last_t = -1.0
        for frame in _decoded(container, stream):
            if frame.pts is None:
                continue
            t = float((frame.pts - first_pts) * time_base)
            if end_s is not None and t >= end_s - 1e-6:
                return
            if t < last_t - 1e-6 or (seeked and t + 1e-6 < start_s):
                index += 1
                continue
            last_t = t
            if not counted:
                index = round(t * fps)
            if t + 1e-6 >= next_t:
                yield SampledFrame(index=index, t=t, image=_upright(frame))
                if period:
                    # The next slot on the time grid after t, never behind it.
                    next_t = (math.floor(t / period + 1e-6) + 1) * period
            index += 1
        if last_t < 0 and not seeked:
            raise VideoError("The video stream could not be decoded.")
        declared_s = video_s if video_s is not None else _container_length_s(container, stream)
        if declared_s > 0 and fps > 0 and last_t + 1.0 / fps < declared_s * MIN_DECODED_SHARE:
            declared = round(declared_s * fps)
            decoded = f"{max(last_t, 0.0):.1f} s" if seeked or not counted else f"{index} of {declared} frames"
            raise VideoError(f"The video stream ended after {decoded}: the file looks truncated.")


def decoded_ahead(frames: Iterator[SampledFrame], ahead: int = DECODED_AHEAD) -> Iterator[SampledFrame]:
    """`frames`, decoded on a thread of their own up to `ahead` frames before they are used; its errors
    (a VideoError for a cut file) are raised here, where the frame they stopped would have been."""
    slots: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    done = object()

    def decode() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        slots.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            slots.put(error)

    decoder = threading.Thread(target=decode, name="decoder", daemon=True)
    decoder.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # a consumer that stops early (an error, a cancelled run) ends the decoder too
        decoder.join()
        getattr(frames, "close", lambda: None)()


def _decoded(container, stream) -> Iterator:
    """The stream's frames; a decoding error ends them, as the end of a cut file does (the length check
    after decides)."""
    frames = container.decode(stream)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return
        yield frame


def _upright(frame) -> np.ndarray:
    """The frame as BGR pixels, turned as its display matrix says (a phone's portrait video)."""
    image = frame.to_ndarray(format="bgr24")
    quarter_turns = round(frame.rotation / 90) % 4
    return np.ascontiguousarray(np.rot90(image, quarter_turns)) if quarter_turns else image


# Public: h264_copy.py (blurred copies, browser previews) turns frames as the analysis did, so its boxes fit.
upright = _upright


def _container_length_s(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / av.time_base if container.duration else 0.0


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
