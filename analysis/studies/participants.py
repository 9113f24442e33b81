"""Participant labels: the study's name for a person, the same across videos ("P07" in weeks 1-6).

Suggestions come from identity encodings (each person's mean, Person.encoding): persons of
different videos closer than core.identity_match.SAME_PERSON_DISTANCE are grouped, greedily from the closest pair,
never two persons of one video in a group. A group proposes the label one of its members has
already, or the next free "P01"-style one. Nothing is labelled until the user confirms.
"""

from dataclasses import dataclass

import numpy as np
from django.db import transaction

from analysis.core.identity_match import SAME_PERSON_DISTANCE, distances
from analysis.models import ParticipantLabel, Person, Study
from analysis.studies.membership import StudyInputError

MAX_LABEL = 80


def study_persons(study: Study, run_ids: list[int]) -> list[Person]:
    """The shown persons of the study's analysed videos (their runs are `run_ids`)."""
    return list(
        Person.objects.filter(run_id__in=run_ids, hidden=False)
        .select_related("run__video")
        .defer("thumbnail_jpeg", "run__video__file")
        .order_by("run__video__title", "run_id", "number")
    )


def labels_by_person(study: Study) -> dict[int, str]:
    return dict(study.participant_labels.values_list("person_id", "label"))


@transaction.atomic
def set_label(study: Study, person: Person, label: str) -> None:
    """Give `person` the participant label (empty: remove it). One label per participant and video."""
    label = label.strip()
    if not study.memberships.filter(video_id=person.run.video_id).exists():
        raise StudyInputError("This person's video is not in the study.")
    if not label:
        study.participant_labels.filter(person=person).delete()
        return
    if len(label) > MAX_LABEL:
        raise StudyInputError(f"A participant label has at most {MAX_LABEL} characters.")
    clash = study.participant_labels.filter(label=label, person__run_id=person.run_id).exclude(person=person)
    if clash.exists():
        raise StudyInputError(f"“{label}” is another person of this video already.")
    ParticipantLabel.objects.update_or_create(study=study, person=person, defaults={"label": label})


@dataclass
class Suggestion:
    label: str  # the label the group would get
    persons: list[Person]  # at most one per video
    distance: float  # the largest encoding distance that joined the group


def _next_label(taken: set[str]) -> str:
    number = 1
    while f"P{number:02d}" in taken:
        number += 1
    return f"P{number:02d}"


def suggestions(study: Study, persons: list[Person]) -> list[Suggestion]:
    """Groups of persons across videos that look like one participant and are not all labelled alike."""
    labels = labels_by_person(study)
    coded = [p for p in persons if p.encoding]
    if len(coded) < 2:
        return []
    encodings = np.stack([np.frombuffer(bytes(p.encoding), dtype=np.float32) for p in coded])
    distance = distances(encodings, encodings)
    videos = [p.run.video_id for p in coded]
    group_of = list(range(len(coded)))  # union-find by group id, keeping the members' videos apart
    members: dict[int, list[int]] = {i: [i] for i in range(len(coded))}
    joined_at: dict[int, float] = {i: 0.0 for i in range(len(coded))}
    pairs = np.argwhere(np.triu(distance < SAME_PERSON_DISTANCE, k=1))
    for i, j in sorted(pairs.tolist(), key=lambda pair: distance[pair[0], pair[1]]):
        a, b = group_of[i], group_of[j]
        if a == b or {videos[m] for m in members[a]} & {videos[m] for m in members[b]}:
            continue
        for m in members[b]:
            group_of[m] = a
        members[a] += members.pop(b)
        joined_at[a] = max(joined_at[a], joined_at.pop(b), float(distance[i, j]))
    taken = set(labels.values())
    found = []
    for group, indices in members.items():
        if len(indices) < 2:
            continue
        group_labels = {labels.get(coded[i].pk) for i in indices}
        if len(group_labels) == 1 and None not in group_labels:
            continue  # labelled alike already
        known = sorted(label for label in group_labels if label)
        label = known[0] if known else _next_label(taken)
        taken.add(label)
        found.append(Suggestion(label, [coded[i] for i in sorted(indices, key=lambda i: videos[i])], joined_at[group]))
    return sorted(found, key=lambda s: s.distance)


@transaction.atomic
def confirm(study: Study, label: str, persons: list[Person]) -> None:
    """Label the persons of a suggestion (or any persons the user picked) with one label."""
    if len({p.run.video_id for p in persons}) != len(persons):
        raise StudyInputError("One participant appears once per video: two of these persons share a video.")
    for person in persons:
        set_label(study, person, label)
