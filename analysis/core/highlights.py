"""Moments worth a look, found in the room's mood (group_mood.py) and told as sentences.

- The strongest fall and the strongest rise of the room's valence between two moments
  CHANGE_WINDOW_S apart (at least MIN_VALENCE_CHANGE), with the emotion whose share moved most.
- Each emotion's peak: the moment the largest share of faces leads with it (at least
  MIN_PEAK_SHARE; neutral is left out, being the resting state).
- The person who differs most from the room: the largest mean gap between their valence and
  the others' mean, over at least MIN_PERSON_BINS bins shared with MIN_FACES - 1 others.
- The longest stretch, at least MIN_CLOSED_S, in which at least MIN_CLOSED_FACES faces and a third of
  those measured had their eyes closed (group_mood's eyes_closed: for half of their samples in a bin).
Only moments with at least MIN_FACES faces on screen count; a video that never has that many gets
no highlights (a "room" of one or two people has no mood to summarise).
"""

from dataclasses import dataclass

import numpy as np

from .emotions import EMOTIONS
from .group_mood import GroupMood

MIN_FACES = 3
CHANGE_WINDOW_S = 10.0
MIN_VALENCE_CHANGE = 0.25
MIN_PEAK_SHARE = 0.4
MIN_PERSON_BINS = 5
MIN_PERSON_GAP = 0.2
MIN_CLOSED_S = 3.0
MIN_CLOSED_FACES = 2


@dataclass(frozen=True)
class Highlight:
    kind: str  # "fall", "rise", "peak", "outlier" or "eyes-closed"
    start_s: float
    end_s: float
    text: str
    person_number: int | None = None


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def find_highlights(mood: GroupMood) -> list[Highlight]:
    crowded = mood.visible >= MIN_FACES
    if not crowded.any():
        return []
    found = _valence_changes(mood, crowded)
    outlier = _outlier(mood, crowded)
    if outlier:
        found.append(outlier)
    closed = _eyes_closed(mood, crowded)
    return found + _peaks(mood, crowded) + ([closed] if closed else [])


def _valence_changes(mood: GroupMood, crowded: np.ndarray) -> list[Highlight]:
    step = max(1, int(round(CHANGE_WINDOW_S / mood.bin_s)))
    if len(mood.times) <= step:
        return []
    before, after = np.arange(len(mood.times) - step), np.arange(step, len(mood.times))
    both = crowded[before] & crowded[after]
    change = np.where(both, mood.valence[after] - mood.valence[before], 0.0)
    found = []
    for kind, index in (("fall", int(np.argmin(change))), ("rise", int(np.argmax(change)))):
        delta = change[index]
        if abs(delta) < MIN_VALENCE_CHANGE or (kind == "fall") != (delta < 0):
            continue
        a, b = before[index], after[index]
        moved = int(np.argmax(np.abs(mood.shares[b] - mood.shares[a])))
        name = EMOTIONS[moved]
        count_a, count_b = (int(round(mood.shares[i, moved] * mood.visible[i])) for i in (a, b))
        verb = "rose" if kind == "rise" else "fell"
        text = (
            f"{clock(mood.times[a])}-{clock(mood.times[b] + mood.bin_s)}: the room's valence {verb} from "
            f"{mood.valence[a]:+.2f} to {mood.valence[b]:+.2f}; {name} faces went from "
            f"{mood.shares[a, moved]:.0%} to {mood.shares[b, moved]:.0%} "
            f"({count_a} of {mood.visible[a]} people, then {count_b} of {mood.visible[b]})"
        )
        found.append(Highlight(kind, float(mood.times[a]), float(mood.times[b] + mood.bin_s), text))
    return found


def _peaks(mood: GroupMood, crowded: np.ndarray) -> list[Highlight]:
    found = []
    for i, name in enumerate(EMOTIONS):
        if name == "neutral":
            continue
        shares = np.where(crowded, mood.shares[:, i], 0.0)
        index = int(np.argmax(shares))
        if shares[index] < MIN_PEAK_SHARE:
            continue
        people = int(round(shares[index] * mood.visible[index]))
        text = (
            f"{clock(mood.times[index])}: the most {name} moment, {people} of {mood.visible[index]} faces "
            f"({shares[index]:.0%}) led by {name}"
        )
        found.append(Highlight("peak", float(mood.times[index]), float(mood.times[index] + mood.bin_s), text))
    return found


def _outlier(mood: GroupMood, crowded: np.ndarray) -> Highlight | None:
    seen = ~np.isnan(mood.person_valence)
    total = np.nansum(mood.person_valence, axis=0)
    best, best_gap = None, 0.0
    for row, number in enumerate(mood.numbers):
        shared = seen[row] & crowded
        if shared.sum() < MIN_PERSON_BINS:
            continue
        own = mood.person_valence[row, shared]
        others = (total[shared] - own) / (mood.visible[shared] - 1)
        gap = float(np.mean(own - others))
        if abs(gap) >= MIN_PERSON_GAP and abs(gap) > abs(best_gap):
            best, best_gap = (row, number, shared, float(own.mean()), float(others.mean())), gap
    if best is None:
        return None
    row, number, shared, own_mean, others_mean = best
    start, end = float(mood.times[shared][0]), float(mood.times[shared][-1] + mood.bin_s)
    text = (
        f"Person {number} differs most from the room: valence {own_mean:+.2f} against the others' "
        f"{others_mean:+.2f} while on screen together ({clock(start)}-{clock(end)})"
    )
    return Highlight("outlier", start, end, text, person_number=number)


def _eyes_closed(mood: GroupMood, crowded: np.ndarray) -> Highlight | None:
    closed = mood.eyes_closed
    many = crowded & (closed >= MIN_CLOSED_FACES) & (closed * 3 >= mood.states_known)
    best: tuple[int, int] | None = None
    start = None
    for i, flag in enumerate([*many, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    if best is None or (best[1] - best[0]) * mood.bin_s < MIN_CLOSED_S - 1e-9:
        return None
    first, last = best
    peak = first + int(np.argmax(closed[first:last]))
    start_s, end_s = float(mood.times[first]), float(mood.times[last - 1] + mood.bin_s)
    text = f"{clock(start_s)}-{clock(end_s)}: {closed[peak]} of {mood.visible[peak]} faces had their eyes closed"
    return Highlight("eyes-closed", start_s, end_s, text)
