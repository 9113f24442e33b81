"""Finding faces in a whole frame or around a known face, at scales chosen from the faces' sizes.

Each detector finds faces in a band of sizes in its input, and its cost grows with the pixels it
scans. So a scan is made at the smallest scale that still finds the faces wanted: a full frame is
scanned so that `min_face_px` (source pixels; or a size from the faces tracked) becomes findable, and
a region around a known face is scanned so that face appears at a size the detector finds well.
- YuNet (the default, yunet.py) finds faces from about 12 px (box side, dlib's framing) to about 240 px
  in its input, which must be at least 96 px tall (a tinier one gives false faces); a full scan that
  could hold a face too large for its scale adds a small coarse scan of the whole frame.
- dlib's HOG (and CNN) detectors find faces from about 80 px at upsample 0, with no upper bound.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .face_models import Box, Detection, FaceLocator
from .yunet import NEW_FACE_SCORE, YuNetLocator

# A face is looked for around where it should be, on each side, this share of its size plus what it
# may have moved since it was seen: its own speed (face sizes per second) plus some slack, or, for
# a face whose speed is not known yet, what people crossing a frame in a second or two do.
ROI_MARGIN = 0.4
ROI_SPEED_SLACK = 1.0
ROI_UNKNOWN_SPEED = 1.5
MIN_BOX_PX = 8
MIN_IOU_SAME_FACE = 0.3
# What one detector call costs besides its pixels (setting the input size, resizing, the network's
# fixed layers), in pixels scanned for the same time: YuNet ~1.1 ms a call, ~73 ns a pixel, one core.
SCAN_CALL_PIXELS = 15_000
COARSE_SLACK = 1.5


@dataclass(frozen=True)
class ScanSizes:
    """Where a detector works: face sizes (box side, dlib's framing) in the image it is given."""

    findable_px: float  # the smallest face it finds reliably
    largest_px: float | None  # larger faces are missed (None: no limit)
    region_face_px: tuple[float, ...]  # a tracked face's region is scanned at these sizes in turn
    min_input_px: int = 0  # an image shorter than this is not scaled down further
    # A full scan is also made at any sample where a tracked face is not found around where it should
    # be (a face moving faster than expected, or leaving): cheap with YuNet (a few ms to ~55 ms on
    # 1080p), not with HOG (up to ~460 ms).
    rescan_when_lost: bool = False
    new_face_score: float = 0.0  # a full scan's face needs this score; a region scan's, any
    # A routine full scan (between the fine ones) looks for faces down to this share of the smallest
    # tracked one (YuNet's scans are cheap enough to look further down than HOG's)...
    routine_slack: float = 0.7
    # ... but scans at least this many pixels (YuNet: 420 x 240, ~5 ms): newcomers smaller than the faces
    # tracked (an audience behind a singer) are still found within a second, and a small video's
    # every scan is fine.
    routine_min_pixels: int = 0


SCAN_SIZES = {
    # Measured on the shared clips (docs/face-detection.md).
    "yunet": ScanSizes(
        findable_px=12,
        largest_px=240,
        region_face_px=(48, 96),
        min_input_px=96,
        rescan_when_lost=True,
        new_face_score=NEW_FACE_SCORE,
        routine_min_pixels=420 * 240,
        routine_slack=0.5,
    ),
    # HOG misses some faces at one scale and finds them at another; each region is tried at two.
    "hog": ScanSizes(findable_px=80, largest_px=None, region_face_px=(110, 150)),
    "cnn": ScanSizes(findable_px=80, largest_px=None, region_face_px=(110, 150)),
}
DETECTORS = tuple(SCAN_SIZES)


@dataclass(frozen=True)
class DetectorConfig:
    model: str = "yunet"  # "yunet", or face_recognition's "hog" (CPU) or "cnn"
    min_face_px: int = 20  # smallest face (box height, source pixels) a full-frame scan must find
    max_scan_pixels: int = 8_300_000  # cap on a full scan: 1080p at 2x (an 8K frame is scanned smaller)


def full_scan_scales(config: DetectorConfig, width: int, height: int, smallest_tracked_px: float | None) -> list[float]:
    """The scales of a full-frame scan: one where `min_face_px` (a fine scan: `smallest_tracked_px` None)
    or a share of the smallest tracked face (a routine scan) is findable, capped in cost; and, for a
    detector that misses large faces, a coarse one if a face filling the frame's height would be too
    large at the first."""
    sizes = SCAN_SIZES[config.model]
    wanted = max(config.min_face_px, (smallest_tracked_px or 0) * sizes.routine_slack)
    fine = sizes.findable_px / config.min_face_px
    scale = max(sizes.findable_px / wanted, min(fine, (sizes.routine_min_pixels / max(1, width * height)) ** 0.5))
    scale = max(scale, min(1.0, sizes.min_input_px / height))
    scale = min(scale, (config.max_scan_pixels / max(1, width * height)) ** 0.5)
    scales = [scale]
    # Faces somewhat above largest_px are still found (YuNet: 400 px on the shared portraits), so a
    # frame at most COARSE_SLACK times that tall needs no second scan: 720p's routine scans (280 px) did
    # two scans of nearly the same size before.
    if sizes.largest_px is not None and height * scale > sizes.largest_px * COARSE_SLACK:
        scales.append(max(sizes.largest_px / height, min(1.0, sizes.min_input_px / height)))
    return scales


def region_shape(box: Box, reach: float, width: int, height: int) -> tuple[int, int, int, int]:
    """The region (x0, y0, x1, y1) scanned for a face within `reach` face sizes of `box`."""
    x, y, w, h = box
    mx, my = int(w * reach) + 4, int(h * reach) + 4
    return max(0, x - mx), max(0, y - my), min(width, x + w + mx), min(height, y + h + my)


def whole_frame_is_cheaper(
    config: DetectorConfig, width: int, height: int, smallest_tracked_px: float, searches: list[tuple[Box, float]]
) -> bool:
    """Whether one routine scan of the frame costs less than scanning around each face to be looked for
    (`searches`: (where it should be, reach)): a room of a dozen faces costs less scanned whole, a
    face or two less scanned in regions (docs/face-detection.md)."""
    sizes = SCAN_SIZES[config.model]
    whole = sum(
        width * height * scale**2 + SCAN_CALL_PIXELS
        for scale in full_scan_scales(config, width, height, smallest_tracked_px)
    )
    regions = 0.0
    for box, reach in searches:
        x0, y0, x1, y1 = region_shape(box, reach, width, height)
        scale = sizes.region_face_px[0] / max(box[3], 1)
        regions += (x1 - x0) * (y1 - y0) * scale**2 + SCAN_CALL_PIXELS
        if regions > whole:
            return True
    return False


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    """`image` resized by `scale`: halved by averaging while more than halving is left (OpenCV's area
    resampling is fast only at whole factors: 0.25 ms at 0.5 on a 720p frame, 4.8 ms at 0.6), then
    interpolated the rest of the way."""
    while scale < 0.5:
        image = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        scale *= 2
    if abs(scale - 1.0) < 1e-3:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)


def make_locator(model: str):
    return YuNetLocator() if model == "yunet" else FaceLocator(model)


class FaceDetector:
    """Scans BGR frames (YuNet) or RGB ones (dlib) with the configured detector."""

    def __init__(self, config: DetectorConfig):
        if config.model not in SCAN_SIZES:
            raise ValueError(f"Unknown face detector: {config.model!r} ({', '.join(DETECTORS)})")
        self.config = config
        self.sizes = SCAN_SIZES[config.model]
        self._locate = make_locator(config.model)

    def _scan(self, image: np.ndarray, scale: float, offset: tuple[int, int] = (0, 0)) -> list[Detection]:
        found_faces = []
        shift = np.array(offset, dtype=np.float32)
        for face in self._locate(_scaled(image, scale)):
            x, y, w, h = face.box
            x0, y0 = int(x / scale) + offset[0], int(y / scale) + offset[1]
            x1, y1 = int((x + w) / scale) + offset[0], int((y + h) / scale) + offset[1]
            if x1 - x0 >= MIN_BOX_PX and y1 - y0 >= MIN_BOX_PX:
                points, five = (None if p is None else p / scale + shift for p in (face.points, face.landmarks5))
                found_faces.append(Detection((x0, y0, x1 - x0, y1 - y0), points, face.score, five))
        return found_faces

    def full_frame(self, image: np.ndarray, smallest_tracked_px: float | None = None) -> list[Detection]:
        """New faces anywhere: a fine scan (`min_face_px`), or a routine one for faces not much smaller
        than the smallest tracked."""
        height, width = image.shape[:2]
        found_faces: list[Detection] = []
        for scale in full_scan_scales(self.config, width, height, smallest_tracked_px):
            for face in self._scan(image, scale):
                if face.score < self.sizes.new_face_score:
                    continue
                if not any(iou(face.box, other.box) >= MIN_IOU_SAME_FACE for other in found_faces):
                    found_faces.append(face)
        return clip_detections(found_faces, width, height)

    def around(self, image: np.ndarray, box: Box, reach: float) -> list[Detection]:
        """Faces within `reach` face sizes of `box`, scanned at the resolutions that face needs."""
        height, width = image.shape[:2]
        h = box[3]
        x0, y0, x1, y1 = region_shape(box, reach, width, height)
        if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
            return []
        region = image[y0:y1, x0:x1]
        # The full scan's scale last: the face may have changed size.
        scales = [face_px / max(h, 1) for face_px in self.sizes.region_face_px]
        scales.append(full_scan_scales(self.config, width, height, None)[0])
        for scale in scales:
            found = self._scan(region, scale, (x0, y0))
            if found:
                return clip_detections(found, width, height)
        return []


def clip_detections(found_faces: list[Detection], width: int, height: int) -> list[Detection]:
    clipped = []
    for face in found_faces:
        x, y, w, h = face.box
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(width, x + w), min(height, y + h)
        if x1 - x0 >= MIN_BOX_PX and y1 - y0 >= MIN_BOX_PX:
            clipped.append(face._replace(box=(x0, y0, x1 - x0, y1 - y0)))  # the points as found
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
    if not 0.5 <= ratio <= 2.0:  # boxes jump between pyramid levels
        return 0.0
    dx = (box[0] + box[2] / 2) - (previous[0] + previous[2] / 2)
    dy = (box[1] + box[3] / 2) - (previous[1] + previous[3] / 2)
    return 1.0 - (dx * dx + dy * dy) ** 0.5 / (reach * size)
