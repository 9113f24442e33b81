"""Participants with real faces: suggestions across videos from identity encodings, and labels that
survive a new analysis of a video."""

import pytest

from analysis.core.identity_match import closest_pairs, distances
from analysis.models import AnalysisRun, ParticipantLabel, Study
from analysis.runs.launch import reprocess
from analysis.studies import membership, participants
from analysis.studies.comparison import video_rows

from .factories import upload_clip, work

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


def test_closest_pairs_use_each_person_once():
    import numpy as np

    a = np.array([[0.0, 0.0], [1.0, 0.0]])
    b = np.array([[0.1, 0.0], [0.2, 0.0], [5.0, 5.0]])
    pairs = closest_pairs(distances(a, b), max_distance=1.0)
    assert [(i, j) for i, j, _ in pairs] == [(0, 0), (1, 1)] and pairs[0][2] == pytest.approx(0.1)


def test_the_same_face_is_suggested_across_videos_and_keeps_its_label_after_reprocessing(alice, user):
    for name, title in [
        ("single_face.mp4", "Week 1"),
        ("single_face.mp4", "Week 2"),
        ("WolfgangLanger_Pexels.mp4", "Week 3"),
    ]:
        upload_clip(alice, name, sampling="2", title=title)
    work()
    study = Study.objects.create(owner=user, name="Weekly")
    membership.add_videos(study, [run.video for run in AnalysisRun.objects.select_related("video")])
    runs = [row.run_id for row in video_rows(study)]
    persons = participants.study_persons(study, runs)
    assert len(persons) == 3 and all(len(bytes(p.encoding)) == 128 * 4 for p in persons)

    # The man of weeks 1 and 2 is one suggestion; the woman of week 3 is in none.
    (suggestion,) = participants.suggestions(study, persons)
    assert sorted(p.run.video.title for p in suggestion.persons) == ["Week 1", "Week 2"]
    assert suggestion.label == "P01" and suggestion.distance < 0.2  # the same clip: nearly the same encoding
    participants.confirm(study, suggestion.label, suggestion.persons)
    assert participants.suggestions(study, participants.study_persons(study, runs)) == []  # done

    # A new analysis of week 2 replaces its persons; the label follows the face.
    week2 = study.memberships.get(video__title="Week 2").video
    old_person = week2.runs.get().persons.get()
    reprocess(week2, sample_fps=5.0)
    work()
    new_person = AnalysisRun.shown_for(week2).persons.get()
    assert new_person.pk != old_person.pk
    assert ParticipantLabel.objects.get(study=study, person__run__video=week2).person == new_person
    assert ParticipantLabel.objects.filter(study=study, label="P01").count() == 2
