"""Facial states from 68 landmarks: eyes open or closed, blinks, mouth open, talking, brows, smile.

Plain numpy, no Django. Each measure is defined in docs/facial-states.md (formula, units, threshold).
Landmarks are (68, 2) float arrays in pixels, iBUG 300-W's order (face_landmarks.py); indices below
are 0-based (the literature's point 37 is index 36).

Two kinds of function:
- per face-sample, from one set of landmarks: eye_aspect_ratios, mouth_openness, brow_height,
  inner_brow_distance, smile_width, smile_lift, smile (all dimensionless: ratios of distances, the face's
  size divided out by its inter-ocular distance or by the eye's or mouth's own width);
- per person, over a time series (t in seconds, one value per face-sample): eyes_closed, closures,
  blinks, long_closures, blink_rate_per_minute, mouth_window, mouth_movement, talking,
  relative_to_own_median and relative_state. They take the sample times, not a frame rate, so they
  work at any rate and with gaps; each says the rate it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# iBUG 300-W indices, 0-based. "Right" is the person's right: the image's left in a frontal face.
RIGHT_EYE = np.arange(36, 42)  # points 37-42: outer corner, two upper lid, inner corner, two lower lid
LEFT_EYE = np.arange(42, 48)  # points 43-48: inner corner, two upper lid, outer corner, two lower lid
RIGHT_BROW = np.arange(17, 22)  # points 18-22, outer to inner
LEFT_BROW = np.arange(22, 27)  # points 23-27, inner to outer
OUTER_LIP_CORNERS = (48, 54)  # points 49 and 55
OUTER_LIP_MIDDLE = (51, 57)  # points 52 and 58: the outer lips' centres, top and bottom
INNER_LIP_CORNERS = (60, 64)  # points 61 and 65
# Points 62-64 above, 68-66 below: the three gaps across the inner lips.
INNER_LIP_GAPS = ((61, 67), (62, 66), (63, 65))

Landmarks = np.ndarray  # (68, 2) float, pixels


# --- one face-sample -------------------------------------------------------------------------------


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """Soukupová & Čech's (2016) EAR of one eye's six points: (|p2-p6| + |p3-p5|) / (2 |p1-p4|).

    Dimensionless; about 0.25-0.35 for an open eye, under 0.15 for a closed one (it differs by face).
    """
    p1, p2, p3, p4, p5, p6 = eye
    width = float(np.linalg.norm(p1 - p4))
    if width <= 0:
        return 0.0
    return float((np.linalg.norm(p2 - p6) + np.linalg.norm(p3 - p5)) / (2.0 * width))


def eye_aspect_ratios(points: Landmarks) -> tuple[float, float]:
    """The EAR of the person's right eye (points 37-42) and left eye (43-48); dimensionless."""
    return eye_aspect_ratio(points[RIGHT_EYE]), eye_aspect_ratio(points[LEFT_EYE])


def upright(points: Landmarks) -> np.ndarray:
    """The landmarks with the eyes level, the origin between them and the inter-ocular distance as unit.

    The eyes' anchors are the midpoints of their corners (points 37 and 40, 43 and 46), which do not
    move when the lids close, so brow and mouth heights measured here do not change with a blink.
    y grows downwards, as in the image.
    """
    right_eye = (points[RIGHT_EYE[0]] + points[RIGHT_EYE[3]]) / 2.0
    left_eye = (points[LEFT_EYE[0]] + points[LEFT_EYE[3]]) / 2.0
    across = left_eye - right_eye
    distance = float(np.hypot(*across))
    if distance <= 0:
        return np.zeros_like(points, dtype=np.float64)
    cos, sin = across / distance
    rotate = np.array([[cos, sin], [-sin, cos]])  # turns `across` onto +x
    return (points - (right_eye + left_eye) / 2.0) @ rotate.T / distance


def inter_ocular_distance(points: Landmarks) -> float:
    """Pixels between the eyes' corner midpoints: the unit of the face-normalised measures."""
    right_eye = (points[RIGHT_EYE[0]] + points[RIGHT_EYE[3]]) / 2.0
    left_eye = (points[LEFT_EYE[0]] + points[LEFT_EYE[3]]) / 2.0
    return float(np.hypot(*(left_eye - right_eye)))


def mouth_openness(points: Landmarks) -> float:
    """The inner lips' mean gap (points 62-68, 63-67, 64-66) over the inner mouth's width (61-65).

    Dimensionless; about 0 with the lips together, 0.3-1 for an open mouth (speech, surprise, a yawn).
    """
    gap = np.mean([np.linalg.norm(points[a] - points[b]) for a, b in INNER_LIP_GAPS])
    width = float(np.linalg.norm(points[INNER_LIP_CORNERS[0]] - points[INNER_LIP_CORNERS[1]]))
    return float(gap / width) if width > 0 else 0.0


def brow_height(points: Landmarks) -> float:
    """How far the brows (points 18-27) sit above the eyes' corner line, in inter-ocular distances.

    The mean over both brows' ten points, measured with the eyes level (upright); about 0.3-0.5 by
    face. Raised brows increase it, lowered (frowning) ones decrease it.
    """
    face = upright(points)
    brows = np.concatenate([RIGHT_BROW, LEFT_BROW])
    return float(-face[brows, 1].mean())


def inner_brow_distance(points: Landmarks) -> float:
    """The distance between the brows' inner ends (points 22 and 23), in inter-ocular distances.

    A frown pulls them together (smaller); about 0.3-0.5 by face.
    """
    distance = inter_ocular_distance(points)
    return float(np.linalg.norm(points[RIGHT_BROW[-1]] - points[LEFT_BROW[0]]) / distance) if distance > 0 else 0.0


def smile_width(points: Landmarks) -> float:
    """Lip-corner stretch: the mouth's width (points 49 to 55) in inter-ocular distances; about 0.8-1.1."""
    distance = inter_ocular_distance(points)
    corners = points[OUTER_LIP_CORNERS[0]] - points[OUTER_LIP_CORNERS[1]]
    return float(np.hypot(*corners) / distance) if distance > 0 else 0.0


def smile_lift(points: Landmarks) -> float:
    """How far the lip corners (49, 55) sit above the mouth's centre (midway between points 52 and 58),
    in inter-ocular distances, with the eyes level.

    About -0.05 to 0 for a calm mouth, rising as the corners lift; an opening jaw moves the centre
    down only half as far as the lower lip, so a dropped jaw reads much less than a smile.
    """
    face = upright(points)
    corners_y = face[list(OUTER_LIP_CORNERS), 1].mean()
    centre_y = face[list(OUTER_LIP_MIDDLE), 1].mean()
    return float(centre_y - corners_y)


def smile(points: Landmarks) -> float:
    """Smile score: smile_width + smile_lift, in inter-ocular distances (about 0.8-1.0 calm, more smiling).

    Chosen on FER+ PublicTest (docs/facial-states.md): the lift term adds to the stretch alone.
    """
    return smile_width(points) + smile_lift(points)


# --- thresholds (docs/facial-states.md says where each comes from) -------------------------------------

MOUTH_OPEN = 0.2  # mouth_openness at or above: the lips apart (FER+ neutral faces: median 0.07)
OPEN_EYE_PERCENTILE = 90.0  # the person's open-eye EAR: this percentile of their own series
CLOSED_FRACTION = 0.6  # eyes closed below this fraction of the open-eye EAR (untuned: labels first)
BLINK_LONGEST_S = 0.5  # a blink closes the eye for at most this long; a longer closure is no blink
# A blink's dip, tuned on the labelled clips (docs/clip-labels.md; "Blinks" in docs/facial-states.md): the
# EAR under BLINK_FRACTION of the open-eye level, and at least BLINK_REOPEN of it within BLINK_CONTEXT_S
# both before and after (an open eye closing and opening again, not a squint that hovers low).
BLINK_FRACTION = 0.7
BLINK_REOPEN = 0.8
BLINK_CONTEXT_S = 0.4
LONG_CLOSURE_S = 1.0  # "eyes closed >= 1 s": a closure at least this long
GAP_STEPS = 2.5  # samples further apart than this many median intervals: the face was not seen between
TALKING_WINDOW_S = 1.0
TALKING_MOVEMENT = 0.12  # mouth_movement (openness's 10-90 percentile spread over the window) above: talking
# ... and the window's 10th percentile of openness below this: the lips meet, or nearly, between syllables.
# Laughter also moves the mouth, but holds it open (docs/facial-states.md, "Talking").
MOUTH_CLOSES = 0.10
WINDOW_MIN_SAMPLES = 3
BROWS_RAISED = 0.03  # brow_height above the person's median, inter-ocular distances
BROWS_LOWERED = 0.03  # brow_height below the person's median
BROWS_PULLED = 0.04  # inner_brow_distance below the person's median (a frown)
SMILING = 0.15  # smile above the person's median (FER+: happy faces' median is 0.33 above neutral's)


# --- one person's time series --------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    """An eye closure: from `start` to `end`, seconds of the video."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def open_eye_level(ear: np.ndarray, percentile: float = OPEN_EYE_PERCENTILE) -> float:
    """The person's open-eye EAR: a high percentile of their own series (NaN samples ignored).

    EAR differs by face (eye shape, glasses, the angle), so closure is judged against the person's own
    open eye rather than one EAR for everyone; eyes are open most of the time, so the 90th percentile
    is an open eye even in a sleepy series.
    """
    values = np.asarray(ear, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.percentile(values, percentile)) if len(values) else float("nan")


def eyes_closed(ear: np.ndarray, fraction: float = CLOSED_FRACTION, open_level: float | None = None) -> np.ndarray:
    """Per sample, True where the EAR (the mean of both eyes') is under `fraction` of the open-eye level.

    NaN samples (no landmarks) are never closed. `open_level` defaults to the series' own open_eye_level.
    """
    values = np.asarray(ear, dtype=np.float64)
    level = open_eye_level(values) if open_level is None else open_level
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values < fraction * level)


def _sample_spans(t: np.ndarray, gap_steps: float = GAP_STEPS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sample's span (left, right edge, s): halfway to its neighbours, or half a median step beside a gap
    or at an end; and, between each sample and the next, whether they are adjacent (no gap)."""
    t = np.asarray(t, dtype=np.float64)
    steps = np.diff(t)
    step = float(np.median(steps)) if len(steps) else 0.0
    adjacent = steps <= gap_steps * step
    half = np.where(adjacent, steps / 2.0, step / 2.0)
    left = t - np.concatenate([[step / 2.0], half])
    right = t + np.concatenate([half, [step / 2.0]])
    return left, right, adjacent


def closures(t: np.ndarray, closed: np.ndarray, gap_steps: float = GAP_STEPS) -> list[Closure]:
    """Runs of closed samples as time spans (s).

    Each sample stands for the time halfway to its neighbours, so a run of k samples at f fps lasts
    k / f s. A run never spans a gap in the samples (GAP_STEPS median intervals; the face was lost):
    the time the eyes were not seen is not counted as closed. `t` must be increasing.
    """
    t = np.asarray(t, dtype=np.float64)
    closed = np.asarray(closed, dtype=bool)
    if len(t) == 0:
        return []
    left, right, adjacent = _sample_spans(t, gap_steps)
    found: list[Closure] = []
    start = None
    for i in np.flatnonzero(closed):
        if start is None:
            start = left[i]
        run_ends = i == len(t) - 1 or not adjacent[i] or not closed[i + 1]
        if run_ends:
            found.append(Closure(float(start), float(right[i])))
            start = None
    return found


def blinks(t: np.ndarray, ear: np.ndarray, open_level: float | None = None) -> list[Closure]:
    """The blinks in an EAR series (`t` increasing): dips of at most BLINK_LONGEST_S under BLINK_FRACTION of
    the open-eye level (open_eye_level by default), from an eye open (BLINK_REOPEN of it) within
    BLINK_CONTEXT_S before, to one open within BLINK_CONTEXT_S after.

    A blink's whole movement takes 0.1-0.4 s, but the eye is near shut for only part of it: 1-4 frames at
    24 fps in the labelled clips, so no shortest length is asked. Needs samples at 10 fps or more (20+
    best): at 5 fps most blinks fall between samples. A squint (crying, laughing) hovers low without
    reopening, so its dips are not blinks.
    """
    t = np.asarray(t, dtype=np.float64)
    ear = np.asarray(ear, dtype=np.float64)
    level = open_eye_level(ear) if open_level is None else open_level
    found = []
    for closure in closures(t, eyes_closed(ear, BLINK_FRACTION, level)):
        if closure.duration > BLINK_LONGEST_S + 1e-6:
            continue
        before = ear[(t >= closure.start - BLINK_CONTEXT_S) & (t < closure.start)]
        after = ear[(t > closure.end) & (t <= closure.end + BLINK_CONTEXT_S)]
        with np.errstate(invalid="ignore"):
            reopened = [
                len(side) and np.nanmax(side, initial=-np.inf) >= BLINK_REOPEN * level for side in (before, after)
            ]
        if all(reopened):
            found.append(closure)
    return found


def long_closures(found: list[Closure], shortest_s: float = LONG_CLOSURE_S) -> list[Closure]:
    """The closures of at least `shortest_s` (1 s): "eyes closed >= 1 s". Any rate of 2 fps or more sees them."""
    return [c for c in found if c.duration >= shortest_s - 1e-6]


def observed_seconds(t: np.ndarray, gap_steps: float = GAP_STEPS) -> float:
    """How long the face was seen: the samples' spans summed, gaps left out (s)."""
    if len(t) == 0:
        return 0.0
    left, right, _ = _sample_spans(np.asarray(t, dtype=np.float64), gap_steps)
    return float((right - left).sum())


def blink_rate_per_minute(found_blinks: list[Closure], seen_seconds: float) -> float:
    """Blinks per minute of the time the face was seen (observed_seconds); NaN when it was never seen."""
    return 60.0 * len(found_blinks) / seen_seconds if seen_seconds > 0 else float("nan")


def mouth_window(t: np.ndarray, openness: np.ndarray, window_s: float = TALKING_WINDOW_S) -> np.ndarray:
    """Per sample, the 10th and 90th percentiles of mouth_openness over the samples within window_s around
    it, (N, 2); NaN where the window holds fewer than 3 seen samples. Percentiles, unlike a minimum and a
    maximum, ignore one or two odd frames in a window."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(openness, dtype=np.float64)
    lo = np.searchsorted(t, t - window_s / 2.0, side="left")
    hi = np.searchsorted(t, t + window_s / 2.0, side="right")
    bounds = np.full((len(t), 2), np.nan)
    for i, (first, last) in enumerate(zip(lo, hi, strict=True)):
        window = x[first:last]
        window = window[np.isfinite(window)]
        if len(window) >= WINDOW_MIN_SAMPLES:
            bounds[i] = np.percentile(window, (10, 90))
    return bounds


def mouth_movement(t: np.ndarray, openness: np.ndarray, window_s: float = TALKING_WINDOW_S) -> np.ndarray:
    """Per sample, the spread of mouth_openness over the samples within window_s around it: its 90th
    percentile less its 10th (dimensionless, openness units; NaN where the window holds fewer than 3 seen
    samples). A mouth that speaks opens and closes several times a second; one held open (surprise, a
    yawn) barely moves."""
    bounds = mouth_window(t, openness, window_s)
    return bounds[:, 1] - bounds[:, 0]


def talking(
    t: np.ndarray,
    openness: np.ndarray,
    window_s: float = TALKING_WINDOW_S,
    threshold: float = TALKING_MOVEMENT,
    closes_below: float = MOUTH_CLOSES,
) -> np.ndarray:
    """Per sample, True where the mouth moves like speech over `window_s`: its movement (mouth_movement)
    above `threshold`, and its low (10th percentile) below `closes_below`, the lips meeting between
    syllables. A single open frame is not talking, nor a mouth held open, nor one that laughs: laughter
    moves the mouth as much but keeps it open.

    Works from 5 fps (5 samples in a 1 s window); speech's syllables (4-5 a second) are aliased below 10
    fps, but their spread still shows.
    """
    low, high = mouth_window(t, openness, window_s).T
    with np.errstate(invalid="ignore"):
        return np.isfinite(low) & (high - low > threshold) & (low < closes_below)


def relative_to_own_median(values: np.ndarray) -> np.ndarray:
    """The series less the person's own median (NaN ignored): the measure against their baseline face."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    return values - (np.median(finite) if len(finite) else np.nan)


def relative_state(values: np.ndarray, above: float, below: float | None = None) -> np.ndarray:
    """Per sample, +1 where the value is `above` or more over the person's median, -1 where `below` or more
    under it (when given), 0 otherwise (and for NaN)."""
    delta = relative_to_own_median(values)
    state = np.zeros(len(delta), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        state[delta >= above] = 1
        if below is not None:
            state[delta <= -below] = -1
    return state


def brow_states(heights: np.ndarray, inner_distances: np.ndarray) -> np.ndarray:
    """Per sample: +1 brows raised, -1 lowered (lower, or pulled together: a frown), 0 neutral, against
    the person's own medians of brow_height and inner_brow_distance."""
    height = relative_state(heights, BROWS_RAISED, BROWS_LOWERED)
    pulled = relative_state(inner_distances, np.inf, BROWS_PULLED) == -1
    return np.where(pulled & (height <= 0), -1, height).astype(np.int8)


def smiling(scores: np.ndarray) -> np.ndarray:
    """Per sample, True where smile is SMILING or more above the person's own median."""
    return relative_state(scores, SMILING) == 1
