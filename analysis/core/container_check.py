"""Checking a video file at upload, by its container's own account and by decoding its end.

OpenCV reads the frames of an analysis, but it seeks by the container's index and does not say when
the data behind that index is missing: an mp4 written index-first (as phones and websites write it)
and cut anywhere passes a frame-count check. So this module asks the container (via PyAV, FFmpeg's
own demuxers) what it declares and decodes the last second, where a cut file fails.
"""

from dataclasses import dataclass

import av

from .video_error import VideoError

# The largest frame analysed: 8K UHD. Larger frames cost over 100 MB each to decode.
MAX_FRAME_PIXELS = 7680 * 4320
# How much of the end is decoded, and how far before the declared end the last decoded frame may
# stop (no_face.mp4 declares 3.95 s and its last frame is at 3.92 s).
TAIL_S = 1.0
END_TOLERANCE_S = 0.5
# At most this many pixels are decoded at the end (about 300 1080p frames, 1.5 s here); the rest is
# only read.
TAIL_DECODE_PIXELS = 300 * 1920 * 1080
TAIL_UNREADABLE = "The end of the video cannot be decoded: the file looks truncated or damaged."


@dataclass(frozen=True)
class ContainerFacts:
    codec: str
    width: int
    height: int
    start_s: float
    duration_s: float  # as the container declares it
    last_frame_s: float  # the presentation time of the last frame that decodes


def check_container(path: str) -> ContainerFacts:
    """Raise VideoError, with a message for the user, unless `path` holds a whole, decodable video."""
    try:
        container = av.open(path)
    except av.error.EOFError as error:  # a header, then nothing: a recording stopped at once
        raise VideoError("The file ends before its first video frame.") from error
    except av.error.FFmpegError as error:
        raise VideoError("This file has no video stream that can be decoded.") from error
    with container:
        if not container.streams.video:
            only_audio = bool(container.streams.audio)
            raise VideoError("This file holds only audio." if only_audio else "This file has no video stream.")
        stream = container.streams.video[0]
        if stream.codec_context is None:  # the container names a codec FFmpeg does not know
            raise VideoError("Its video codec is not one we can decode.")
        codec = stream.codec_context.name
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_FRAME_PIXELS:
            raise VideoError(f"Its frames are {width}×{height}; the largest we analyse are 8K (7680×4320).")
        start_s, duration_s = _declared_span(container, stream)
        if duration_s <= 0:
            if _decodes_one_frame_only(container, stream):  # a picture (jpeg, png) under a video's name
                raise VideoError("This file holds a single picture, not a video.")
            raise VideoError("The video has no length: its container declares a duration of 0 s.")
        last_frame_s = _last_frame_time(container, stream, start_s + duration_s, codec)
    end_s = start_s + duration_s
    if last_frame_s < end_s - END_TOLERANCE_S:
        raise VideoError(
            f"The video stream stops at {last_frame_s - start_s:.1f} s of the {duration_s:.1f} s its container "
            "declares: the file looks truncated or damaged."
        )
    return ContainerFacts(codec, width, height, start_s, duration_s, last_frame_s)


def _declared_span(container, stream) -> tuple[float, float]:
    """The stream's start and duration in seconds; the container's where the stream has none (webm, mkv)."""
    base = stream.time_base
    start_s = float(stream.start_time * base) if stream.start_time is not None else 0.0
    if stream.duration:
        return start_s, float(stream.duration * base)
    if container.duration:
        return start_s, container.duration / av.time_base - start_s
    return start_s, 0.0


def _decodes_one_frame_only(container, stream) -> bool:
    try:
        return sum(1 for _, _ in zip(container.decode(stream), range(2))) == 1
    except av.error.FFmpegError:
        return False


def _last_frame_time(container, stream, end_s: float, codec: str) -> float:
    """Decode from the keyframe before the last TAIL_S to the end; the time of the last frame.

    A stream with sparse keyframes (a screen recording can have one a minute, or only one) would
    mean decoding most of the video: past TAIL_DECODE_PIXELS the rest of the packets are read
    without decoding, which still finds a cut file (its packets stop early), if not a damaged one.
    """
    base = stream.time_base
    frames_left = max(1, TAIL_DECODE_PIXELS // max(1, stream.codec_context.width * stream.codec_context.height))
    last_s = float("-inf")
    try:
        container.seek(max(0, int((end_s - TAIL_S) / base)), stream=stream, backward=True)
        for packet in container.demux(stream):
            if frames_left > 0:
                for frame in packet.decode():
                    frames_left -= 1
                    if frame.pts is not None:
                        last_s = max(last_s, float(frame.pts * base))
            elif packet.pts is not None:
                last_s = max(last_s, float(packet.pts * base))
    except av.error.DecoderNotFoundError as error:
        raise VideoError(f"Its video codec ({codec}) is not one we can decode.") from error
    except av.error.FFmpegError as error:
        raise VideoError(TAIL_UNREADABLE) from error
    if last_s == float("-inf"):
        raise VideoError(TAIL_UNREADABLE)
    return last_s
