"""A video's emotion shares, valence and attention: the one definition that the results page, the study
page, the study exports and the API show (docs/studies.md "How the numbers are made").

A video's figures pool the face samples of all its shown persons, each sample weighted as in the
person's own figures (emotion_summary.py): w = its face quality, a tenth of it where the head looks
down (valence.mood_weights). With s_i a sample's smoothed probabilities and v_i its valence against
its person's calm level:

- **share of face-time** of an emotion e = sum(w_i * [e leads s_i]) / sum(w_i);
- **valence** = sum(w_i * v_i) / sum(w_i);
- **attention** = samples facing the camera / samples whose head pose is known (unweighted, as a
  person's attention);
- **talking** and **eyes closed** = samples talking (or with both eyes closed) / samples with facial
  measures (unweighted, as a person's facial-states shares: facial_summary.py).

So it is the mean of the persons' own figures weighted by their summed weight (their quality-weighted
face-time; attention: by their samples with a known pose), and a video of one person has exactly that
person's figures. Samples are taken at one rate for everyone, so summed weights are face-time.

Other aggregates exist and are named apart: the room's series over time (group_mood.py) counts each
person once per time bin, so its mean over bins is not these figures.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .emotion_summary import EmotionSummary
from .emotions import EMOTIONS

# Stored with each run's figures (RunTimeline.summary["figures"]): change it when the definition changes,
# so stored figures are made again.
DEFINITION = "pooled-face-time-2"


@dataclass(frozen=True)
class VideoFigures:
    shares: dict[str, float]  # share of face-time each emotion leads; all 0 without faces
    valence: float | None  # None: no faces
    attention: float | None  # None: no head pose known
    weight: float  # the pooled weight (quality-weighted face-time, in samples)
    talking: float | None = None  # None: no sample measured (faces under 40 px, runs from before measures)
    eyes_closed: float | None = None  # the pooled weight (quality-weighted face-time, in samples)

    @property
    def ranked(self) -> list[tuple[str, float]]:
        """The emotions that lead at least half a percent of the face-time, largest share first."""
        shown = [(name, self.shares.get(name, 0.0)) for name in EMOTIONS if self.shares.get(name, 0.0) >= 0.005]
        return sorted(shown, key=lambda item: -item[1])


def _round(value: float) -> float:
    return round(float(value), 4)


def facing_count(facing: np.ndarray | None) -> tuple[float, int]:
    """Of a person's samples' facing values (1 facing, 0 turned away, NaN unknown; None: none known): how
    many face the camera, and how many have a known pose."""
    known = np.empty(0) if facing is None else facing[~np.isnan(facing)]
    return float(known.sum()), len(known)


def state_count(talking: np.ndarray, eyes_closed: np.ndarray) -> tuple[float, float, int]:
    """Of a person's samples' state flags (facial_summary.state_flags: 1, 0, NaN not measured): how many
    talk, how many have their eyes closed, and how many were measured."""
    measured = ~np.isnan(talking)
    return float(talking[measured].sum()), float(eyes_closed[measured].sum()), int(measured.sum())


def video_figures(
    persons: Sequence[EmotionSummary],
    facing: Sequence[np.ndarray | None] = (),
    facing_counts: Sequence[tuple[float, int]] | None = None,
    state_counts: Sequence[tuple[float, float, int]] = (),
) -> VideoFigures:
    """The figures of a video from its persons' summaries (their `weight`, `shares`, `valence`) and, for
    attention, each person's samples' facing values (1 facing, 0 turned away, NaN unknown; None: none known),
    or their counts as facing_count gives them; for talking and eyes closed, their counts as state_count
    gives them."""
    weights = np.array([p.weight for p in persons], dtype=float)
    total = float(weights.sum())
    shares = dict.fromkeys(EMOTIONS, 0.0)
    if total > 0:
        for name in EMOTIONS:
            shares[name] = _round(sum(w * p.shares.get(name, 0.0) for w, p in zip(weights, persons)) / total)
    rated = [(w, p.valence) for w, p in zip(weights, persons) if p.valence is not None and w > 0]
    valence = _round(sum(w * v for w, v in rated) / sum(w for w, _ in rated)) if rated else None
    counts = [facing_count(f) for f in facing] if facing_counts is None else facing_counts
    posed = sum(known for _, known in counts)
    attention = _round(sum(toward for toward, _ in counts) / posed) if posed else None
    measured = sum(n for *_, n in state_counts)
    talking = _round(sum(c[0] for c in state_counts) / measured) if measured else None
    eyes_closed = _round(sum(c[1] for c in state_counts) / measured) if measured else None
    return VideoFigures(
        shares=shares,
        valence=valence,
        attention=attention,
        weight=_round(total),
        talking=talking,
        eyes_closed=eyes_closed,
    )


def leading(shares: dict[str, float]) -> tuple[str, float] | None:
    """The emotion with the largest share, and its share; None when there is none."""
    if not shares or max(shares.values(), default=0.0) <= 0:
        return None
    name = max(EMOTIONS, key=lambda e: shares.get(e, 0.0))
    return name, shares[name]
