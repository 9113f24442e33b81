"""The labelled stretches of the shared clips (docs/clip-labels.csv) and the valence each reads.

A label row names a clip, a time stretch, what the face shows there (calm, smiling, negative, "calm eyes
down"), and which face: a point inside the face's box at `at_s`, or nobody (every face of a one-person
clip). Each stretch reads the quality-weighted mean valence (analysis.core.valence) of that person's
samples inside it, with the person's own calm level taken from all their samples, as the app does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core import valence as scale

LABELS_PATH = Path(__file__).resolve().parents[1] / "docs" / "clip-labels.csv"
# What each label should read: calm inside the charts' calm band, a smile clearly above it, negative below 0.
EXPECTED = {
    "calm": f"within +-{scale.CALM_BAND}",
    "calm eyes down": f"within +-{scale.CALM_BAND}",
    "smiling": f"> {scale.CALM_BAND}",
    "negative": "< 0",
}


@dataclass(frozen=True)
class ClipLabel:
    clip: str
    from_s: float
    to_s: float
    label: str
    who: str
    point: tuple[float, float, float] | None  # (at_s, x, y) inside the face's box; None: the only person


@dataclass(frozen=True)
class StretchReading:
    label: ClipLabel
    person: int | None  # the analysis's person number; None: no face matched
    samples: int
    raw: float | None  # mean raw valence (the old scale)
    valence: float | None  # mean valence on the app's scale, with the person's calm level
    calm_level: float | None
    looking_down: float | None  # share of the stretch's samples pitched down past LOOKING_DOWN_DEG

    @property
    def met(self) -> bool | None:
        if self.valence is None:
            return None
        if self.label.label.startswith("calm"):
            return abs(self.valence) <= scale.CALM_BAND
        return self.valence > scale.CALM_BAND if self.label.label == "smiling" else self.valence < 0


def read_labels(path: Path = LABELS_PATH) -> list[ClipLabel]:
    labels = []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            point = (float(row["at_s"]), float(row["x"]), float(row["y"])) if row["at_s"] else None
            labels.append(
                ClipLabel(row["clip"], float(row["from_s"]), float(row["to_s"]), row["label"], row["who"], point)
            )
    return labels


def _person_at(persons: list[dict], point: tuple[float, float, float] | None) -> dict | None:
    if point is None:
        return persons[0] if len(persons) == 1 else None
    at_s, x, y = point
    best, best_gap = None, 0.25  # the sample nearest in time, within 0.25 s, whose box holds the point
    for person in persons:
        for sample in person["samples"]:
            bx, by, bw, bh = sample["box"]
            gap = abs(sample["t"] - at_s)
            if gap < best_gap and bx <= x <= bx + bw and by <= y <= by + bh:
                best, best_gap = person, gap
    return best


def read_stretch(label: ClipLabel, persons: list[dict]) -> StretchReading:
    """The stretch's reading from an export's persons (result_formats.person_dict, with boxes)."""
    person = _person_at(persons, label.point)
    if person is None:
        return StretchReading(label, None, 0, None, None, None, None)
    samples = person["samples"]
    t = np.array([s["t"] for s in samples])
    probabilities = np.array([s["p"] for s in samples]).reshape(-1, 7)
    pitch = np.array([np.nan if s["pitch"] is None else s["pitch"] for s in samples])
    weights = scale.mood_weights(np.array([s["q"] for s in samples]), pitch)
    calm = scale.person_calm(probabilities, weights)
    inside = (t >= label.from_s) & (t <= label.to_s)
    if not inside.any():
        return StretchReading(label, person["id"], 0, None, None, calm, None)
    w = weights[inside]
    return StretchReading(
        label,
        person["id"],
        int(inside.sum()),
        float(np.average(scale.raw_valence(probabilities[inside]), weights=w)),
        float(np.average(scale.valence(probabilities[inside], calm), weights=w)),
        calm,
        float(scale.looking_down(pitch[inside]).mean()),
    )
