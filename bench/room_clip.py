"""The four-person room clip: a 2x2 mosaic of the real test clips, made with OpenCV (no ffmpeg).

Used by the browser test of the room view, the README's screenshots and bench/room_mood.py, so all
three look at the same room: top left WolfgangLanger_Pexels.mp4 (crying, then laughing), top right
single_face.mp4 (smiling), bottom left face_noface.mov (calm, then smiling, then leaving), bottom
right WolfgangLanger_Pexels.mp4 mirrored. 1280x720, VP8 (a codec Chromium plays and OpenCV writes).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def _frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    out = []
    while (read := capture.read())[0]:
        out.append(cv2.resize(read[1], (640, 360)))
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
