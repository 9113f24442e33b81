"""The numbers of a study page, from each shown run's stored timeline (no samples are read).

A video's row: its duration, persons, and its figures (valence, attention, talking and eyes-closed shares,
each emotion's share of face-time: core/video_figures.py, stored in the run's timeline summary), the same
figures the results page and the exports show. Groups: the videos (or labelled participants) sharing a variable's value,
each with bootstrap intervals from 3 units on, else each unit's value (core/study_stats.py). Lines: the room's valence
over time per video or per group, on video time or from a marker label the videos share.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.core.study_stats import Interval, bootstrap_columns, bootstrap_mean, common_grid, shifted
from analysis.core.video_figures import leading
from analysis.models import AnalysisRun, Marker, ParticipantLabel, Person, RunTimeline, Study, StudyVideo
from analysis.results.timeline_store import is_current, refresh_valence

NO_VALUE = "(no value)"
UNITS = ("videos", "participants")
MAX_LINE_POINTS = 400


@dataclass
class VideoRow:
    membership_id: int
    video_id: int
    title: str
    duration_s: float
    values: dict
    status: str  # the latest run's status, or "" when the video has never been analysed
    status_label: str
    run_id: int | None = None  # the run whose results are shown
    persons: int = 0
    valence: float | None = None
    attention: float | None = None
    talking: float | None = None  # shares of the samples with facial measures (core/video_figures.py)
    eyes_closed: float | None = None
    shares: dict = field(default_factory=dict)  # each emotion's share of face-time (core/video_figures.py)
    weights: dict = field(default_factory=dict)  # person number (text) -> their weight in the figures

    @property
    def leading(self) -> tuple[str, float] | None:
        """The emotion with the largest share of face-time, and its share."""
        return leading(self.shares)


def _runs_by_video(video_ids: list[int]) -> tuple[dict[int, AnalysisRun], dict[int, int]]:
    """Each video's latest run (for its status) and the id of its shown run (its newest succeeded one)."""
    latest: dict[int, AnalysisRun] = {}
    shown: dict[int, int] = {}
    runs = AnalysisRun.objects.filter(video_id__in=video_ids).only("id", "video_id", "status", "created_at")
    for run in runs.order_by("-created_at", "-id"):
        latest.setdefault(run.video_id, run)
        if run.status == AnalysisRun.Status.SUCCEEDED:
            shown.setdefault(run.video_id, run.pk)
    return latest, shown


def _summaries(run_ids: list[int]) -> dict[int, dict]:
    """The timeline summaries of `run_ids`, made now for runs whose timeline predates summaries or today's
    valence scale (their persons' figures too, which the participants' comparison reads)."""
    found = dict(RunTimeline.objects.filter(run_id__in=run_ids).values_list("run_id", "summary"))
    for run_id in run_ids:
        if not is_current(found.get(run_id) or {}):
            found[run_id] = refresh_valence(AnalysisRun.objects.select_related("video").get(pk=run_id)).summary
    return found


def video_rows(study: Study) -> list[VideoRow]:
    memberships = list(
        StudyVideo.objects.filter(study=study)
        .select_related("video")
        .only("id", "values", "video__id", "video__title", "video__duration_s")
        .order_by("video__title", "id")
    )
    ids = [m.video_id for m in memberships]
    latest, shown = _runs_by_video(ids)
    summaries = _summaries(list(shown.values()))
    rows = []
    for membership in memberships:
        video, run = membership.video, latest.get(membership.video_id)
        row = VideoRow(
            membership_id=membership.pk,
            video_id=video.pk,
            title=video.title,
            duration_s=video.duration_s,
            values=membership.values,
            status=run.status if run else "",
            status_label=run.get_status_display() if run else "Not analysed",
        )
        if (run_id := shown.get(video.pk)) is not None:
            summary = summaries[run_id]
            row.run_id = run_id
            row.persons = summary.get("persons", 0)
            row.valence = summary.get("valence")
            row.attention = summary.get("attention")
            row.talking = summary.get("talking")
            row.eyes_closed = summary.get("eyes_closed")
            row.shares = summary.get("shares", {})
            row.weights = summary.get("weights", {})
        rows.append(row)
    return rows


def group_key(value) -> tuple:
    """Numbers in numeric order, then texts, then videos with no value."""
    if value is None:
        return (2, 0, "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0, str(value).lower())


def _label(value) -> str:
    return NO_VALUE if value is None else str(value)


@dataclass
class Group:
    value: str
    videos: int
    persons: int
    units: int  # videos or participants, what the intervals were drawn over
    valence: Interval
    attention: Interval
    talking: Interval
    eyes_closed: Interval
    shares: dict[str, Interval]

    @property
    def leading(self) -> tuple[str, Interval] | None:
        """The emotion with the largest mean share of face-time, and its interval."""
        known = {name: i for name, i in self.shares.items() if not np.isnan(i.mean)}
        if not known:
            return None
        name = max(known, key=lambda e: known[e].mean)
        return name, known[name]


@dataclass
class Comparison:
    variable: str
    unit: str
    groups: list[Group]
    left_out: int  # videos without results


class Unit(NamedTuple):
    """One unit of a comparison: a video (named by its title) or a participant (by their label); NaN unknown."""

    name: str
    valence: float
    attention: float
    talking: float
    eyes_closed: float
    shares: list[float]


def _known(value: float | None) -> float:
    return np.nan if value is None else value


def _unit_rows_by_videos(rows: list[VideoRow]) -> list[Unit]:
    return [
        Unit(
            row.title,
            _known(row.valence),
            _known(row.attention),
            _known(row.talking),
            _known(row.eyes_closed),
            [row.shares.get(name, 0.0) for name in EMOTIONS],
        )
        for row in rows
    ]


def _labelled_persons(study: Study, rows: list[VideoRow]) -> list[tuple]:
    """The labelled persons of these videos: (label, run id, number, samples, valence, attention, shares, facial),
    by label.

    One query for the whole study: compare() splits them by group."""
    run_ids = [row.run_id for row in rows]
    labels = ParticipantLabel.objects.filter(study=study, person__run_id__in=run_ids, person__hidden=False)
    fields = ("person__sample_count", "person__valence", "person__attention", "person__shares", "person__facial")
    return list(labels.values_list("label", "person__run_id", "person__number", *fields))


def _facial_share(facial: dict | None, count: int | None, key: str) -> tuple[float | None, float]:
    """A person's facial-states share `key` and its weight in a pooled share: their measured samples."""
    if not facial or facial.get(key) is None:
        return None, 0.0
    return facial[key], (facial.get("measured") or 0.0) * (count or 0)


def _unit_rows_by_participants(labelled: list[tuple], rows: list[VideoRow]) -> list[Unit]:
    """One row per participant: their persons' figures in these videos pooled as a video's are
    (core/video_figures.py: emotions and valence weighted by each person's weight in their video's figures,
    talking and eyes closed by their measured samples)."""
    weights_by_run = {row.run_id: row.weights for row in rows}
    per_label: dict[str, list] = defaultdict(list)
    for label, run_id, number, count, valence, attention, shares, facial in labelled:
        if run_id in weights_by_run:
            weight = weights_by_run[run_id].get(str(number), count or 0)
            states = [_facial_share(facial, count, key) for key in ("talking", "eyes_closed")]
            per_label[label].append((weight, valence, attention, shares or {}, states))
    units = []
    for label, entries in sorted(per_label.items()):
        weights = [weight for weight, *_ in entries]
        shares = [_weighted_mean([e[3].get(name, 0.0) for e in entries], weights) for name in EMOTIONS]
        talking, closed = (_weighted_mean([e[4][k][0] for e in entries], [e[4][k][1] for e in entries]) for k in (0, 1))
        units.append(
            Unit(
                label,
                _weighted_mean([e[1] for e in entries], weights),
                _weighted_mean([e[2] for e in entries], weights),
                talking,
                closed,
                shares,
            )
        )
    return units


def _weighted_mean(values: list, weights: list[float]) -> float:
    known = [(v, w) for v, w in zip(values, weights) if v is not None]
    if not known or sum(w for _, w in known) <= 0:
        return float(np.mean([v for v, _ in known])) if known else np.nan
    return float(np.average([v for v, _ in known], weights=[w for _, w in known]))


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """np.nanmean without its warning where a slice is all NaN (NaN there)."""
    known = ~np.isnan(values)
    total, count = np.where(known, values, 0.0).sum(axis=axis), known.sum(axis=axis)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def compare(study: Study, variable: str | None, unit: str = "videos", rows: list[VideoRow] | None = None) -> Comparison:
    """Mean valence, attention, talking and eyes-closed shares, and emotion shares of the groups of `variable`'s
    values (all videos in one group when `variable` is None), over videos or over labelled participants."""
    rows = video_rows(study) if rows is None else rows
    analysed = [row for row in rows if row.run_id is not None]
    by_value: dict = defaultdict(list)
    for row in analysed:
        by_value[row.values.get(variable) if variable else "all videos"].append(row)
    labelled = _labelled_persons(study, analysed) if unit == "participants" else []
    groups = []
    for seed, value in enumerate(sorted(by_value, key=group_key)):
        members = by_value[value]
        if unit == "participants":
            units = _unit_rows_by_participants(labelled, members)
        else:
            units = _unit_rows_by_videos(members)
        names = [u.name for u in units]

        def column(values: list, seed: int = seed, names: list[str] = names) -> Interval:
            return bootstrap_mean(np.array(values, dtype=float), seed=seed, names=names)

        shares = np.array([u.shares for u in units], dtype=float).reshape(len(units), len(EMOTIONS))
        groups.append(
            Group(
                value=_label(value),
                videos=len(members),
                persons=sum(row.persons for row in members),
                units=len(units),
                valence=column([u.valence for u in units]),
                attention=column([u.attention for u in units]),
                talking=column([u.talking for u in units]),
                eyes_closed=column([u.eyes_closed for u in units]),
                shares=dict(zip(EMOTIONS, bootstrap_columns(shares, seed=seed, names=names))),
            )
        )
    return Comparison(variable=variable or "", unit=unit, groups=groups, left_out=len(rows) - len(analysed))


@dataclass
class Line:
    name: str
    t: np.ndarray
    valence: np.ndarray
    attention: np.ndarray
    videos: int
    video_id: int | None = None  # the video of a per-video line


def _room_series(run_ids: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each run's (times, room valence, room attention), from the timelines' small arrays only."""
    series = {}
    fields = ("run_id", "bin_s", "bins", "room_valence", "room_attention")
    for run_id, bin_s, bins, valence, attention in RunTimeline.objects.filter(run_id__in=run_ids).values_list(*fields):
        valence = np.frombuffer(bytes(valence), dtype=np.float16).astype(float) if valence else np.full(bins, np.nan)
        attention = (
            np.frombuffer(bytes(attention), dtype=np.float16).astype(float) if attention else np.full(bins, np.nan)
        )
        series[run_id] = (np.arange(bins) * bin_s, valence, attention, bin_s)
    return series


def marker_labels(study: Study) -> list[tuple[str, int]]:
    """Marker labels found in at least two of the study's videos, with how many videos have each."""
    pairs = set(Marker.objects.filter(video__study_memberships__study=study).values_list("label", "video_id"))
    counts: dict[str, int] = defaultdict(int)
    for label, _ in pairs:
        counts[label] += 1
    return sorted(((label, n) for label, n in counts.items() if n >= 2), key=lambda item: (-item[1], item[0]))


def _downsample(t: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """At most MAX_LINE_POINTS points: means of runs of `step` bins (the last run may be shorter)."""
    step = max(1, int(np.ceil(len(t) / MAX_LINE_POINTS)))
    if step == 1:
        return (t, *values)
    padded = int(np.ceil(len(t) / step)) * step

    def runs(v: np.ndarray) -> np.ndarray:
        return np.concatenate([v, np.full(padded - len(v), np.nan)]).reshape(-1, step)

    return (t[::step], *(_nanmean(runs(v), axis=1) for v in values))


def room_lines(
    study: Study, by: str | None, align: str | None, rows: list[VideoRow] | None = None
) -> tuple[list[Line], int]:
    """The room's valence and attention over time: one line per video (`by` None) or per value of the
    variable `by` (the mean of its videos); aligned so that 0 is the first marker labelled `align`.
    Also returns how many analysed videos were left out for lacking that marker."""
    rows = [row for row in (video_rows(study) if rows is None else rows) if row.run_id is not None]
    series = _room_series([row.run_id for row in rows])
    origins: dict[int, float] = {}
    if align:
        for video_id, t in (
            Marker.objects.filter(video_id__in=[r.video_id for r in rows], label=align)
            .order_by("t")
            .values_list("video_id", "t")
        ):
            origins.setdefault(video_id, t)
    kept = [row for row in rows if row.run_id in series and (not align or row.video_id in origins)]
    left_out = len(rows) - len(kept)

    def placed(row: VideoRow) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        t, valence, attention, bin_s = series[row.run_id]
        return shifted(t, origins.get(row.video_id, 0.0)), valence, attention, bin_s

    lines = []
    if by is None:
        for row in kept:
            t, valence, attention, _ = placed(row)
            lines.append(Line(row.title, *_downsample(t, valence, attention), videos=1, video_id=row.video_id))
        return lines, left_out
    grouped: dict = defaultdict(list)
    for row in kept:
        grouped[row.values.get(by)].append(placed(row))
    for value in sorted(grouped, key=group_key):
        members = grouped[value]
        step = max(bin_s for *_, bin_s in members)
        grid, valence = common_grid([(t, v) for t, v, _, _ in members], step)
        _, attention = common_grid([(t, a) for t, _, a, _ in members], step)
        mean_valence, mean_attention = _nanmean(valence, axis=0), _nanmean(attention, axis=0)
        lines.append(Line(_label(value), *_downsample(grid, mean_valence, mean_attention), videos=len(members)))
    return lines, left_out


@dataclass
class ParticipantCell:
    video_id: int
    title: str
    person_number: int
    valence: float | None
    attention: float | None
    dominant: str


def participants_across_videos(study: Study, rows: list[VideoRow] | None = None) -> dict[str, list[ParticipantCell]]:
    """Each participant label's persons, one cell per video in the table's order."""
    rows = [row for row in (video_rows(study) if rows is None else rows) if row.run_id is not None]
    order = {row.run_id: i for i, row in enumerate(rows)}
    titles = {row.run_id: (row.video_id, row.title) for row in rows}
    labels = ParticipantLabel.objects.filter(study=study, person__run_id__in=list(order), person__hidden=False)
    cells: dict[str, list[tuple[int, ParticipantCell]]] = defaultdict(list)
    fields = ("label", "person__run_id", "person__number", "person__valence", "person__attention", "person__dominant")
    for label, run_id, number, valence, attention, dominant in labels.values_list(*fields):
        video_id, title = titles[run_id]
        cells[label].append((order[run_id], ParticipantCell(video_id, title, number, valence, attention, dominant)))
    return {
        label: [cell for _, cell in sorted(entries, key=lambda e: e[0])] for label, entries in sorted(cells.items())
    }


def persons_of(row: VideoRow) -> list[Person]:
    return list(Person.objects.filter(run_id=row.run_id, hidden=False).defer("thumbnail_jpeg", "encoding"))
