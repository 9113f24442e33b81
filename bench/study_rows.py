"""The rows of a study, made directly (no video files, no samples): for bench.study_page and its tests.

make_study(owner, name, videos, minutes, persons) makes a study with a text variable `condition`
(A/B) and a number variable `week`, and per video: a Video row (its file is never read), a
succeeded AnalysisRun, `persons` Person rows with their summaries (valence, attention, shares,
dominant, sample_count), a RunTimeline with arrays of a real run's shapes (core/group_mood.py's
bins: 3 s for an hour, 1200 bins; probabilities float16 (P, bins, 7), facing (P, bins), the
room's valence and attention (bins,)) and its summary, and markers (two "slide 4" among others).
Participant labels P01... go to up to `participants` persons of each video. No Sample rows: what
reads the study must not need them.

Django must be set up before this module is imported.
"""

from __future__ import annotations

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import bin_seconds
from analysis.core.valence import SCALE, valence
from analysis.core.video_figures import DEFINITION as FIGURES
from analysis.models import (
    AnalysisRun,
    Marker,
    ParticipantLabel,
    Person,
    RunTimeline,
    Study,
    StudyVariable,
    StudyVideo,
)
from videos.models import Video

SAMPLE_FPS = 5.0
HAPPY = EMOTIONS.index("happy")
ALIGN_MARKER = "slide 4"


def _timeline_arrays(rng: np.random.Generator, persons: int, bins: int, mood: float):
    """(P, bins, 7) probabilities and (P, bins) facing, NaN where a person is not in the room."""
    logits = np.cumsum(rng.normal(0, 0.15, size=(persons, bins, len(EMOTIONS))), axis=1)
    logits[:, :, HAPPY] += mood
    probabilities = np.exp(logits - logits.max(axis=2, keepdims=True))
    probabilities /= probabilities.sum(axis=2, keepdims=True)
    facing = 1 / (1 + np.exp(-(1.0 + np.cumsum(rng.normal(0, 0.2, size=(persons, bins)), axis=1))))
    for row in range(persons):  # each person stays for 30-100% of the video, in one stretch
        stay = max(1, int(bins * rng.uniform(0.3, 1.0)))
        start = int(rng.integers(0, bins - stay + 1))
        absent = np.ones(bins, dtype=bool)
        absent[start : start + stay] = False
        probabilities[row, absent] = np.nan
        facing[row, absent] = np.nan
    return probabilities.astype(np.float16).astype(float), facing.astype(np.float16).astype(float)


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    known = ~np.isnan(values)
    total, count = np.where(known, values, 0.0).sum(axis=axis), known.sum(axis=axis)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def _shares(probabilities: np.ndarray) -> dict[str, float]:
    """The share of the seen bins (rows of (N, 7)) that each emotion leads."""
    if not len(probabilities):
        return {}
    counts = np.bincount(probabilities.argmax(axis=1), minlength=len(EMOTIONS))
    return {name: round(float(c) / len(probabilities), 4) for name, c in zip(EMOTIONS, counts)}


def stored_video(owner, path, title: str) -> Video:
    """A Video row of a real clip at `path` (probed), its file saved through the storage; not analysed."""
    from django.core.files import File

    from analysis.core.video_source import probe

    info = probe(str(path))
    video = Video(
        owner=owner,
        title=title,
        original_name=path.name,
        size_bytes=path.stat().st_size,
        duration_s=info.duration_s,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
    )
    with open(path, "rb") as handle:
        video.file.save(path.name, File(handle))
    return video


def placeholder_video(owner, title: str, duration_s: float) -> Video:
    """A 720p, 25 fps Video row of `duration_s` whose file is never read (the pages under test do not)."""
    return Video.objects.create(
        owner=owner,
        title=title,
        file=f"videos/{title}.mp4",
        original_name=f"{title}.mp4",
        size_bytes=1,
        duration_s=duration_s,
        fps=25.0,
        width=1280,
        height=720,
        frame_count=int(duration_s * 25),
    )


def _add_video(owner, study: Study, index: int, title: str, minutes: float, persons: int, rng) -> list[Person]:
    duration = minutes * 60
    video = placeholder_video(owner, title, duration)
    frames = int(duration * SAMPLE_FPS)
    run = AnalysisRun.objects.create(
        video=video,
        status=AnalysisRun.Status.SUCCEEDED,
        sample_fps=SAMPLE_FPS,
        detector="hog",
        model="emotion-net-v3",
        frames_total=frames,
        frames_done=frames,
        persons_count=persons,
    )
    condition = "AB"[index % 2]
    StudyVideo.objects.create(study=study, video=video, values={"condition": condition, "week": index // 2 % 10 + 1})
    bin_s = bin_seconds(duration)
    bins = max(1, int(np.ceil(duration / bin_s)))
    probabilities, facing = _timeline_arrays(rng, persons, bins, mood=0.4 if condition == "B" else 0.0)
    seen = ~np.isnan(probabilities[:, :, 0])
    person_valence = np.where(seen, valence(np.nan_to_num(probabilities)), np.nan)
    rows = []
    for row in range(persons):
        mine = probabilities[row, seen[row]]
        shares = _shares(mine)
        first, last = np.flatnonzero(seen[row])[[0, -1]]
        rows.append(
            Person(
                run=run,
                track_key=row + 1,
                number=row + 1,
                first_s=float(first * bin_s),
                last_s=float((last + 1) * bin_s),
                sample_count=int(seen[row].sum() * bin_s * SAMPLE_FPS),
                dominant=max(shares, key=shares.get),
                mean={name: round(float(m), 4) for name, m in zip(EMOTIONS, mine.mean(axis=0))},
                shares=shares,
                valence=round(float(np.nanmean(person_valence[row])), 4),
                attention=round(float(np.nanmean(facing[row])), 4),
                thumbnail_jpeg=b"",
            )
        )
    created = Person.objects.bulk_create(rows)
    room_valence, room_attention = _nanmean(person_valence, axis=0), _nanmean(facing, axis=0)
    RunTimeline.objects.create(
        run=run,
        bin_s=bin_s,
        numbers=list(range(1, persons + 1)),
        bins=bins,
        probabilities=probabilities.astype(np.float16).tobytes(),
        facing=facing.astype(np.float16).tobytes(),
        room_valence=room_valence.astype(np.float16).tobytes(),
        room_attention=room_attention.astype(np.float16).tobytes(),
        summary={
            "persons": persons,
            "seen_s": round(float(seen.sum() * bin_s), 1),
            "valence": round(float(np.nanmean(person_valence)), 4),
            "attention": round(float(np.nanmean(facing)), 4),
            "shares": _shares(probabilities[seen]),
            "weight": float(seen.sum()),
            "weights": {str(row + 1): float(seen[row].sum()) for row in range(persons)},
            "valence_scale": SCALE,
            "figures": FIGURES,
        },
    )
    at = sorted(rng.uniform(0.05, 0.95, size=4) * duration)
    Marker.objects.bulk_create(
        Marker(video=video, t=round(float(t), 1), label=label)
        for t, label in zip(at, ["slide 1", ALIGN_MARKER, "question 2", ALIGN_MARKER])
    )
    return created


def make_study(
    owner,
    name: str,
    videos: int,
    minutes: float,
    persons: int,
    participants: int = 20,
    seed: int = 0,
) -> Study:
    """A study of `videos` analysed videos ("NAME video 001"...) of `minutes` with `persons` each."""
    rng = np.random.default_rng(seed)
    study = Study.objects.create(owner=owner, name=name, description="Made by bench.study_rows")
    StudyVariable.objects.create(study=study, name="condition", kind=StudyVariable.Kind.TEXT, position=0)
    StudyVariable.objects.create(study=study, name="week", kind=StudyVariable.Kind.NUMBER, position=1)
    labels = []
    for index in range(videos):
        created = _add_video(owner, study, index, f"{name} video {index + 1:03d}", minutes, persons, rng)
        labelled = min(persons, participants)
        who = rng.permutation(participants)[:labelled]
        for row, participant in zip(rng.permutation(len(created))[:labelled], who):
            labels.append(ParticipantLabel(study=study, person=created[row], label=f"P{participant + 1:02d}"))
    ParticipantLabel.objects.bulk_create(labels)
    return study
