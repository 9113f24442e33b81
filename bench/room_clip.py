"""The four-person room clip: a 2x2 mosaic of the real test clips, made with OpenCV (no ffmpeg); and the
speaker-among-listeners mosaic of the talking check (docs/clip-labels.md).

Used by the browser test of the room view, the README's screenshots and bench/room_mood.py, so all
three look at the same room: top left WolfgangLanger_Pexels.mp4 (crying, then laughing), top right
single_face.mp4 (smiling), bottom left face_noface.mov (calm, then smiling, then leaving), bottom
right WolfgangLanger_Pexels.mp4 mirrored. 1280x720, VP8 (a codec Chromium plays and OpenCV writes).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def _frames(path: Path, first: int = 0, last: int | None = None) -> list[np.ndarray]:
    """The clip's frames `first` to `last` (inclusive; None: to the end), each resized to a 640x360 tile."""
    capture = cv2.VideoCapture(str(path))
    out = []
    index = 0
    while (read := capture.read())[0] and (last is None or index <= last):
        if index >= first:
            out.append(cv2.resize(read[1], (640, 360)))
        index += 1
    return out


def room_mosaic(videos: Path, path: Path) -> Path:
    """Write the clip to `path` (a .webm) from the clips in the `videos` folder; as long as WolfgangLanger's."""
    wolfgang = _frames(videos / "WolfgangLanger_Pexels.mp4")
    smile, leaving = _frames(videos / "single_face.mp4"), _frames(videos / "face_noface.mov")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), 24, (1280, 720))
    for i, frame in enumerate(wolfgang):
        top = np.hstack([frame, smile[i % len(smile)]])
        bottom = np.hstack([leaving[i % len(leaving)], cv2.flip(frame, 1)])
        writer.write(np.vstack([top, bottom]))
    writer.release()
    return path


# The talking check's tiles (docs/clip-labels.md, "The talking check", chosen by watching before any tuning):
# the Hamilton clip's shot C, a man singing, and its shot D, three audience members listening, one laughing.
SINGER_FRAMES = (82, 210)
AUDIENCE_FRAMES = (211, 274)


def speaker_mosaic(videos: Path, path: Path) -> Path:
    """Write the talking check's clip to `path` (an .avi of Motion JPEG, quick to write and read): top left
    the singer (looped), top right single_face.mp4 (a held smile, looped), bottom left
    WolfgangLanger_Pexels.mp4 (crying, then laughing), bottom right the audience (looped); as long as
    WolfgangLanger's, 24 fps, 1280x720."""
    hamilton = videos / "short_hamilton_clip.mp4"
    singer, audience = _frames(hamilton, *SINGER_FRAMES), _frames(hamilton, *AUDIENCE_FRAMES)
    smile, wolfgang = _frames(videos / "single_face.mp4"), _frames(videos / "WolfgangLanger_Pexels.mp4")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 24, (1280, 720))
    for i, frame in enumerate(wolfgang):
        top = np.hstack([singer[i % len(singer)], smile[i % len(smile)]])
        writer.write(np.vstack([top, np.hstack([frame, audience[i % len(audience)]])]))
    writer.release()
    return path
