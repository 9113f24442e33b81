"""A person's emotions in a few numbers, from the same smoothed signal the charts draw.

Each sample's probabilities are smoothed over 1 s (series.smooth), weighted by face quality
(face_quality.py). From that signal:
- `shares`: the share of the person's (quality-weighted) samples in which each emotion leads;
- `dominant`: the emotion with the largest share, so it is the one the dominant-emotion chart
  shows most of the time;
- `mean`: the quality-weighted mean of the smoothed probabilities;
- `valence`: the quality-weighted mean valence of the smoothed samples (group_mood.valence: happy
  minus the negative emotions, -1 to 1); valence is linear, so it is the valence of `mean`.
The raw samples are kept unchanged in the database and the exports.
"""

from dataclasses import dataclass

import numpy as np

from .emotions import EMOTIONS
from .group_mood import valence
from .series import smooth


@dataclass(frozen=True)
class EmotionSummary:
    dominant: str
    shares: dict[str, float]
    mean: dict[str, float]
    valence: float | None = None  # None: no samples


def summarize(t: np.ndarray, probabilities: np.ndarray, quality: np.ndarray) -> EmotionSummary:
    t, probabilities, quality = np.asarray(t, float), np.asarray(probabilities, float), np.asarray(quality, float)
    if len(t) == 0:
        empty = dict.fromkeys(EMOTIONS, 0.0)
        return EmotionSummary(dominant="", shares=empty, mean=dict(empty))
    order = np.argsort(t, kind="stable")
    t, probabilities, quality = t[order], probabilities[order], quality[order]
    smoothed = smooth(t, probabilities, quality)
    leading = np.bincount(smoothed.argmax(axis=1), weights=quality, minlength=len(EMOTIONS)) / quality.sum()
    mean = (smoothed * quality[:, None]).sum(axis=0) / quality.sum()
    return EmotionSummary(
        dominant=EMOTIONS[int(np.argmax(leading))],
        shares={name: round(float(s), 4) for name, s in zip(EMOTIONS, leading)},
        mean={name: round(float(m), 5) for name, m in zip(EMOTIONS, mean)},
        valence=round(float(valence(mean)), 4),
    )
