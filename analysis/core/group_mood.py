"""The room's mood over time: every person's smoothed emotions on one time grid, and their aggregates.

Time is cut into bins (1 s, or longer so that a video has at most MAX_BINS), from 0 to the video's end:
a tail shorter than half a bin joins the last bin (bin_count), so no bin starts at or past the end and
every bin's middle, where the charts draw it, lies inside the video. In each bin a
person who was seen has the weighted mean (valence.mood_weights: face quality, less for a head
looking down) of their smoothed probabilities there (the
signal of the charts and summaries, series.smooth). Across the people seen in a bin:
- `shares`: the share of them whose leading emotion is each of the seven;
- `valence`: the mean of their valences (valence.py: 0 is calm, each person measured against their own
  calm level, `PersonSeries.calm`);
- `spread`: the standard deviation of those valences (0 when one person is seen);
- `attention`: the mean, over the people seen whose head pose is known, of their share of samples
  in the bin attending (attention.py: facing the camera with the eyes open; each person counts once,
  however many samples);
- `talking` and `eyes_closed`: how many of the people seen were talking, or had their eyes closed,
  for at least half of their samples in the bin (facial_states.talking and eyes_closed, each against
  the person's own series), out of `states_known`, those seen whose facial states were measured.
"""

from dataclasses import dataclass

import numpy as np

from .emotions import EMOTIONS
from .series import smooth
from .valence import CALM_RAW, valence

MAX_BINS = 1200
MIN_BIN_S = 1.0
# Which grid a stored timeline was made on (timeline_store.run_timeline remakes older ones): 2 since the
# last bin stopped reaching past the video's end (bin_count).
TIME_GRID = 2


@dataclass(frozen=True)
class PersonSeries:
    number: int
    t: np.ndarray  # (N,) seconds, sorted
    probabilities: np.ndarray  # (N, 7) raw samples
    quality: np.ndarray  # (N,) each sample's weight (valence.mood_weights)
    facing: np.ndarray | None = None  # (N,) 1.0 facing the camera, 0.0 turned away, NaN unknown; None: all unknown
    calm: float = CALM_RAW  # the person's calm level on the raw valence scale (valence.person_calm)
    talking: np.ndarray | None = None  # (N,) 1.0 talking, 0.0 not, NaN not measured; None: none measured
    eyes_closed: np.ndarray | None = None  # (N,) 1.0 eyes closed, 0.0 open, NaN not measured


@dataclass(frozen=True)
class GroupMood:
    bin_s: float
    times: np.ndarray  # (B,) bin starts, seconds
    visible: np.ndarray  # (B,) people seen in each bin
    shares: np.ndarray  # (B, 7) share of the people seen whose leading emotion is each one; 0 where none
    valence: np.ndarray  # (B,) mean valence of the people seen; NaN where none
    spread: np.ndarray  # (B,) standard deviation of their valences; NaN where none
    numbers: list[int]  # person numbers, rows of the per-person arrays, most time on screen first
    person_probabilities: np.ndarray  # (P, B, 7); NaN where the person was not seen
    person_valence: np.ndarray  # (P, B); NaN where the person was not seen
    attention: np.ndarray  # (B,) mean facing share of the people seen with a known pose; NaN where none
    person_attention: np.ndarray  # (P, B) share of the person's samples facing; NaN where unseen or unknown
    talking: np.ndarray  # (B,) people seen talking for at least half of their samples in the bin
    eyes_closed: np.ndarray  # (B,) people seen with their eyes closed for at least half of their samples
    states_known: np.ndarray  # (B,) people seen whose facial states were measured in the bin


def bin_seconds(duration_s: float, max_bins: int = MAX_BINS) -> float:
    """MIN_BIN_S, or a longer whole number of seconds so the video fits in `max_bins` bins."""
    return max(MIN_BIN_S, float(np.ceil(duration_s / max_bins)))


def binned(series: PersonSeries, bin_s: float, bins: int) -> np.ndarray:
    """(bins, 7): the person's smoothed, quality-weighted probabilities per bin; NaN where unseen."""
    out = np.full((bins, len(EMOTIONS)), np.nan)
    if len(series.t) == 0:
        return out
    smoothed = smooth(series.t, series.probabilities, series.quality)
    index = np.minimum((series.t // bin_s).astype(int), bins - 1)
    weighted = np.zeros((bins, len(EMOTIONS)))
    weight = np.zeros(bins)
    np.add.at(weighted, index, smoothed * series.quality[:, None])
    np.add.at(weight, index, series.quality)
    seen = weight > 0
    out[seen] = weighted[seen] / weight[seen, None]
    return out


def binned_share(t: np.ndarray, flags: np.ndarray | None, bin_s: float, bins: int) -> np.ndarray:
    """(bins,): the mean of the known `flags` (1.0/0.0, NaN unknown; None: all unknown) of the samples at
    times `t` in each bin; NaN where none is known."""
    out = np.full(bins, np.nan)
    if flags is None or len(t) == 0:
        return out
    known = ~np.isnan(flags)
    index = np.minimum((t[known] // bin_s).astype(int), bins - 1)
    total = np.bincount(index, weights=flags[known], minlength=bins)
    counted = np.bincount(index, minlength=bins)
    seen = counted > 0
    out[seen] = total[seen] / counted[seen]
    return out


def binned_facing(series: PersonSeries, bin_s: float, bins: int) -> np.ndarray:
    """(bins,): the share of the person's samples with a known pose that face the camera; NaN where none."""
    return binned_share(series.t, series.facing, bin_s, bins)


def binned_states(series: PersonSeries, bin_s: float, bins: int) -> np.ndarray:
    """(bins, 2): the person's share of measured samples talking, and with the eyes closed; NaN where none."""
    return np.stack([binned_share(series.t, flags, bin_s, bins) for flags in (series.talking, series.eyes_closed)], 1)


def facing_bins(persons: list[PersonSeries], bin_s: float, bins: int) -> np.ndarray:
    """(P, B): each person's binned facing share (binned_facing), in the order of `persons`."""
    return np.array([binned_facing(p, bin_s, bins) for p in persons]).reshape(len(persons), bins)


def bin_count(end_s: float, bin_s: float) -> int:
    """Bins of `bin_s` from 0 to `end_s`, the last one taking a tail shorter than half a bin. Rounding up
    instead made, for a 10.008 s clip, an 11th bin at 10-11 s with no frame in it: drawn at 10.5 s, past
    the end, as no faces."""
    return max(1, int(end_s / bin_s + 0.5))


def person_bins(persons: list[PersonSeries], duration_s: float, max_bins: int = MAX_BINS) -> tuple[float, np.ndarray]:
    """The bin length and the (P, B, 7) binned probabilities of `persons`, in their order. The grid ends
    at the video's end, or at the last sample where samples run past the stated duration."""
    bin_s = bin_seconds(duration_s, max_bins)
    end = max([duration_s, *(float(p.t[-1]) for p in persons if len(p.t))])
    bins = bin_count(end, bin_s)
    return bin_s, np.array([binned(p, bin_s, bins) for p in persons]).reshape(len(persons), bins, len(EMOTIONS))


def group_mood(
    numbers: list[int],
    per_person: np.ndarray,
    bin_s: float,
    per_person_facing: np.ndarray | None = None,
    calm: np.ndarray | None = None,
    per_person_states: np.ndarray | None = None,
) -> GroupMood:
    """The room's aggregates from each person's binned probabilities (P, B, 7), NaN where unseen, their
    binned facing shares (P, B), NaN where unknown (None: all unknown), their calm levels (P,) on the raw
    valence scale (None: everyone's is valence.CALM_RAW), and their binned facial states (P, B, 2: talking,
    eyes closed; binned_states), NaN where not measured (None: none measured)."""
    bins = per_person.shape[1]
    seen = ~np.isnan(per_person[:, :, 0])
    if per_person_facing is None:
        per_person_facing = np.full(seen.shape, np.nan)
    order = np.argsort(-seen.sum(axis=1), kind="stable")  # most time on screen first
    per_person, seen = per_person[order], seen[order]
    calm = np.full(len(numbers), CALM_RAW) if calm is None else np.asarray(calm, dtype=float)
    person_attention = np.where(seen, per_person_facing[order], np.nan)
    if per_person_states is None:
        per_person_states = np.full((*seen.shape, 2), np.nan)
    states = np.where(seen[:, :, None], per_person_states[order], np.nan)
    with np.errstate(invalid="ignore"):
        talking, closed = ((states[:, :, k] >= 0.5).sum(axis=0) for k in (0, 1))
    known = ~np.isnan(person_attention)
    attention_count = known.sum(axis=0)
    person_valence = np.where(seen, valence(np.nan_to_num(per_person), calm[order, None]), np.nan)
    visible = seen.sum(axis=0)
    leading = np.where(seen, np.nan_to_num(per_person).argmax(axis=2), -1)
    counts = np.stack([(leading == i).sum(axis=0) for i in range(len(EMOTIONS))], axis=1)
    shares = np.divide(counts, visible[:, None], out=np.zeros(counts.shape), where=visible[:, None] > 0)
    valence_sum = np.nansum(person_valence, axis=0)
    square_sum = np.nansum(person_valence**2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_valence = np.where(visible > 0, valence_sum / visible, np.nan)
        spread = np.where(visible > 0, np.sqrt(np.maximum(square_sum / visible - mean_valence**2, 0.0)), np.nan)
        attention = np.where(attention_count > 0, np.nansum(person_attention, axis=0) / attention_count, np.nan)
    return GroupMood(
        bin_s=bin_s,
        times=np.arange(bins) * bin_s,
        visible=visible,
        shares=shares,
        valence=mean_valence,
        spread=spread,
        numbers=[numbers[i] for i in order],
        person_probabilities=per_person,
        person_valence=person_valence,
        attention=attention,
        person_attention=person_attention,
        talking=talking,
        eyes_closed=closed,
        states_known=(~np.isnan(states[:, :, 0])).sum(axis=0),
    )
