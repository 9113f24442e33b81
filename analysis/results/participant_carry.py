"""Participant labels survive a new analysis of a video: each goes to the new person with the same face.

A study's label points at a Person row, and a new run of the video replaces every row. When the new
run is published, each labelled person of the old runs hands its labels to the closest new person
by mean identity encoding (under core.identity_match.SAME_PERSON_DISTANCE, one new person per old
one); a label whose face is not found again is dropped with its old person.
"""

import numpy as np

from analysis.core.identity_match import closest_pairs, distances
from analysis.models import AnalysisRun, ParticipantLabel, Person


def _encodings(persons: list[Person]) -> np.ndarray:
    return np.stack([np.frombuffer(bytes(p.encoding), dtype=np.float32) for p in persons])


def carry_labels(old_run_ids: list[int], run: AnalysisRun) -> int:
    """Move the labels of `old_run_ids`' persons to `run`'s; how many labels moved."""
    labels = list(ParticipantLabel.objects.filter(person__run_id__in=old_run_ids).select_related("person"))
    old = list({label.person_id: label.person for label in labels if label.person.encoding}.values())
    new = [p for p in Person.objects.filter(run=run, hidden=False).defer("thumbnail_jpeg") if p.encoding]
    if not old or not new:
        return 0
    match = {old[i].pk: new[j] for i, j, _ in closest_pairs(distances(_encodings(old), _encodings(new)))}
    moved = 0
    for label in labels:
        if (person := match.get(label.person_id)) is not None:
            ParticipantLabel.objects.filter(pk=label.pk).update(person=person)
            moved += 1
    return moved
