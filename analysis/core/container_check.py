"""Checking a video file at upload, by its container's own account and by reading its end.

OpenCV reads the frames of an analysis, but it seeks by the container's index and does not say when
the data behind that index is missing: an mp4 written index-first (as phones and websites write it)
and cut anywhere passes a frame-count check. So this module asks the container (via PyAV, FFmpeg's
own demuxers) what it declares, then reads its last second, decoding the video there, where a cut
file fails. A file that declares no length (a browser's MediaRecorder webm) is read to its end.
"""

from dataclasses import dataclass

import av

from .video_error import VideoError

# FFmpeg's demuxers for the extensions uploads may have (mp4 and mov, mkv and webm, avi); a file
# any other demuxer recognises (an image, a playlist, raw streams) is refused whatever its name.
DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi")
# The largest frame analysed: 8K UHD. Larger frames cost over 100 MB each to decode.
MAX_FRAME_PIXELS = 7680 * 4320
# How much of the end is read, and how far before the declared end the data may stop (no_face.mp4
# declares 3.95 s and its last frame ends at 3.96 s; an audio track's padding differs by a frame).
TAIL_S = 1.0
END_TOLERANCE_S = 0.5
# At most this many pixels are decoded at the end (about 300 1080p frames, 1.5 s here): past them,
# with sparse keyframes, the packets are only read, which still finds a cut file.
TAIL_DECODE_PIXELS = 300 * 1920 * 1080
TAIL_UNREADABLE = "The end of the video cannot be decoded: the file looks truncated or damaged."


@dataclass
class _Tail:
    last_frame_s: float = float("-inf")  # where the last decoded video frame ends
    video_end_s: float = float("-inf")  # where the last video packet ends
    data_end_s: float = float("-inf")  # where the last packet of any stream ends
    frames: int = 0  # video frames decoded
    decoded_all: bool = True  # every video packet read was decoded (none past the budget)


def check_container(path: str) -> float:
    """The video's length in seconds; VideoError, with a message for the user, unless `path` holds a
    whole, decodable video."""
    try:
        # Old cameras write Latin-1 titles: a tag that is not UTF-8 must not refuse (or crash) the check.
        container = av.open(path, metadata_errors="replace")
    except av.error.EOFError as error:  # a header, then nothing: a recording stopped at once
        raise VideoError("The file ends before its first video frame.") from error
    except av.error.FFmpegError as error:
        raise VideoError("This file has no video stream that can be decoded.") from error
    with container:
        if container.format.name not in DEMUXERS:
            if container.format.name.endswith("_pipe") or container.format.name == "image2":
                raise VideoError("This file holds a single picture, not a video.")
            raise VideoError(f"It is not an mp4, mov, webm, mkv or avi file (its format: {container.format.name}).")
        stream = container.streams.best("video")  # not a cover picture stored as a video stream
        if stream is None:
            raise VideoError("This file holds only audio." if container.streams.audio else "This file has no video.")
        if stream.codec_context is None:  # the container names a codec FFmpeg does not know
            raise VideoError("Its video codec is not one we can decode.")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_FRAME_PIXELS:
            raise VideoError(f"Its frames are {width}×{height}; the largest we analyse are 8K (7680×4320).")
        start_s, declared_s = _declared_span(container, stream)
        stream_declares = bool(stream.duration)  # mp4, mov and avi do; mkv and webm give the file's only
        tail = _read_tail(container, stream, start_s + declared_s if declared_s > 0 else None)
    if tail.frames == 0:
        raise VideoError(TAIL_UNREADABLE)
    if tail.decoded_all and tail.last_frame_s < tail.video_end_s - END_TOLERANCE_S:
        raise VideoError(TAIL_UNREADABLE)  # the packets are there but do not decode: damaged
    if declared_s <= 0 and tail.frames == 1:  # nothing declared, and one frame in the whole file
        raise VideoError("This file holds a single picture, not a video.")
    if declared_s > 0 and tail.data_end_s < start_s + declared_s - END_TOLERANCE_S:
        raise VideoError(
            f"The video stream stops at {tail.data_end_s - start_s:.1f} s of the {declared_s:.1f} s its container "
            "declares: the file looks truncated or damaged."
        )
    # The video's own length: declared by its stream, else where its last packet ends (the tail read
    # reaches the end of the file), which a sound track going on longer does not stretch.
    return declared_s if stream_declares else tail.video_end_s - start_s


def _declared_span(container, stream) -> tuple[float, float]:
    """The stream's start and declared duration in seconds (the whole file's where the stream has none,
    as in mkv and webm); a duration of 0 where neither declares one."""
    base = stream.time_base
    start_s = float(stream.start_time * base) if stream.start_time is not None else 0.0
    if stream.duration:
        return start_s, float(stream.duration * base)
    if container.duration:
        return start_s, max(0.0, container.duration / av.time_base - start_s)
    return start_s, 0.0


def _read_tail(container, stream, end_s: float | None) -> _Tail:
    """Read every stream from the keyframe before the last TAIL_S (from the start when `end_s` is not
    known) to the end, decoding the video up to TAIL_DECODE_PIXELS.

    Every stream counts for where the data ends: a video track may end before the sound, and a cut
    file stops them all.
    """
    pixels = max(1, stream.codec_context.width * stream.codec_context.height)
    frames_left = max(2, TAIL_DECODE_PIXELS // pixels)
    frame_s = 1 / float(stream.average_rate) if stream.average_rate else 0.0
    tail = _Tail()
    try:
        if end_s is not None:
            container.seek(max(0, int((end_s - TAIL_S) / stream.time_base)), stream=stream, backward=True)
        for packet in container.demux():
            is_video = packet.stream is stream
            if packet.pts is not None and packet.time_base is not None:
                length = float(packet.duration * packet.time_base) if packet.duration else frame_s
                packet_end_s = float(packet.pts * packet.time_base) + length
                tail.data_end_s = max(tail.data_end_s, packet_end_s)
                if is_video:
                    tail.video_end_s = max(tail.video_end_s, packet_end_s)
            if not is_video:
                continue
            if tail.frames >= frames_left:
                tail.decoded_all = False
                continue
            for frame in packet.decode():
                tail.frames += 1
                if frame.pts is not None:
                    tail.last_frame_s = max(tail.last_frame_s, float(frame.pts * stream.time_base) + frame_s)
    except av.error.DecoderNotFoundError as error:
        raise VideoError(f"Its video codec ({stream.codec_context.name}) is not one we can decode.") from error
    except av.error.FFmpegError as error:
        raise VideoError(TAIL_UNREADABLE) from error
    return tail
