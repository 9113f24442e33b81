"""A person's facial states summed up (core/facial_summary.py): on synthetic series whose states are known,
then as the person card, the exports and the API give them."""

import json

import numpy as np
import pytest
from django.urls import reverse

from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.facial_summary import SUMMARY_KEYS, facial_summary, summary_of_samples
from analysis.models import Person

OPEN_EAR, CLOSED_EAR = 0.30, 0.08
CALM = {"mouth_open": 0.03, "brow_height": 0.40, "brow_inner": 0.45, "smile": 0.90}


def series(fps: float, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """A calm face with open eyes, `fps` samples a second: times and (N, 6) measures."""
    t = np.arange(0.0, seconds, 1.0 / fps)
    measures = np.empty((len(t), len(MEASURE_NAMES)))
    for column, name in enumerate(MEASURE_NAMES):
        measures[:, column] = OPEN_EAR if name.startswith("ear") else CALM[name]
    return t, measures


def set_between(t, measures, start, end, name, value):
    during = (t >= start - 1e-9) & (t < end - 1e-9)
    measures[during, MEASURE_NAMES.index(name)] = value(t[during]) if callable(value) else value
    return during


def close_eyes(t, measures, start, end):
    for eye in ("ear_left", "ear_right"):
        during = set_between(t, measures, start, end, eye, CLOSED_EAR)
    return during


def test_blinks_a_long_closure_talking_smiling_and_brows_at_30_fps():
    t, measures = series(30, 60.0)
    for start in (5.0, 20.0, 40.0):  # three blinks of 0.2 s
        close_eyes(t, measures, start, start + 0.2)
    closed_long = close_eyes(t, measures, 50.0, 51.5)  # eyes shut for 1.5 s
    # Speech: the mouth opens and closes 4 times a second for 12 s.
    set_between(t, measures, 10.0, 22.0, "mouth_open", lambda s: 0.2 + 0.15 * np.sin(2 * np.pi * 4 * s))
    set_between(t, measures, 30.0, 39.0, "smile", 1.30)  # a smile for 9 s of 60
    set_between(t, measures, 25.0, 28.0, "brow_height", 0.50)  # brows up for 3 s
    set_between(t, measures, 42.0, 48.0, "brow_inner", 0.35)  # a frown for 6 s

    summary = facial_summary(t, measures)
    assert tuple(summary) == SUMMARY_KEYS
    assert summary["measured"] == 1.0
    assert summary["blink_rate"] == pytest.approx(3.0, abs=0.05)  # the 1.5 s closure is no blink
    assert summary["long_closures"] == 1
    assert summary["eyes_closed"] == pytest.approx((3 * 6 + closed_long.sum()) / len(t), abs=1e-3)
    assert summary["talking"] == pytest.approx(12 / 60, abs=0.02)  # the window's edges blur by half a second
    assert summary["smiling"] == pytest.approx(9 / 60, abs=0.005)
    assert summary["brows_raised"] == pytest.approx(3 / 60, abs=0.005)
    assert summary["brows_lowered"] == pytest.approx(6 / 60, abs=0.005)


def test_a_held_open_mouth_is_not_talking_and_a_calm_face_has_no_states():
    t, measures = series(5, 30.0)
    set_between(t, measures, 10.0, 20.0, "mouth_open", 0.6)  # a yawn held open: no movement within a window
    summary = facial_summary(t, measures)
    assert summary["talking"] <= 8 / 150  # only the windows across its two edges (4 samples each) move
    assert summary["eyes_closed"] == summary["smiling"] == summary["brows_raised"] == summary["brows_lowered"] == 0


def test_blinks_are_not_counted_below_10_fps_but_long_closures_are():
    t, measures = series(5, 60.0)
    close_eyes(t, measures, 30.0, 32.0)
    summary = facial_summary(t, measures)
    assert summary["blink_rate"] is None
    assert summary["long_closures"] == 1 and summary["eyes_closed"] == pytest.approx(10 / 300, abs=1e-4)


def test_unmeasured_samples_are_left_out_and_too_few_give_no_summary():
    t, measures = series(10, 10.0)
    measures[::4] = np.nan  # a quarter of the faces too small for landmarks
    assert facial_summary(t, measures)["measured"] == 0.75
    assert facial_summary(t[:2], measures[:2]) is None
    samples = [{"t": 0.0, **dict.fromkeys(MEASURE_NAMES)}, {"t": 0.2, **dict.fromkeys(MEASURE_NAMES)}]
    assert summary_of_samples(samples) is None  # older runs' samples: null measures


def expected_first_person(persons: list[Person]) -> dict:
    first = next(person for person in persons if person.number == 1)
    return Person.objects.get(pk=first.pk).facial


def test_the_person_card_the_exports_and_the_api_give_the_same_summary(alice, analysed):
    video, _run, persons = analysed
    stored = expected_first_person(persons)  # FACE_MEASURES: 5 of person 1's 6 samples measured
    assert stored["measured"] == pytest.approx(5 / 6, abs=1e-4) and stored["blink_rate"] is None

    exported = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)["persons"]
    assert [person["facial"] for person in exported] == [stored, None]

    api = alice.get(reverse("api:video-persons", args=[video.pk])).json()
    assert [person["facial"] for person in api] == [stored, None]

    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    first, second = page.split('id="person-1"')[1], page.split('id="person-2"')[1]
    row = first.split('class="facial-states')[1].split("</p>")[0]
    assert f"talking {round(stored['talking'] * 100)}%" in row and "eyes closed 0%" in row
    assert "blinks not counted" in row and f"measured on {round(stored['measured'] * 100)}%" in row
    assert "not measured" in second.split('class="facial-states')[1].split("</p>")[0]


def test_the_stored_timeline_keeps_each_persons_states_for_the_rooms_counts(alice, analysed):
    from analysis.results.timeline_store import run_mood, run_timeline

    from .factories import charts_data

    video, run, persons = analysed
    timeline = run_timeline(run)
    states = timeline.states_array()
    row = {number: index for index, number in enumerate(timeline.numbers)}
    assert np.isfinite(states[row[1], 0]).all()  # person 1's measured samples: talking and closed shares
    assert np.isnan(states[row[2]]).all()  # person 2's samples have no measures
    mood = run_mood(run)
    assert mood.states_known.max() == 1 and mood.eyes_closed.max() == 0  # person 1's eyes stay open
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    names = [trace.get("name") for trace in charts_data(page)["group"]["data"]]
    assert "talking now" in names and "eyes closed" in names


def test_the_studys_tidy_export_carries_each_persons_talking_and_eyes_closed_per_bin(user, analysed):
    from analysis.models import Study
    from analysis.studies import membership
    from analysis.studies.tidy_export import study_csv_rows

    video, _run, _persons = analysed
    study = Study.objects.create(owner=user, name="Facial states")
    membership.add_videos(study, [video])
    header, *rows = study_csv_rows(study)
    columns = [header.index("talking"), header.index("eyes_closed")]
    assert columns[1] == columns[0] + 1
    by_person = {}
    for row in rows:
        by_person.setdefault(row[header.index("person")], []).append([row[k] for k in columns])
    assert all(talking != "" and float(closed) == 0.0 for talking, closed in by_person["1"])  # eyes open
    assert by_person["2"] and all(cells == ["", ""] for cells in by_person["2"])  # not measured


def test_the_study_table_comparison_json_and_api_carry_the_videos_talking_and_eyes_closed(alice, user, analysed):
    """A video's talking and eyes-closed shares pool its persons' measured samples (person 2 has none, so
    the video's are person 1's), in the study's table, comparison, JSON and API, and on the results page."""
    from analysis.models import ParticipantLabel, Study
    from analysis.studies import membership
    from analysis.studies.comparison import compare, video_rows

    video, run, persons = analysed
    stored = expected_first_person(persons)
    study = Study.objects.create(owner=user, name="Facial states")
    membership.add_videos(study, [video])
    (row,) = video_rows(study)
    assert row.talking == pytest.approx(stored["talking"], abs=1e-4) and row.eyes_closed == 0.0
    group = compare(study, None).groups[0]
    assert group.talking.mean == pytest.approx(row.talking) and group.talking.each == ((video.title, row.talking),)
    first = next(person for person in persons if person.number == 1)
    ParticipantLabel.objects.create(study=study, person=first, label="P1")
    by_participant = compare(study, None, unit="participants").groups[0]
    assert by_participant.talking.mean == pytest.approx(stored["talking"], abs=1e-4)

    page = alice.get(reverse("studies:detail", args=[study.pk])).content.decode()
    cells = page.split('class="facial"')
    talking = f"{round(row.talking * 100)}%"
    assert cells[1].startswith(f">{talking} · 0%") and talking in cells[2] and "0%" in cells[3]
    document = json.loads(alice.get(reverse("studies:export_json", args=[study.pk])).content)
    assert document["videos"][0]["talking"] == row.talking and document["videos"][0]["eyes_closed"] == 0.0
    api = alice.get(reverse("api:study-comparison", args=[study.pk])).json()
    assert api["groups"][0]["talking"]["mean"] == pytest.approx(row.talking)
    assert alice.get(reverse("api:study-detail", args=[study.pk])).json()["videos"][0]["talking"] == row.talking
    results = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert f"talking {talking}, eyes closed 0%" in results.split('id="video-figures"')[1].split("</p>")[0]
