"""Videos made for tests from the real clips: other codecs, sizes, rates and damage (PyAV, no ffmpeg binary)."""

import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .conftest import VIDEOS


def real_frames(name: str = "single_face.mp4", seconds: float = 1.0) -> list[np.ndarray]:
    """The first `seconds` of a real clip, as BGR frames."""
    frames = []
    with av.open(str(VIDEOS / name)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            frames.append(frame.to_ndarray(format="bgr24"))
    return frames


def encode(
    path: Path,
    frames: list[np.ndarray],
    *,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    fps: int = 30,
    times_s: list[float] | None = None,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Write `frames` with `codec`; `times_s` gives each frame's own time (a variable frame rate)."""
    height, width = frames[0].shape[:2]
    time_base = Fraction(1, 1000) if times_s else Fraction(1, fps)
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.time_base = stream.codec_context.time_base = time_base
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format=pix_fmt)
            frame.pts = round(times_s[i] * 1000) if times_s else i
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def resized(frames: list[np.ndarray], width: int, height: int) -> list[np.ndarray]:
    return [cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR) for image in frames]


def remux(source: Path, path: Path, *, options: dict[str, str] | None = None, title: str = "") -> Path:
    """The same video packets in a new file, with the muxer's `options` and a `title` tag."""
    with av.open(str(source)) as original, av.open(str(path), "w", options=options or {}) as copy:
        if title:
            copy.metadata["title"] = title
        video = original.streams.video[0]
        stream = copy.add_stream_from_template(video)
        for packet in original.demux(video):
            if packet.dts is not None:
                packet.stream = stream
                copy.mux(packet)
    return path


def remux_index_first(source: Path, path: Path) -> Path:
    """The index (moov) before the data, as phones and websites write mp4."""
    return remux(source, path, options={"movflags": "faststart"})


def cut(source: Path, path: Path, share: float) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])
    return path


def overwrite_tail(source: Path, path: Path, share: float) -> Path:
    """The same size, with its last `share` of bytes replaced by noise (a damaged copy)."""
    data = bytearray(source.read_bytes())
    start = int(len(data) * (1 - share))
    data[start:] = np.random.default_rng(0).integers(0, 256, len(data) - start, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def empty_video(path: Path) -> Path:
    """A container with a video track that holds no frame, as a recording stopped at once writes it (mkv)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()  # the header and index, with no frame
    return path


def _mux_tone(container, stream, seconds: float) -> None:
    rate = stream.rate
    samples = (np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(rate * seconds))) * 0.2).astype(np.float32)
    for start in range(0, len(samples), 1024):
        frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    with av.open(str(path), "w") as container:
        _mux_tone(container, container.add_stream("aac", rate=44100), seconds)
    return path


def with_longer_sound(path: Path, frames: list[np.ndarray], sound_s: float, fps: int = 30) -> Path:
    """Video frames, then a sound track that goes on after them (a clip cut on the picture only)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = container.add_stream("aac", rate=44100)  # every stream before the first packet
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        _mux_tone(container, sound, sound_s)
    return path


def with_latin1_title(source: Path, path: Path) -> Path:
    """The same file with a title tag in Latin-1, not UTF-8, as old cameras and AVI tools write it."""
    marker = "Cafe-title-written-by-a-camera"
    remux(source, path, title=marker)
    data = path.read_bytes()
    assert data.count(marker.encode()) == 1
    path.write_bytes(data.replace(b"Cafe-", b"Caf\xe9-"))
    return path


def unknown_codec(source_mkv: Path, path: Path) -> Path:
    """A good Matroska file whose video track names a codec no decoder knows (same length id)."""
    data = source_mkv.read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    path.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_QUANTUM/XYZ42"))
    return path


def rotated_for_display(source: Path, path: Path) -> Path:
    """A phone-style mp4: frames stored turned a quarter left, and a display matrix that turns them back.

    The track header's matrix is written in place (PyAV cannot set it), as a camera writes it.
    """
    frames = [np.ascontiguousarray(np.rot90(image)) for image in real_frames(source.name, seconds=2.4)]
    encode(path, frames)
    data = bytearray(path.read_bytes())
    tkhd = data.find(b"tkhd")
    assert tkhd > 0 and data[tkhd + 4] == 0  # version 0 header
    matrix_at = tkhd + 4 + 4 + 4 * 5 + 8 + 2 * 4  # after version/flags, times, id, duration, layer...
    one, minus_one = 0x10000, -0x10000 & 0xFFFFFFFF
    # A 90° clockwise turn: [0 1 0; -1 0 0; 0 0 1] in 16.16 fixed point (w in 2.30).
    data[matrix_at : matrix_at + 36] = struct.pack(">9I", 0, one, 0, minus_one, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path
