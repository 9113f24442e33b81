"""One shown person's part of their run's stored timeline (models.RunTimeline), from their samples or from
the timeline as stored.

A part is what the timeline keeps of a person: their binned probabilities and facing shares, as stored
(float16), their calm level and their figures (rounded as stored). The room's series and the video's
figures are computed from the parts alone (timeline_store.store_timeline), so an edit that changes a few
persons reads only their samples and takes the others' parts from the stored timeline
(timeline_update.py), and gets the timeline a full build makes.
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from analysis.core.attention import attending, attention_share
from analysis.core.emotion_summary import EmotionSummary, summarize
from analysis.core.emotions import EMOTIONS
from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.facial_summary import facial_summary, state_flags
from analysis.core.group_mood import PersonSeries, binned, binned_facing, binned_states
from analysis.core.valence import mood_weights
from analysis.core.video_figures import facing_count, state_count
from analysis.models import Person, RunTimeline, Sample


def sample_table(person_id: int) -> tuple[np.ndarray, ...]:
    """Times, probabilities (N, 7), face qualities, yaws, pitches and facial measures (N, 6) of a person's
    samples, in time order; NaN where not measured."""
    rows = Sample.objects.filter(person_id=person_id).order_by("t")
    rows = rows.values_list("t", "quality", "yaw", "pitch", *EMOTIONS, *MEASURE_NAMES)
    rows = np.array(rows, dtype=float).reshape(-1, 4 + len(EMOTIONS) + len(MEASURE_NAMES))  # None: NaN
    measured = 4 + len(EMOTIONS)
    return rows[:, 0], rows[:, 4:measured], rows[:, 1], rows[:, 2], rows[:, 3], rows[:, measured:]


def _as_stored(values: np.ndarray) -> np.ndarray:
    """`values` as the timeline stores them (float16), back in float64."""
    return values.astype(np.float16).astype(np.float64)


@dataclass(frozen=True)
class PersonPart:
    number: int
    probabilities: np.ndarray  # (B, 7) float16 values; NaN where unseen
    facing: np.ndarray  # (B,) float16 values; NaN where unknown
    states: np.ndarray  # (B, 2) float16 values: talking and eyes-closed shares; NaN where not measured
    calm: float  # raw valence scale, rounded to 4 places as stored
    summary: EmotionSummary  # only weight, shares and valence are kept (what the video's figures pool)
    facing_counts: tuple[float, int]  # samples facing the camera, samples with a known pose
    state_counts: tuple[float, float, int]  # samples talking, with the eyes closed, and measured

    def stored_figures(self) -> dict:
        return {
            "shares": self.summary.shares,
            "valence": self.summary.valence,
            "weight": self.summary.weight,
            "facing": list(self.facing_counts),
            "states": list(self.state_counts),
        }

    @classmethod
    def from_timeline(cls, timeline: RunTimeline, row: int, arrays: tuple[np.ndarray, ...]) -> "PersonPart":
        """Row `row` of the stored timeline (`arrays`: its probabilities, facing and states arrays); its summary
        must hold person_figures (timelines made since they are kept)."""
        number = timeline.numbers[row]
        figures = timeline.summary["person_figures"][str(number)]
        summary = EmotionSummary(
            dominant="", shares=figures["shares"], mean={}, valence=figures["valence"], weight=figures["weight"]
        )
        facing_sum, posed = figures["facing"]
        talking, closed, measured = figures["states"]
        return cls(
            number=number,
            probabilities=arrays[0][row],
            facing=arrays[1][row],
            states=arrays[2][row],
            calm=float(timeline.summary["calm"][row]),
            summary=summary,
            facing_counts=(float(facing_sum), int(posed)),
            state_counts=(float(talking), float(closed), int(measured)),
        )


@dataclass(frozen=True)
class PersonTable:
    """A person's samples, read once: their part of the timeline and their own summary come from it."""

    person: Person
    t: np.ndarray
    probabilities: np.ndarray
    quality: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    measures: np.ndarray  # (N, 6) face_measures.MEASURE_NAMES' order
    summary: EmotionSummary

    @classmethod
    def read(cls, person: Person) -> "PersonTable":
        t, probabilities, quality, yaw, pitch, measures = sample_table(person.pk)
        summary = summarize(t, probabilities, quality, pitch, person.calm_stretch)
        return cls(person, t, probabilities, quality, yaw, pitch, measures, summary)

    @property
    def last_s(self) -> float:
        return float(self.t[-1]) if len(self.t) else 0.0

    def attending(self) -> np.ndarray:
        """Per sample 1.0 attending (facing the camera, eyes open), 0.0 not, NaN unknown (core/attention.py),
        at the site's ATTENTION_MAX_DEG."""
        return attending(self.t, self.yaw, self.pitch, self.measures, settings.ATTENTION_MAX_DEG)

    def part(self, bin_s: float, bins: int) -> PersonPart:
        facing_values = self.attending()
        weights = mood_weights(self.quality, self.pitch)
        talking, closed = state_flags(self.t, self.measures)
        series = PersonSeries(
            self.person.number, self.t, self.probabilities, weights, facing_values, talking=talking, eyes_closed=closed
        )
        return PersonPart(
            number=self.person.number,
            probabilities=_as_stored(binned(series, bin_s, bins)),
            facing=_as_stored(binned_facing(series, bin_s, bins)),
            states=_as_stored(binned_states(series, bin_s, bins)),
            calm=round(self.summary.calm, 4),
            summary=self.summary,
            facing_counts=facing_count(facing_values),
            state_counts=state_count(talking, closed),
        )

    def person_fields(self) -> dict:
        """The person's stored span, count and summary fields (models.Person), from these samples."""
        return {
            "first_s": float(self.t[0]) if len(self.t) else 0.0,
            "last_s": self.last_s,
            "sample_count": len(self.t),
            "dominant": self.summary.dominant,
            "shares": self.summary.shares,
            "mean": self.summary.mean,
            "valence": self.summary.valence,
            "looking_down": self.summary.looking_down,
            "attention": attention_share(self.attending()),
            "facial": facial_summary(self.t, self.measures),
        }
