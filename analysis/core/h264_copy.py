"""Writing a video again as H.264 in mp4, which every browser plays: the one place that says how.

The blurred copy (face_blur.py) and the browser preview of a source browsers cannot play (an
iPhone's HEVC, a camera's ProRes...) are both written here: frames turned upright as the analysis
turns them (so the analysis's boxes fit), sized even (yuv420p halves both sides for its colour),
each at its own time from the stream's start (so a variable frame rate keeps the analysis's
timeline), with the sound as AAC.
"""

from collections.abc import Callable

import av
import numpy as np

from .video_error import VideoError
from .video_source import upright

# x264's quality and speed: visually close to the source, a few times faster than real time at 1080p.
X264_OPTIONS = {"crf": "20", "preset": "veryfast"}

# What a caller may do to each frame before it is written: (upright BGR image, its time in s) -> image.
FrameEdit = Callable[[np.ndarray, float], np.ndarray]


def frame_time(frame: av.VideoFrame, stream) -> float:
    """The frame's time in seconds from the stream's start, as the analysis's sample times are."""
    if frame.pts is None:
        return float(frame.time or 0.0)
    return float((frame.pts - (stream.start_time or 0)) * stream.time_base)


def _upright_size(source: str) -> tuple[int, int]:
    """Width and height of the upright frames, made even."""
    with av.open(source, metadata_errors="replace") as container:
        for frame in container.decode(video=0):
            height, width = upright(frame).shape[:2]
            return width // 2 * 2, height // 2 * 2
    raise VideoError("The video stream has no frames that can be decoded.")


def write_h264(
    source: str,
    target: str,
    edit: FrameEdit | None = None,
    progress: Callable[[int, int], None] | None = None,
    every: int = 25,
) -> int:
    """Write `target` (H.264 mp4, yuv420p, AAC sound if `source` has sound) from `source`'s frames,
    each passed through `edit` when given. `progress` (frames done, frames expected) is called every
    `every` frames and at the end. Returns the frames written."""
    try:
        src = av.open(source, metadata_errors="replace")
    except (av.FFmpegError, OSError) as error:
        raise VideoError("The video file could not be opened.") from error
    with src:
        if not src.streams.video:
            raise VideoError("This file has no video stream.")
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None
        total = vin.frames or round((src.duration or 0) / av.time_base * float(vin.average_rate or 25))
        width, height = _upright_size(source)
        with av.open(target, "w", format="mp4") as out:
            vout = out.add_stream("libx264", rate=vin.average_rate or 25)
            vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
            vout.options = dict(X264_OPTIONS)
            # The source's own clock: each frame keeps its time, whatever the frame rate does.
            vout.time_base = vout.codec_context.time_base = vin.time_base
            aout = None
            if ain is not None:
                aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 48000)
            streams = [vin] + ([ain] if ain is not None else [])
            done, last_pts = 0, -1
            for packet in src.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is vin:
                        t = frame_time(frame, vin)
                        image = upright(frame)[:height, :width]
                        if edit is not None:
                            image = edit(image, t)
                        written = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), "bgr24")
                        written = written.reformat(format="yuv420p")
                        # Strictly increasing, as the encoder needs (a damaged stream may repeat a time).
                        last_pts = max(last_pts + 1, round(t / vin.time_base))
                        written.pts, written.time_base = last_pts, vin.time_base
                        out.mux(vout.encode(written))
                        done += 1
                        if progress is not None and done % every == 0:
                            progress(done, max(total or 0, done))
                    elif aout is not None:
                        frame.pts = None
                        out.mux(aout.encode(frame))
            out.mux(vout.encode())
            if aout is not None:
                out.mux(aout.encode())
    if done == 0:
        raise VideoError("The video stream has no frames that can be decoded.")
    if progress is not None:
        progress(done, done)
    return done
