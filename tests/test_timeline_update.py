"""An identity edit's timeline (timeline_update.refresh_persons: only the changed persons' samples read) is
the one a full build makes from every sample (timeline_store.build_timeline), on a room of wandering moods."""

import numpy as np
import pytest

from analysis.core.emotions import EMOTIONS
from analysis.models import Person, RunTimeline, Sample
from analysis.results import identity_edits, person_parts
from analysis.results.timeline_store import build_timeline, summary_fields

from .factories import make_run, make_video

pytestmark = pytest.mark.django_db

FPS = 5.0
DURATION_S = 150.0


def add_wandering_person(run, number: int, rng: np.random.Generator) -> Person:
    """A person on screen for a random stretch: a random walk over the 7 logits, random face qualities, and
    head poses of which a fifth are unknown and some turned away."""
    stay = DURATION_S * rng.uniform(0.4, 0.9)
    start = rng.uniform(0, DURATION_S - stay)
    t = np.round(np.arange(start, start + stay, 1 / FPS), 3)
    logits = np.cumsum(rng.normal(0, 0.15, size=(len(t), len(EMOTIONS))), axis=0)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    quality = rng.uniform(0.2, 1.0, len(t))
    yaw, pitch = rng.normal(0, 30, len(t)), rng.normal(-5, 20, len(t))
    unknown = rng.random(len(t)) < 0.2
    person = Person.objects.create(
        run=run, track_key=number, number=number, first_s=t[0], last_s=t[-1], sample_count=len(t)
    )
    Sample.objects.bulk_create(
        Sample(
            person=person,
            t=float(t[i]),
            frame=int(t[i] * 25),
            x=10,
            y=10,
            w=50,
            h=50,
            quality=float(quality[i]),
            yaw=None if unknown[i] else float(yaw[i]),
            pitch=None if unknown[i] else float(pitch[i]),
            **dict(zip(EMOTIONS, map(float, p[i]))),
        )
        for i in range(len(t))
    )
    Person.objects.filter(pk=person.pk).update(**summary_fields(person.pk))
    return person


@pytest.fixture
def room(user):
    video = make_video(user)
    video.duration_s = DURATION_S
    video.save(update_fields=["duration_s"])
    run = make_run(video, persons_count=5)
    rng = np.random.default_rng(7)
    persons = [add_wandering_person(run, number, rng) for number in range(1, 6)]
    build_timeline(run)
    return run, persons


@pytest.fixture
def sample_reads(monkeypatch) -> list[int]:
    """The persons whose samples were read, in order."""
    reads = []
    read = person_parts.sample_table

    def counted(person_id):
        reads.append(person_id)
        return read(person_id)

    monkeypatch.setattr(person_parts, "sample_table", counted)
    return reads


FIELDS = ("bin_s", "numbers", "bins", "probabilities", "facing", "room_valence", "room_attention", "summary")
PERSON_FIELDS = ("first_s", "last_s", "sample_count", "dominant", "shares", "mean", "valence", "attention")


def stored(run) -> tuple[dict, list[dict]]:
    timeline = RunTimeline.objects.get(run=run)
    values = {name: getattr(timeline, name) for name in FIELDS}
    values.update({name: bytes(values[name]) for name in FIELDS if isinstance(values[name], memoryview)})
    persons = list(run.persons.order_by("number").values("number", *PERSON_FIELDS))
    return values, persons


def assert_as_full_build(run) -> None:
    """The stored timeline and persons' fields equal, byte for byte, what a full build makes now."""
    after_edit, persons_after_edit = stored(run)
    for person in run.persons.all():
        Person.objects.filter(pk=person.pk).update(**summary_fields(person.pk))
    build_timeline(run)
    full, persons_full = stored(run)
    assert persons_after_edit == persons_full
    for name in FIELDS:
        assert after_edit[name] == full[name], name


def test_a_split_reads_only_the_two_persons_and_makes_the_full_timeline(room, sample_reads):
    run, persons = room
    person = persons[2]
    other = identity_edits.split(person, (person.first_s + person.last_s) / 2)
    assert sample_reads == [person.pk, other.pk]
    timeline = RunTimeline.objects.get(run=run)
    assert timeline.numbers == [1, 2, 3, 4, 5, 6]
    assert set(timeline.summary["person_figures"]) == {"1", "2", "3", "4", "5", "6"}
    assert_as_full_build(run)


def test_a_merge_then_calm_stretch_then_hiding_follow_the_full_build(room, sample_reads):
    run, persons = room
    first, second = persons[0], persons[1]
    other = identity_edits.split(first, (first.first_s + first.last_s) / 2)
    identity_edits.merge(first, other)
    assert_as_full_build(run)
    sample_reads.clear()
    identity_edits.set_calm_stretch(second, (second.first_s + 5, second.first_s + 30))
    assert sample_reads == [second.pk]
    assert_as_full_build(run)
    sample_reads.clear()
    identity_edits.set_hidden(persons[3], True)
    assert sample_reads == []
    assert RunTimeline.objects.get(run=run).numbers == [1, 2, 3, 5]
    assert_as_full_build(run)
    identity_edits.set_hidden(persons[3], False)
    assert RunTimeline.objects.get(run=run).numbers == [1, 2, 3, 4, 5]
    assert_as_full_build(run)


def test_a_timeline_without_person_figures_is_built_in_full(room, sample_reads):
    run, persons = room
    timeline = RunTimeline.objects.get(run=run)
    summary = {key: value for key, value in timeline.summary.items() if key != "person_figures"}
    RunTimeline.objects.filter(pk=timeline.pk).update(summary=summary)
    identity_edits.set_calm_stretch(persons[0], (persons[0].first_s, persons[0].first_s + 20))
    assert sorted(set(sample_reads)) == sorted(person.pk for person in persons)
    assert "person_figures" in RunTimeline.objects.get(run=run).summary
    assert_as_full_build(run)
