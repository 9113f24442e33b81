"""Participants' responses along a stimulus: each participant's series put on stimulus time, the group's
mean with a 95% band per time bin, and the moments the group reacted most. Plain numpy, no Django.

A participant's series come from their recording's timeline (binned on recording time) and where the
stimulus started in that recording; stimulus time 0 is the stimulus' first frame. The band is the mean
plus or minus t(0.975, n-1) standard errors over the participants seen in the bin, from MIN_PARTICIPANTS
on (fewer: no band, the lines themselves say it all), as study_stats does for groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .emotions import EMOTIONS

MIN_PARTICIPANTS = 3
# t(0.975, df) for df = 1..30; beyond, the normal 1.96 is within 2%.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131)
_T975 += (2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
# A reaction: the group's mean valence, each participant against their own median over the stimulus,
# smoothed over REACTION_SMOOTH_S, at least REACTION_MIN away from 0; moments REACTION_GAP_S apart.
REACTION_SMOOTH_S = 3.0
REACTION_MIN = 0.1
REACTION_GAP_S = 5.0
MAX_REACTIONS = 3


@dataclass(frozen=True)
class ParticipantSeries:
    """One participant's recording, binned on recording time: bin starts `t` (s), and per bin valence,
    attention (NaN unknown) and the 7 emotions' probabilities (NaN where unseen)."""

    name: str
    t: np.ndarray
    bin_s: float
    valence: np.ndarray
    attention: np.ndarray
    probabilities: np.ndarray  # (B, 7)
    stimulus_start_s: float  # where the stimulus started, in the recording's time


@dataclass(frozen=True)
class Band:
    mean: np.ndarray  # NaN where nobody was seen
    low: np.ndarray  # NaN where fewer than MIN_PARTICIPANTS were seen
    high: np.ndarray
    seen: np.ndarray  # participants with a value, per bin


@dataclass(frozen=True)
class Reaction:
    start_s: float  # stimulus time
    end_s: float
    change: float  # the group's mean valence against each one's own median, at its peak
    agreeing: int  # participants whose own valence moved the same way there
    seen: int

    @property
    def text(self) -> str:
        way = "rose" if self.change > 0 else "fell"
        return (
            f"{clock(self.start_s)}-{clock(self.end_s)}: valence {way} ({self.change:+.2f}; "
            f"{self.agreeing} of {self.seen} participants)"
        )


@dataclass
class Responses:
    t: np.ndarray  # bin starts, stimulus time (s)
    step_s: float
    names: list[str]
    valence: np.ndarray  # (P, T): each participant's line
    attention: np.ndarray
    leading: np.ndarray  # (P, T, 7): 1.0 where the emotion leads the participant's bin, NaN unseen
    bands: dict[str, Band] = field(default_factory=dict)  # "valence", "attention", each emotion
    reactions: list[Reaction] = field(default_factory=list)


def clock(seconds: float) -> str:
    whole = max(0, int(round(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


def _t975(df: int) -> float:
    return _T975[df - 1] if df <= len(_T975) else 1.96


def band(values: np.ndarray) -> Band:
    """The mean over rows (participants) of (P, T) values, NaN ignored, with its 95% band."""
    seen = np.isfinite(values).sum(axis=0)
    filled = np.where(np.isfinite(values), values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(seen > 0, filled.sum(axis=0) / np.maximum(seen, 1), np.nan)
        deviation = np.where(np.isfinite(values), values - mean, 0.0)
        sd = np.sqrt((deviation**2).sum(axis=0) / np.maximum(seen - 1, 1))
        half = np.array([_t975(int(n) - 1) if n >= MIN_PARTICIPANTS else np.nan for n in seen]) * sd / np.sqrt(seen)
    return Band(mean=mean, low=mean - half, high=mean + half, seen=seen)


def on_stimulus_grid(series: ParticipantSeries, step_s: float, bins: int) -> tuple[np.ndarray, ...]:
    """The participant's valence (T,), attention (T,) and probabilities (T, 7) on stimulus time's bins of
    `step_s` (each recording bin goes to the stimulus bin holding its centre; several average; NaN empty)."""
    centres = series.t + series.bin_s / 2 - series.stimulus_start_s
    index = np.floor(centres / step_s).astype(int)
    inside = (index >= 0) & (index < bins)
    out = []
    for values in (series.valence, series.attention, series.probabilities):
        values = np.asarray(values, dtype=float).reshape(len(series.t), -1)
        known = inside[:, None] & np.isfinite(values)
        total = np.zeros((bins, values.shape[1]))
        count = np.zeros((bins, values.shape[1]))
        rows = np.broadcast_to(index[:, None], values.shape)
        columns = np.broadcast_to(np.arange(values.shape[1]), values.shape)
        np.add.at(total, (rows[known], columns[known]), values[known])
        np.add.at(count, (rows[known], columns[known]), 1)
        with np.errstate(invalid="ignore"):
            averaged = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        out.append(averaged[:, 0] if values.shape[1] == 1 else averaged)
    return tuple(out)


def _leading(probabilities: np.ndarray) -> np.ndarray:
    """(T, 7) probabilities -> (T, 7): 1.0 for the leading emotion, 0.0 the others, NaN where unseen."""
    seen = np.isfinite(probabilities).all(axis=1)
    leading = np.zeros_like(probabilities)
    leading[np.arange(len(probabilities)), np.nan_to_num(probabilities, nan=-1.0).argmax(axis=1)] = 1.0
    leading[~seen] = np.nan
    return leading


def responses(participants: list[ParticipantSeries], duration_s: float, step_s: float = 1.0) -> Responses:
    """Every participant on the stimulus' time (0 to `duration_s`, bins of `step_s`), the bands and reactions."""
    bins = max(1, int(np.ceil(duration_s / step_s)))
    t = np.arange(bins) * step_s
    placed = [on_stimulus_grid(p, step_s, bins) for p in participants]
    valence = np.array([v for v, _, _ in placed]).reshape(len(placed), bins)
    attention = np.array([a for _, a, _ in placed]).reshape(len(placed), bins)
    leading = np.array([_leading(p) for _, _, p in placed]).reshape(len(placed), bins, len(EMOTIONS))
    result = Responses(t, step_s, [p.name for p in participants], valence, attention, leading)
    result.bands = {"valence": band(valence), "attention": band(attention)}
    for k, name in enumerate(EMOTIONS):
        result.bands[name] = band(leading[:, :, k])
    result.reactions = reactions(t, step_s, valence)
    return result


def _smoothed(values: np.ndarray, bins: int) -> np.ndarray:
    """A centred moving mean over `bins` (NaN ignored; NaN where the window has nothing)."""
    if bins <= 1:
        return values
    known = np.isfinite(values)
    kernel = np.ones(bins)
    total = np.convolve(np.where(known, values, 0.0), kernel, mode="same")
    count = np.convolve(known.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def reactions(t: np.ndarray, step_s: float, valence: np.ndarray) -> list[Reaction]:
    """The moments the group's valence moved most from each participant's own usual level, largest first."""
    if valence.size == 0:
        return []
    medians = [np.median(row[np.isfinite(row)]) if np.isfinite(row).any() else np.nan for row in valence]
    own = valence - np.array(medians)[:, None]
    smooth_bins = max(1, int(round(REACTION_SMOOTH_S / step_s)))
    per_participant = np.array([_smoothed(row, smooth_bins) for row in own]).reshape(own.shape)
    group = band(per_participant).mean
    strength = np.where(np.isfinite(group), np.abs(group), 0.0)
    found: list[Reaction] = []
    gap = max(1, int(round(REACTION_GAP_S / step_s)))
    taken = np.zeros(len(t), dtype=bool)
    for peak in np.argsort(-strength, kind="stable"):
        if len(found) == MAX_REACTIONS or strength[peak] < REACTION_MIN:
            break
        if taken[max(0, peak - gap) : peak + gap + 1].any():
            continue
        first, last = peak, peak  # the stretch around the peak at half its strength or more, same sign
        sign = np.sign(group[peak])
        while first > 0 and np.sign(group[first - 1]) == sign and strength[first - 1] >= strength[peak] / 2:
            first -= 1
        while last < len(t) - 1 and np.sign(group[last + 1]) == sign and strength[last + 1] >= strength[peak] / 2:
            last += 1
        taken[first : last + 1] = True
        column = per_participant[:, peak]
        seen = int(np.isfinite(column).sum())
        agreeing = int((np.sign(column[np.isfinite(column)]) == sign).sum())
        found.append(Reaction(float(t[first]), float(t[last] + step_s), float(group[peak]), agreeing, seen))
    return found
