"""Event markers: reading them from CSV, and the room's mood in the seconds after each one."""

from dataclasses import dataclass

import numpy as np

from .csv_text import CsvTextError, csv_rows
from .emotions import EMOTIONS
from .group_mood import GroupMood

WINDOW_S = 10.0  # a marker's summary covers this long after it
MAX_MARKERS = 1000
MAX_LABEL = 120


class MarkerFileError(ValueError):
    """A marker file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class MarkerSummary:
    faces: float  # mean number of faces seen
    valence: float | None  # the room's mean valence; None when nobody was seen
    shares: dict[str, float]  # share of faces led by each emotion, averaged over the window


def parse_time(text: str) -> float:
    """Seconds from "75", "75.5", "1:15" or "0:01:15"."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    if not np.isfinite(seconds) or seconds < 0:
        raise ValueError(text)
    return seconds


def read_marker_csv(text: str) -> list[tuple[float, str]]:
    """Rows `time,label` (a header row `time,label` is skipped); raises MarkerFileError naming the line."""
    markers = []
    try:
        rows = csv_rows(text)
    except CsvTextError as error:
        raise MarkerFileError(str(error)) from None
    for number, row in enumerate(rows, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and [cell.strip().lower() for cell in row[:2]] == ["time", "label"]:
            continue
        if len(row) < 2 or not row[1].strip():
            raise MarkerFileError(f"Line {number}: expected time,label")
        try:
            t = parse_time(row[0])
        except ValueError:
            raise MarkerFileError(f"Line {number}: {row[0]!r} is not a time (seconds, or m:ss)") from None
        label = ",".join(row[1:]).strip()
        if len(label) > MAX_LABEL:
            raise MarkerFileError(f"Line {number}: the label is longer than {MAX_LABEL} characters")
        markers.append((t, label))
        if len(markers) > MAX_MARKERS:
            raise MarkerFileError(f"More than {MAX_MARKERS} markers")
    if not markers:
        raise MarkerFileError("No markers in the file (expected lines of time,label)")
    return markers


def after_marker(mood: GroupMood, t: float, window_s: float = WINDOW_S) -> MarkerSummary:
    inside = (mood.times + mood.bin_s > t) & (mood.times < t + window_s)
    seen = inside & (mood.visible > 0)
    if not seen.any():
        return MarkerSummary(faces=0.0, valence=None, shares=dict.fromkeys(EMOTIONS, 0.0))
    shares = mood.shares[seen].mean(axis=0)
    return MarkerSummary(
        faces=float(mood.visible[inside].mean()),
        valence=float(np.nanmean(mood.valence[seen])),
        shares={name: round(float(s), 3) for name, s in zip(EMOTIONS, shares)},
    )


def count_faces(mean: float) -> str:
    """A mean count of faces as a person reads it: "1 face", "3 faces", or "2.4 faces on average"."""
    rounded = round(mean, 1)
    if rounded == int(rounded):  # a whole count: no "1.0 faces"
        return f"{int(rounded)} face{'' if int(rounded) == 1 else 's'}"
    return f"{rounded:.1f} faces on average"


def describe(summary: MarkerSummary, window_s: float = WINDOW_S) -> str:
    """One line for the results page, e.g. "next 10 s: 6.2 faces on average, valence +0.31; happy 55%, neutral 30%"."""
    if summary.valence is None:
        return f"next {window_s:g} s: no faces"
    top = sorted(summary.shares.items(), key=lambda item: -item[1])[:2]
    leading = ", ".join(f"{name} {share:.0%}" for name, share in top if share > 0)
    return f"next {window_s:g} s: {count_faces(summary.faces)}, valence {summary.valence:+.2f}; {leading}"


# The markers a participant session puts in each recording (analysis/sessions): where the stimulus started
# and ended by the participant's player. The study's tidy export counts stimulus time from the first.
STIMULUS_START = "stimulus start"
STIMULUS_END = "stimulus end"
