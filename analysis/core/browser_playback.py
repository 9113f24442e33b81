"""Whether browsers play a video file as it is, or need a playable H.264 copy of it (a preview).

Browsers play H.264, VP8, VP9 and AV1 video, in mp4 (QuickTime's mov is the same container, and
Chromium plays an H.264 .mov) or in webm. An iPhone's HEVC, a camera's ProRes or an old MPEG-4 Part 2
shows a black picture with sound; an avi does not load at all. Those get a preview. Measured in
Debian's Chromium 156: H.264 in mp4, mov and mkv, 10-bit H.264 and VP9 webm play; HEVC in mov, H.264 or
MPEG-4 in avi do not. An mkv and 10-bit H.264 get a preview all the same: not every browser plays them
(Safari plays no mkv, and hardware H.264 decoders take 8 bits).
"""

from dataclasses import dataclass

import av

PLAYABLE_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
# FFmpeg's demuxers: mp4 and mov share one; webm is matroska's, holding only webm's codecs.
MP4_DEMUXER = "mov,mp4,m4a,3gp,3g2,mj2"
MATROSKA_DEMUXER = "matroska,webm"
WEBM_CODECS = frozenset({"vp8", "vp9", "av1"})
# Browsers decode 8-bit 4:2:0 H.264; its 10-bit and 4:2:2 or 4:4:4 profiles (cameras') are not played.
H264_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
CODEC_NAMES = {
    "h264": "H.264",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "hevc": "HEVC",
    "prores": "ProRes",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "mjpeg": "Motion JPEG",
    "dnxhd": "DNxHD",
    "h263": "H.263",
    "wmv3": "WMV",
}


@dataclass(frozen=True)
class SourceFormat:
    container: str  # FFmpeg's demuxer name
    video_codec: str  # FFmpeg's decoder name
    pixel_format: str


def read_format(path: str) -> SourceFormat:
    """The container, video codec and pixel format `path` declares (its header only)."""
    with av.open(path, metadata_errors="replace") as container:
        stream = container.streams.best("video")
        context = stream.codec_context if stream is not None else None
        codec = context.name if context is not None else ""
        pixel_format = (context.format.name if context is not None and context.format else "") or ""
        return SourceFormat(container.format.name, codec, pixel_format)


def browser_obstacle(source: SourceFormat) -> str:
    """Why browsers cannot play `source` as it is (for the user: "HEVC is not played by browsers"),
    or "" when they can."""
    codec = source.video_codec
    name = CODEC_NAMES.get(codec, codec.upper() or "Its codec")
    if codec not in PLAYABLE_CODECS:
        return f"{name} is not played by browsers"
    if codec == "h264" and source.pixel_format not in H264_PIXEL_FORMATS:
        return f"H.264 in {source.pixel_format or 'this pixel format'} is not played by browsers"
    if source.container == MP4_DEMUXER:
        return ""
    if source.container == MATROSKA_DEMUXER and codec in WEBM_CODECS:
        return ""
    kind = {MATROSKA_DEMUXER: "an MKV file", "avi": "an AVI file"}.get(source.container, "this container")
    return f"{name} in {kind} is not played by browsers"
