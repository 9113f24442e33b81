"""Valence: how pleasant a face looks, from -1 to 1, with 0 where a calm face reads. The one definition.

Three steps, measured in docs/model-card.md ("Valence") against ten annotators per face (FER+):
1. **raw**: p(happy) - (p(angry) + p(disgust) + p(fear) + p(sad)) (surprise and neutral count as
   neither), the linear "pleasant minus unpleasant" balance. Its zero is not calm: annotators who call a
   face neutral still spread some votes to sad, so even their own votes give neutral-majority faces
   -0.151 on average (FER+ Training), and a model gives calm video faces -0.3 to -0.5.
2. **anchored on calm**: the calm level `calm` is moved to 0; above it the scale is stretched so that 1
   stays 1 (raw - calm) / (1 - calm); below it the distance is kept (raw - calm), so the unpleasant
   side keeps the raw scale's steps (its end is -1 - calm, -0.85 at the population anchor).
3. **dead zone**: differences within DEAD_ZONE of calm read 0, the rest shrinks towards 0 by it, so a
   face whose leftover probabilities wobble around calm does not flicker between signs.

The calm level is CALM_RAW for everyone (a photo's face, a person seen too briefly) or the person's own
(`person_calm`): FaceReader's "participant calibration" takes a person's neutral expression as their
zero. The user can choose a person's calm stretch; otherwise the app estimates it: the median raw
valence of their samples where neutral leads, never above CALM_RAW and never below CALM_LIMIT (so a
person who is sad whenever they are not neutral still reads sad).

A face pitched down past LOOKING_DOWN_DEG (reading, writing) is known to read sad to FER-trained
models: such samples weigh LOOKING_DOWN_WEIGHT of a level face's in every mood figure (`mood_weights`).

Other scales were measured and not chosen (docs/model-card.md): FaceReader's published "happy minus
the strongest negative emotion" (annotators' neutral faces -0.094, not 0), and anchored scales that
stretch the unpleasant side too (correlation with the annotators 0.923 against 0.932 for raw).
"""

from __future__ import annotations

import numpy as np

# EMOTIONS order: angry, disgust, fear, happy, sad, surprise, neutral.
RAW_WEIGHTS = np.array([-1.0, -1.0, -1.0, 1.0, -1.0, 0.0, 0.0])
NEUTRAL = 6
SCALE = "calm-anchored-1"  # stored with each run's figures; change it when the definition changes
# The mean raw valence of the ten FER+ annotators' votes on the FER2013 Training faces most of them call
# neutral (10,310 faces): where a calm face sits on the raw scale.
CALM_RAW = -0.151
DEAD_ZONE = 0.1
# A person's own calm level: from at least MIN_CALM_SAMPLES neutral-led samples, at most this far down.
CALM_LIMIT = -0.5
MIN_CALM_SAMPLES = 5
# A calm stretch the user chose is trusted further, short of the scale's ends (where it would divide by 0).
USER_CALM_LIMIT = 0.9
# Charts draw valence within +-CALM_BAND of 0 as calm (grey), not as a faint mood.
CALM_BAND = 0.15
LOOKING_DOWN_DEG = 20.0
LOOKING_DOWN_WEIGHT = 0.1


def raw_valence(probabilities: np.ndarray) -> np.ndarray:
    return np.asarray(probabilities, dtype=float) @ RAW_WEIGHTS


def from_raw(raw: np.ndarray | float, calm: np.ndarray | float = CALM_RAW) -> np.ndarray:
    """The raw scale's values on the calm-anchored scale (steps 2 and 3), `calm` broadcast against them; within
    [-1, 1] whatever the calm level (a user's calm stretch that reads happy would otherwise reach below -1)."""
    raw, calm = np.asarray(raw, dtype=float), np.asarray(calm, dtype=float)
    anchored = np.where(raw >= calm, (raw - calm) / (1.0 - calm), raw - calm)
    shrunk = np.sign(anchored) * np.maximum(np.abs(anchored) - DEAD_ZONE, 0.0) / (1.0 - DEAD_ZONE)
    return np.clip(shrunk, -1.0, 1.0)


def valence(probabilities: np.ndarray, calm: np.ndarray | float = CALM_RAW) -> np.ndarray:
    """Valence of (..., 7) probabilities; `calm` (a person's calm level, person_calm) broadcast against them."""
    return from_raw(raw_valence(probabilities), calm)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def person_calm(
    probabilities: np.ndarray,
    weights: np.ndarray | None = None,
    t: np.ndarray | None = None,
    stretch: tuple[float, float] | None = None,
) -> float:
    """A person's calm level on the raw scale.

    With `stretch` (from_s, to_s), a calm stretch the user chose (FaceReader's participant calibration):
    the weighted median raw valence of the samples at times `t` inside it, within +-USER_CALM_LIMIT. Else,
    or when no sample falls inside, the app's estimate: the weighted median raw valence of the neutral-led
    samples, within [CALM_LIMIT, CALM_RAW]; CALM_RAW with fewer than MIN_CALM_SAMPLES such samples.
    """
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1, len(RAW_WEIGHTS))
    weights = np.ones(len(probabilities)) if weights is None else np.asarray(weights, dtype=float)
    if stretch is not None and t is not None:
        inside = (np.asarray(t) >= stretch[0]) & (np.asarray(t) <= stretch[1]) & (weights > 0)
        if inside.any():
            median = _weighted_median(raw_valence(probabilities[inside]), weights[inside])
            return float(np.clip(median, -USER_CALM_LIMIT, USER_CALM_LIMIT))
    calm = (probabilities.argmax(axis=1) == NEUTRAL) & (weights > 0)
    if calm.sum() < MIN_CALM_SAMPLES:
        return CALM_RAW
    median = _weighted_median(raw_valence(probabilities[calm]), weights[calm])
    return float(np.clip(median, CALM_LIMIT, CALM_RAW))


def looking_down(pitch: np.ndarray) -> np.ndarray:
    """True where the head is pitched down past LOOKING_DOWN_DEG; False where level or unknown (NaN)."""
    pitch = np.asarray(pitch, dtype=float)
    with np.errstate(invalid="ignore"):
        return pitch < -LOOKING_DOWN_DEG


def mood_weights(quality: np.ndarray, pitch: np.ndarray | None) -> np.ndarray:
    """Each sample's weight in the mood figures: its face quality, lowered where the head looks down."""
    quality = np.asarray(quality, dtype=float)
    if pitch is None:
        return quality
    return np.where(looking_down(pitch), quality * LOOKING_DOWN_WEIGHT, quality)
