"""Finding faces with face_recognition's detectors, at a scale chosen from the faces' sizes.

dlib's HOG detector finds faces whose box is at least about 80 px at upsample 0, and its cost
grows with the pixels scanned. So a scan is made at the smallest scale that still finds the
faces wanted: a full frame is scanned so that `min_face_px` (source pixels) becomes findable,
and a region around a known face is scanned so that face appears about `ROI_FACE_PX` tall.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .face_models import Box, FaceLocator

# Smallest box dlib's HOG detector finds at upsample 0.
HOG_MIN_BOX_PX = 80
# A tracked face is scanned at these heights in turn until found: above HOG_MIN_BOX_PX, with room
# to shrink.
ROI_FACE_PX = (110, 150)
# A face is looked for around where it should be, on each side, this share of its size plus what it
# may have moved since it was seen: its own speed (face sizes per second) plus some slack, or, for
# a face whose speed is not known yet, what people crossing a frame in a second or two do.
ROI_MARGIN = 0.4
ROI_SPEED_SLACK = 1.0
ROI_UNKNOWN_SPEED = 1.5
MIN_BOX_PX = 8


@dataclass(frozen=True)
class DetectorConfig:
    model: str = "hog"  # face_recognition model: "hog" (CPU) or "cnn"
    min_face_px: int = 40  # smallest face (box height, source pixels) a full-frame scan must find
    max_scan_pixels: int = 8_300_000  # cap on a full scan: 1080p at 2x (an 8K frame is scanned smaller)


def full_scan_scale(config: DetectorConfig, width: int, height: int, smallest_face_px: float | None) -> float:
    """The scale for a full-frame scan: findable `smallest_face_px` (or `min_face_px`), capped in cost."""
    wanted = max(config.min_face_px, smallest_face_px or 0)
    scale = HOG_MIN_BOX_PX / wanted
    cap = (config.max_scan_pixels / max(1, width * height)) ** 0.5
    return min(scale, cap)


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-3:
        return image
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)


class FaceDetector:
    def __init__(self, config: DetectorConfig):
        self.config = config
        self._locate = FaceLocator(config.model)

    def _scan(self, rgb: np.ndarray, scale: float, offset: tuple[int, int] = (0, 0)) -> list[Box]:
        boxes = []
        for x, y, w, h in self._locate(_scaled(rgb, scale)):
            x0, y0 = int(x / scale) + offset[0], int(y / scale) + offset[1]
            x1, y1 = int((x + w) / scale) + offset[0], int((y + h) / scale) + offset[1]
            if x1 - x0 >= MIN_BOX_PX and y1 - y0 >= MIN_BOX_PX:
                boxes.append((x0, y0, x1 - x0, y1 - y0))
        return boxes

    def full_frame(self, rgb: np.ndarray, smallest_face_px: float | None = None) -> list[Box]:
        height, width = rgb.shape[:2]
        return clip_boxes(self._scan(rgb, full_scan_scale(self.config, width, height, smallest_face_px)), width, height)

    def around(self, rgb: np.ndarray, box: Box, reach: float) -> list[Box]:
        """Faces within `reach` face sizes of `box`, scanned at the resolutions that face needs."""
        height, width = rgb.shape[:2]
        x, y, w, h = box
        mx, my = int(w * reach) + 4, int(h * reach) + 4
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(width, x + w + mx), min(height, y + h + my)
        if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
            return []
        region = rgb[y0:y1, x0:x1]
        # HOG misses some faces at one scale and finds them at another; the full scan's scale last.
        scales = [face_px / max(h, 1) for face_px in ROI_FACE_PX]
        scales.append(full_scan_scale(self.config, width, height, None))
        for scale in scales:
            found = self._scan(region, scale, (x0, y0))
            if found:
                return clip_boxes(found, width, height)
        return []


def clip_boxes(boxes: list[Box], width: int, height: int) -> list[Box]:
    clipped = []
    for x, y, w, h in boxes:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(width, x + w), min(height, y + h)
        if x1 - x0 >= MIN_BOX_PX and y1 - y0 >= MIN_BOX_PX:
            clipped.append((x0, y0, x1 - x0, y1 - y0))
    return clipped


def iou(a: Box, b: Box) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def motion_reach(since_s: float, speed: float | None = None) -> float:
    """How far (in face sizes) from where it should be a face may be, `since_s` after it was seen
    moving at `speed` face sizes per second (None: not known)."""
    moved = ROI_UNKNOWN_SPEED if speed is None else speed + ROI_SPEED_SLACK
    return ROI_MARGIN + moved * min(since_s, 1.0)


def affinity(previous: Box, box: Box, reach: float = 0.6) -> float:
    """How well `box` continues `previous`: 1 for the same place and size, 0 or less for no match.

    Centre distance relative to the face's size, not overlap: a small face that moved a third of
    its width between samples overlaps little, yet is plainly the same face.
    """
    size = max(previous[2], previous[3], 1)
    ratio = box[3] / max(previous[3], 1)
    if not 0.5 <= ratio <= 2.0:  # HOG boxes jump between pyramid levels
        return 0.0
    dx = (box[0] + box[2] / 2) - (previous[0] + previous[2] / 2)
    dy = (box[1] + box[3] / 2) - (previous[1] + previous[3] / 2)
    return 1.0 - (dx * dx + dy * dy) ** 0.5 / (reach * size)
