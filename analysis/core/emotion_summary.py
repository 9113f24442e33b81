"""A person's emotions in a few numbers, from the same smoothed signal the charts draw.

Each sample's probabilities are smoothed over 1 s (series.smooth), weighted by face quality
(face_quality.py), and less where the head looks down (valence.mood_weights). From that signal:
- `shares`: the share of the person's (quality-weighted) samples in which each emotion leads;
- `dominant`: the emotion with the largest share, so it is the one the dominant-emotion chart
  shows most of the time;
- `mean`: the quality-weighted mean of the smoothed probabilities;
- `valence`: the weighted mean valence of the smoothed samples (valence.py: 0 is calm, -1 to 1),
  against the person's own calm level (`calm`, valence.person_calm);
- `looking_down`: the share of samples whose head is pitched down (valence.looking_down); None
  where no pitch is known;
- `weight`: the samples' summed weight, what the person weighs in their video's figures
  (video_figures.py pools the persons' samples with these same weights).
The raw samples are kept unchanged in the database and the exports.
"""

from dataclasses import dataclass

import numpy as np

from .emotions import EMOTIONS
from .series import smooth
from .valence import CALM_RAW, looking_down, mood_weights, person_calm, valence


@dataclass(frozen=True)
class EmotionSummary:
    dominant: str
    shares: dict[str, float]
    mean: dict[str, float]
    valence: float | None = None  # None: no samples
    calm: float = CALM_RAW
    looking_down: float | None = None
    weight: float = 0.0


def summarize(
    t: np.ndarray,
    probabilities: np.ndarray,
    quality: np.ndarray,
    pitch: np.ndarray | None = None,
    calm_stretch: tuple[float, float] | None = None,
) -> EmotionSummary:
    """`calm_stretch`: the person's calm stretch chosen by the user (valence.person_calm); None: the app's estimate."""
    t, probabilities, quality = np.asarray(t, float), np.asarray(probabilities, float), np.asarray(quality, float)
    pitch = None if pitch is None else np.asarray(pitch, float)
    if len(t) == 0:
        empty = dict.fromkeys(EMOTIONS, 0.0)
        return EmotionSummary(dominant="", shares=empty, mean=dict(empty))
    order = np.argsort(t, kind="stable")
    t, probabilities = t[order], probabilities[order]
    pitch = None if pitch is None else pitch[order]
    weights = mood_weights(quality[order], pitch)
    calm = person_calm(probabilities, weights, t, calm_stretch)
    known = None if pitch is None else ~np.isnan(pitch)
    down = None if known is None or not known.any() else round(float(looking_down(pitch[known]).mean()), 4)
    return summarize_weighted(t, probabilities, weights, calm, down)


def summarize_weighted(
    t: np.ndarray, probabilities: np.ndarray, weights: np.ndarray, calm: float, down: float | None = None
) -> EmotionSummary:
    """The summary of samples sorted by time `t`, each with its weight (valence.mood_weights) and the person's
    calm level (valence.person_calm); `down`: their looking-down share, as summarize found it."""
    if len(t) == 0:
        empty = dict.fromkeys(EMOTIONS, 0.0)
        return EmotionSummary(dominant="", shares=empty, mean=dict(empty))
    smoothed = smooth(t, probabilities, weights)
    leading = np.bincount(smoothed.argmax(axis=1), weights=weights, minlength=len(EMOTIONS)) / weights.sum()
    mean = (smoothed * weights[:, None]).sum(axis=0) / weights.sum()
    return EmotionSummary(
        dominant=EMOTIONS[int(np.argmax(leading))],
        shares={name: round(float(s), 4) for name, s in zip(EMOTIONS, leading)},
        mean={name: round(float(m), 5) for name, m in zip(EMOTIONS, mean)},
        valence=round(float((valence(smoothed, calm) * weights).sum() / weights.sum()), 4),
        calm=round(calm, 4),
        looking_down=down,
        weight=round(float(weights.sum()), 4),
    )
