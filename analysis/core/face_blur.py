"""A copy of a video with faces blurred: each person's boxes, followed between their samples.

Samples are sparse (a few per second), so each frame's box is interpolated between the person's
neighbouring samples, held a little before the first and after the last, and enlarged by a margin,
so that the face is covered on every frame, moving or not. The covered area is pixelated coarsely
and then smoothed: nothing of a face's features is left for a detector (or a person) to find.
"""

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from .h264_copy import write_h264

# Neighbouring samples further apart than this are not joined: the face may have left between them.
MAX_GAP_S = 1.5
# A box is carried this long before a person's first sample and after their last (and on each side of
# a gap), moving as it last moved, so the frames where a face enters or leaves are covered too.
HOLD_S = 0.5
# Each side of a box grows by this share of its size: hair, chin and the motion within a frame.
MARGIN = 0.3
# The covered area (the box with its margins) keeps about this many blocks of colour across.
BLOCKS_ACROSS = 4

Track = tuple[float, float, float, float, float]  # t, x, y, w, h


@dataclass
class PersonTrack:
    """One person's boxes at their sample times, sorted by time."""

    samples: list[Track]
    times: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.samples = sorted(self.samples)
        self.times = [s[0] for s in self.samples]

    def box_at(self, t: float) -> tuple[float, float, float, float] | None:
        """The box at time `t` (x, y, w, h, unenlarged), or None if the person is not there."""
        if not self.samples:
            return None
        i = bisect.bisect_left(self.times, t)
        after = self.samples[i] if i < len(self.samples) else None
        before = self.samples[i - 1] if i > 0 else None
        if after is not None and after[0] == t:
            return after[1:]
        if before is not None and after is not None and after[0] - before[0] <= MAX_GAP_S:
            k = (t - before[0]) / (after[0] - before[0])
            return tuple(b + (a - b) * k for b, a in zip(before[1:], after[1:], strict=True))
        # A gap or an end: carry the nearest sample on, moving as it moved from its neighbour (a face
        # walking out of the picture keeps going), if it is close enough in time.
        j = i - 1 if before is not None and (after is None or t - before[0] <= after[0] - t) else i
        near = self.samples[j]
        if abs(near[0] - t) > HOLD_S:
            return None
        k = j - 1 if j == i - 1 else j + 1
        other = self.samples[k] if 0 <= k < len(self.samples) else None
        if other is None or abs(near[0] - other[0]) > MAX_GAP_S or near[0] == other[0]:
            return near[1:]
        step = (t - near[0]) / (near[0] - other[0])
        return tuple(n + (n - o) * step for n, o in zip(near[1:], other[1:], strict=True))


@dataclass
class BlurPlan:
    """The persons whose faces are blurred."""

    tracks: list[PersonTrack]
    margin: float = MARGIN

    @classmethod
    def from_samples(cls, persons: Sequence[Sequence[Track]], margin: float = MARGIN) -> "BlurPlan":
        return cls([PersonTrack(list(samples)) for samples in persons if samples], margin)

    def boxes_at(self, t: float) -> list[tuple[float, float, float, float]]:
        """Each person's box at `t`, unenlarged."""
        return [box for track in self.tracks if (box := track.box_at(t)) is not None]

    def regions_at(self, t: float, width: int, height: int) -> list[tuple[int, int, int, int]]:
        """The areas to blur at `t`: boxes enlarged by the margin, clipped, as x0, y0, x1, y1."""
        regions = []
        for x, y, w, h in self.boxes_at(t):
            x0, y0 = int(x - w * self.margin), int(y - h * self.margin)
            x1, y1 = int(np.ceil(x + w * (1 + self.margin))), int(np.ceil(y + h * (1 + self.margin)))
            x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
            if x1 > x0 and y1 > y0:
                regions.append((x0, y0, x1, y1))
        return regions


def blur_region(image: np.ndarray, region: tuple[int, int, int, int]) -> None:
    """Blur one area of a BGR frame in place: a heavy Gaussian, then a coarse mosaic, then smoothed.

    A fine mosaic alone keeps a face's layout (YuNet found 35% of the faces of street_1080p.mp4 through
    six blocks a face): the blur first mixes the features away, and the few blocks left are colour.
    """
    x0, y0, x1, y1 = region
    patch = image[y0:y1, x0:x1]
    h, w = patch.shape[:2]
    sigma = max(w, h) / 6
    smeared = cv2.GaussianBlur(patch, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
    across = max(1, round(BLOCKS_ACROSS * w / max(w, h))), max(1, round(BLOCKS_ACROSS * h / max(w, h)))
    small = cv2.resize(smeared, across, interpolation=cv2.INTER_AREA)
    image[y0:y1, x0:x1] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def blur_frame(image: np.ndarray, plan: BlurPlan, t: float) -> np.ndarray:
    height, width = image.shape[:2]
    for region in plan.regions_at(t, width, height):
        blur_region(image, region)
    return image


def blur_video(
    source: str,
    target: str,
    plan: BlurPlan,
    progress: Callable[[int, int], None] | None = None,
    every: int = 25,
) -> int:
    """Write `target` (H.264 mp4, as h264_copy writes every copy), every frame blurred by `plan`.

    Frame times are the stream's, from its start, as the analysis's sample times are. `progress`
    (frames done, frames expected) is called every `every` frames and at the end. Returns the
    frames written.
    """
    return write_h264(source, target, lambda image, t: blur_frame(image, plan, t), progress, every)
