"""The studies' REST API (/api/studies/): CRUD, variables, videos and values, CSV import, participants, comparison,
lines, exports, isolation between users, schema.

The numbers come from RunTimeline rows made here (summary and room series), as a completed run stores them.
"""

import csv
import io
import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analysis.core.emotions import EMOTIONS
from analysis.core.valence import SCALE as VALENCE_SCALE
from analysis.core.video_figures import DEFINITION as FIGURES
from analysis.models import AnalysisRun, Marker, ParticipantLabel, Person, RunTimeline, Study, StudyVariable, StudyVideo
from analysis.studies.tidy_export import FIXED_COLUMNS, MEASURE_COLUMNS, STIMULUS_COLUMN
from videos.models import Video

from .factories import add_person, make_run, make_video

pytestmark = pytest.mark.django_db

STUDY_PATHS = {
    "/api/studies/",
    "/api/studies/{id}/",
    "/api/studies/{id}/variables/",
    "/api/studies/{id}/variables/{variable_id}/",
    "/api/studies/{id}/videos/",
    "/api/studies/{id}/videos/{video_id}/",
    "/api/studies/{id}/values/import/",
    "/api/studies/{id}/participants/",
    "/api/studies/{id}/comparison/",
    "/api/studies/{id}/lines/",
    "/api/studies/{id}/export.csv",
    "/api/studies/{id}/export.json",
}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(user) -> APIClient:
    return token_client(user)


@pytest.fixture
def mallory(other_user) -> APIClient:
    return token_client(other_user)


def shares(**given: float) -> dict[str, float]:
    return {name: given.get(name, 0.0) for name in EMOTIONS}


def analysed_video(owner, title: str, valence: float | None, attention: float | None = 0.8, persons: int = 2,
                   room: list[float] | None = None, happy: float = 0.5) -> Video:  # fmt: skip
    """A video with a succeeded run whose timeline has this summary (and a room series, 1 s bins)."""
    video = make_video(owner, title=title)
    run = make_run(video, persons_count=persons)
    room = room if room is not None else [valence or 0.0] * 3
    probabilities = np.full((1, len(room), len(EMOTIONS)), 1 / len(EMOTIONS), dtype=np.float16)
    RunTimeline.objects.create(
        run=run,
        bin_s=1.0,
        numbers=[1],
        bins=len(room),
        probabilities=probabilities.tobytes(),
        room_valence=np.array(room, dtype=np.float16).tobytes(),
        room_attention=np.full(len(room), 0.75, dtype=np.float16).tobytes(),
        summary={
            "persons": persons,
            "seen_s": 10.0,
            "valence": valence,
            "attention": attention,
            "shares": shares(happy=happy, neutral=1 - happy),
            "valence_scale": VALENCE_SCALE,
            "figures": FIGURES,
        },
    )
    return video


def create_study(api: APIClient, name: str = "Lectures", **fields) -> dict:
    response = api.post(reverse("api:study-list"), {"name": name, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def study_url(name: str, study_id: int, *args) -> str:
    return reverse(name, args=[study_id, *args])


def add_variable(api: APIClient, study_id: int, name: str, kind: str = "text") -> dict:
    response = api.post(study_url("api:study-variables", study_id), {"name": name, "kind": kind}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_video(api: APIClient, study_id: int, video: Video, **values):
    return api.post(study_url("api:study-videos", study_id), {"video": video.pk, "values": values}, format="json")


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("values.csv", text.encode(), content_type="text/csv")


# Authentication


def test_without_credentials_every_study_url_is_401(client, user):
    study = Study.objects.create(owner=user, name="Lectures")
    anonymous = APIClient()
    for url in [reverse("api:study-list"), study_url("api:study-detail", study.pk)]:
        response = anonymous.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_a_logged_in_session_works_and_needs_csrf_to_change(user):
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    assert session.get(reverse("api:study-list")).status_code == 200
    assert session.post(reverse("api:study-list"), {"name": "Lectures"}, format="json").status_code == 403


# The study


def test_create_list_detail_rename_delete(api, user):
    video = make_video(user, title="Week 1")
    response = api.post(reverse("api:study-list"), {"name": "  Lectures ", "description": "Spring"}, format="json")
    assert response.status_code == 201
    study = response.json()
    assert response["Location"].endswith(f"/api/studies/{study['id']}/")
    assert study["name"] == "Lectures"
    assert study["description"] == "Spring"
    assert study["variables"] == [] and study["videos"] == [] and study["markers"] == []

    duplicate = api.post(reverse("api:study-list"), {"name": "lectures"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["You have a study with this name already."]}
    assert api.post(reverse("api:study-list"), {}, format="json").json() == {"name": ["This field is required."]}
    assert api.post(reverse("api:study-list"), [1], format="json").status_code == 400

    assert add_video(api, study["id"], video).status_code == 201
    listing = api.get(reverse("api:study-list")).json()
    assert listing["count"] == 1
    (item,) = listing["results"]
    assert item["id"] == study["id"] and item["videos"] == 1
    assert item["url"] == f"http://testserver/api/studies/{study['id']}/"

    other = create_study(api, "Seminars")
    renamed = api.patch(study_url("api:study-detail", study["id"]), {"name": "Lectures 2024"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Lectures 2024"
    assert renamed.json()["description"] == "Spring"  # kept: not in the body
    clash = api.patch(study_url("api:study-detail", other["id"]), {"name": "LECTURES 2024"}, format="json")
    assert clash.status_code == 400
    assert Study.objects.get(pk=other["id"]).name == "Seminars"

    assert api.delete(study_url("api:study-detail", study["id"])).status_code == 204
    assert api.get(study_url("api:study-detail", study["id"])).status_code == 404
    assert Video.objects.filter(pk=video.pk).exists()  # the videos stay
    assert not StudyVideo.objects.exists()


def test_detail_lists_variables_videos_values_status_and_summary(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    add_variable(api, study["id"], "week", "number")
    analysed = analysed_video(user, "Week 1", valence=0.25, attention=0.5, persons=3)
    waiting = make_video(user, title="Week 2")
    make_run(waiting, status=AnalysisRun.Status.QUEUED)
    never = make_video(user, title="Week 3")
    assert add_video(api, study["id"], analysed, condition="A", week=1).status_code == 201
    assert add_video(api, study["id"], waiting, condition="B").status_code == 201
    assert add_video(api, study["id"], never).status_code == 201
    for video in (analysed, never):
        Marker.objects.create(video=video, t=1.0, label="start")

    detail = api.get(study_url("api:study-detail", study["id"])).json()
    assert [(v["name"], v["kind"]) for v in detail["variables"]] == [("condition", "text"), ("week", "number")]
    assert detail["markers"] == [{"label": "start", "videos": 2}]
    rows = {row["title"]: row for row in detail["videos"]}
    assert list(rows) == ["Week 1", "Week 2", "Week 3"]
    first = rows["Week 1"]
    assert first["video"] == analysed.pk
    assert first["values"] == {"condition": "A", "week": 1}
    assert first["status"] == "succeeded"
    assert first["run"] == analysed.runs.get().pk
    assert (first["persons"], first["valence"], first["attention"]) == (3, 0.25, 0.5)
    assert first["shares"]["happy"] == 0.5
    assert first["url"] == f"http://testserver/api/videos/{analysed.pk}/"
    assert rows["Week 2"]["status"] == "queued"
    assert rows["Week 2"]["run"] is None and rows["Week 2"]["valence"] is None
    assert rows["Week 3"]["status"] is None
    assert rows["Week 3"]["status_label"] == "Not analysed"


# Variables


def test_variables_add_rename_delete(api, user):
    study = create_study(api)
    variable = add_variable(api, study["id"], "condition")
    assert variable == {"id": variable["id"], "name": "condition", "kind": "text"}
    assert add_variable(api, study["id"], "week", "number")["kind"] == "number"
    url = study_url("api:study-variables", study["id"])

    duplicate = api.post(url, {"name": "Condition"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"detail": "The study has a variable named “Condition” already."}
    reserved = api.post(url, {"name": "valence"}, format="json")
    assert reserved.json() == {"detail": "“valence” is a column of the study's export already: choose another name."}
    for emotion in ("happy", "Surprise", "neutral"):  # every emotion is a column of the export
        assert api.post(url, {"name": emotion}, format="json").status_code == 400
    assert "kind" in api.post(url, {"name": "dose", "kind": "colour"}, format="json").json()
    assert api.post(url, {"name": "x" * 41}, format="json").status_code == 400

    video = make_video(user, title="Week 1")
    add_video(api, study["id"], video, condition="A", week=2)
    detail_url = study_url("api:study-variable-detail", study["id"], variable["id"])
    renamed = api.patch(detail_url, {"name": "group"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "group"
    assert StudyVideo.objects.get().values == {"group": "A", "week": 2}  # the values follow
    week = StudyVariable.objects.get(name="week")
    clash = api.patch(study_url("api:study-variable-detail", study["id"], week.pk), {"name": "GROUP"}, format="json")
    assert clash.status_code == 400 and StudyVariable.objects.filter(name="week").exists()

    assert api.delete(detail_url).status_code == 204
    assert StudyVideo.objects.get().values == {"week": 2}
    assert api.delete(detail_url).status_code == 404
    assert api.patch(detail_url, {"name": "again"}, format="json").status_code == 404


# Videos and their values


def test_videos_add_set_values_remove(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    add_variable(api, study["id"], "week", "number")
    video = make_video(user, title="Week 1")

    refused = add_video(api, study["id"], video, condition="A", week="soon")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "week is a number: “soon” is not one."}
    assert not StudyVideo.objects.exists()  # all or nothing
    unknown = add_video(api, study["id"], video, colour="red")
    assert unknown.json() == {"detail": "The study has no variable named “colour”."}
    assert not StudyVideo.objects.exists()
    assert add_video(api, study["id"], video, week=True).status_code == 400  # a boolean is neither

    added = add_video(api, study["id"], video, condition="A", week=1.5)
    assert added.status_code == 201
    assert added.json()["values"] == {"condition": "A", "week": 1.5}
    row_url = study_url("api:study-video-detail", study["id"], video.pk)
    assert added["Location"] == f"http://testserver{row_url}"
    assert add_video(api, study["id"], video).status_code == 409
    missing = api.post(study_url("api:study-videos", study["id"]), {"video": 999999}, format="json")
    assert missing.status_code == 400 and missing.json() == {"video": ["You have no video with this id."]}

    assert api.get(row_url).json()["values"] == {"condition": "A", "week": 1.5}
    patched = api.patch(row_url, {"values": {"week": "3", "condition": None}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["values"] == {"week": 3}
    bad = api.patch(row_url, {"values": {"condition": "B", "week": "x"}}, format="json")
    assert bad.status_code == 400
    assert StudyVideo.objects.get().values == {"week": 3}  # nothing of it saved
    assert api.patch(row_url, {}, format="json").json() == {"values": ["This field is required."]}
    assert api.patch(row_url, {"values": {"condition": ""}}, format="json").json()["values"] == {"week": 3}

    assert api.delete(row_url).status_code == 204
    assert not StudyVideo.objects.exists() and Video.objects.filter(pk=video.pk).exists()
    assert api.delete(row_url).status_code == 404
    assert api.get(row_url).status_code == 404
    assert api.patch(row_url, {"values": {}}, format="json").status_code == 404


def test_removing_a_video_drops_its_participant_labels(api, user):
    study = create_study(api)
    video = analysed_video(user, "Week 1", valence=0.1)
    add_person(video.runs.get(), 1, EMOTIONS.index("happy"), [0.0, 0.2])
    add_video(api, study["id"], video)
    body = {"video": video.pk, "person": 1, "label": "P01"}
    assert api.post(study_url("api:study-participants", study["id"]), body, format="json").status_code == 200
    assert ParticipantLabel.objects.count() == 1
    assert api.delete(study_url("api:study-video-detail", study["id"], video.pk)).status_code == 204
    assert not ParticipantLabel.objects.exists()


# CSV import


def test_import_values_from_a_file_and_from_the_body(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    one, two = make_video(user, title="Week 1"), make_video(user, title="Week 2")
    add_video(api, study["id"], one, condition="old")
    url = study_url("api:study-values-import", study["id"])

    response = api.post(url, {"file": csv_file("video_title,condition,week\nWeek 1,A,1\nweek 2,B,2\n")})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["imported"] == 2
    assert [(v["name"], v["kind"]) for v in answer["variables"]] == [("condition", "text"), ("week", "number")]
    assert {row["title"]: row["values"] for row in answer["videos"]} == {
        "Week 1": {"condition": "A", "week": 1},
        "Week 2": {"condition": "B", "week": 2},  # added to the study
    }

    body = api.generic("POST", url, b"video_title,condition\nWeek 2,C\n", content_type="text/csv")
    assert body.status_code == 200, body.content
    assert StudyVideo.objects.get(video=two).values == {"condition": "C", "week": 2}


def test_a_bad_line_is_named_and_nothing_changes(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "week", "number")
    video = make_video(user, title="Week 1")
    add_video(api, study["id"], video, week=1)
    make_video(user, title="Week 2")
    url = study_url("api:study-values-import", study["id"])

    text = "video_title,week,room\nWeek 2,2,A\nWeek 1,soon,B\n"
    response = api.post(url, {"file": csv_file(text)})
    assert response.status_code == 400
    assert response.json() == {"detail": "Line 3: week is a number: “soon” is not one."}
    assert StudyVideo.objects.get().values == {"week": 1}
    assert StudyVideo.objects.count() == 1  # Week 2 was not added
    assert list(StudyVariable.objects.values_list("name", flat=True)) == ["week"]  # room was not made

    missing = api.post(url, {"file": csv_file("video_title,week\nWeek 9,1\n")})
    assert missing.json() == {"detail": "Line 2: you have no video titled “Week 9”."}
    header = api.generic("POST", url, b"title,week\n", content_type="text/csv")
    assert header.json() == {"detail": "Line 1: the first column must be “video_title”."}
    latin = api.post(url, {"file": SimpleUploadedFile("v.csv", "video_title,week\nWéek,1\n".encode("latin-1"))})
    assert latin.json() == {"file": ["The file is not UTF-8 text."]}
    assert api.post(url, {}, format="multipart").json() == {"file": ["This field is required."]}


# Participants


def encoding(values: list[float]) -> bytes:
    vector = np.zeros(128, dtype=np.float32)
    vector[: len(values)] = values
    return vector.tobytes()


def test_participants_labels_and_suggestions(api, user):
    study = create_study(api)
    one, two = analysed_video(user, "Week 1", valence=0.1), analysed_video(user, "Week 2", valence=0.2)
    ada_1 = add_person(one.runs.get(), 1, EMOTIONS.index("happy"), [0.0, 0.2])
    bob_1 = add_person(one.runs.get(), 2, EMOTIONS.index("sad"), [0.0, 0.2])
    ada_2 = add_person(two.runs.get(), 1, EMOTIONS.index("happy"), [0.0, 0.2])
    Person.objects.filter(pk__in=[ada_1.pk, ada_2.pk]).update(encoding=encoding([1.0, 0.0]))
    Person.objects.filter(pk=ada_2.pk).update(encoding=encoding([1.0, 0.1]))
    Person.objects.filter(pk=bob_1.pk).update(encoding=encoding([0.0, 1.0]))
    add_video(api, study["id"], one)
    add_video(api, study["id"], two)
    url = study_url("api:study-participants", study["id"])

    answer = api.get(url).json()
    assert answer["labels"] == []
    assert answer["distance"] == 0.5
    (suggestion,) = answer["suggestions"]
    assert suggestion["label"] == "P01"
    assert suggestion["persons"] == [{"video": one.pk, "number": 1}, {"video": two.pk, "number": 1}]
    assert suggestion["distance"] == pytest.approx(0.1, abs=1e-3)

    for video in (one, two):
        response = api.post(url, {"video": video.pk, "person": 1, "label": " P01 "}, format="json")
        assert response.status_code == 200
        assert response.json() == {"video": video.pk, "person": 1, "label": "P01"}
    answer = api.get(url).json()
    assert answer["labels"] == [
        {"video": one.pk, "person": 1, "label": "P01"},
        {"video": two.pk, "person": 1, "label": "P01"},
    ]
    assert answer["suggestions"] == []  # labelled alike already

    clash = api.post(url, {"video": one.pk, "person": 2, "label": "P01"}, format="json")
    assert clash.status_code == 400
    assert clash.json() == {"detail": "“P01” is another person of this video already."}
    assert api.post(url, {"video": one.pk, "person": 7, "label": "P02"}, format="json").json() == {
        "person": ["The video's results have no person 7."]
    }
    outside = make_video(user, title="Elsewhere")
    assert api.post(url, {"video": outside.pk, "person": 1, "label": "P02"}, format="json").json() == {
        "video": ["This video is not in the study."]
    }
    cleared = api.post(url, {"video": two.pk, "person": 1, "label": ""}, format="json")
    assert cleared.json() == {"video": two.pk, "person": 1, "label": ""}
    assert list(ParticipantLabel.objects.values_list("person_id", flat=True)) == [ada_1.pk]


# Comparison and lines


def comparison(api: APIClient, study_id: int, **params):
    return api.get(study_url("api:study-comparison", study_id), params)


def test_comparison_groups_by_a_variable(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    for title, condition, valence, happy in [("a1", "A", 0.5, 0.6), ("a2", "A", 0.3, 0.2), ("b1", "B", -0.2, 0.1)]:
        add_video(api, study["id"], analysed_video(user, title, valence=valence, happy=happy), condition=condition)
    add_video(api, study["id"], make_video(user, title="not yet"), condition="A")

    response = comparison(api, study["id"], variable="condition")
    assert response.status_code == 200
    answer = response.json()
    assert answer["variable"] == "condition" and answer["unit"] == "videos"
    assert answer["left_out"] == 1
    assert answer["emotions"] == list(EMOTIONS)
    a, b = answer["groups"]
    assert (a["value"], a["videos"], a["persons"], a["units"]) == ("A", 2, 4, 2)
    assert a["valence"]["mean"] == pytest.approx(0.4)
    assert a["valence"]["units"] == 2
    # Two videos are too few for an interval (it would be their range): each video's own value instead.
    assert (a["valence"]["low"], a["valence"]["high"]) == (None, None)
    assert a["valence"]["each"] == [{"name": "a1", "value": 0.5}, {"name": "a2", "value": 0.3}]
    assert a["shares"]["happy"]["each"] == [{"name": "a1", "value": 0.6}, {"name": "a2", "value": 0.2}]
    assert a["attention"]["mean"] == pytest.approx(0.8)
    assert a["shares"]["happy"]["mean"] == pytest.approx(0.4)
    assert set(a["shares"]) == set(EMOTIONS)
    assert (b["value"], b["videos"], b["units"]) == ("B", 1, 1)
    assert b["valence"] == {
        "mean": pytest.approx(-0.2),
        "low": None,
        "high": None,
        "units": 1,
        "each": [{"name": "b1", "value": -0.2}],
    }

    together = comparison(api, study["id"]).json()
    assert together["variable"] is None
    (group,) = together["groups"]
    assert group["value"] == "all videos" and group["videos"] == 3
    assert group["valence"]["mean"] == pytest.approx(0.2)
    # Three videos: an interval, and no list of values.
    assert group["valence"]["low"] <= 0.2 <= group["valence"]["high"] and group["valence"]["each"] == []

    unknown = comparison(api, study["id"], variable="colour")
    assert unknown.status_code == 400
    assert unknown.json() == {"variable": ["The study has no variable named “colour”."]}
    assert comparison(api, study["id"], unit="rooms").json() == {"unit": ["Compare over videos or participants."]}


def test_comparison_over_participants(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    url = study_url("api:study-participants", study["id"])
    for title, condition, person_valences in [("a1", "A", [0.6, 0.2]), ("b1", "B", [-0.4])]:
        video = analysed_video(user, title, valence=0.0)
        add_video(api, study["id"], video, condition=condition)
        for number, valence in enumerate(person_valences, start=1):
            person = add_person(video.runs.get(), number, EMOTIONS.index("happy"), [0.0, 0.2])
            Person.objects.filter(pk=person.pk).update(valence=valence, attention=0.5)
            api.post(url, {"video": video.pk, "person": number, "label": f"P{number}"}, format="json")

    answer = comparison(api, study["id"], variable="condition", unit="participants").json()
    assert answer["unit"] == "participants"
    a, b = answer["groups"]
    assert (a["value"], a["videos"], a["units"]) == ("A", 1, 2)
    assert a["valence"]["mean"] == pytest.approx(0.4)
    assert a["valence"]["low"] is None  # two participants: their own values, labelled
    assert a["valence"]["each"] == [{"name": "P1", "value": 0.6}, {"name": "P2", "value": 0.2}]
    assert (b["units"], b["valence"]["mean"], b["valence"]["low"]) == (1, pytest.approx(-0.4), None)


def test_lines_by_video_by_variable_and_aligned_on_a_marker(api, user):
    study = create_study(api)
    add_variable(api, study["id"], "condition")
    one = analysed_video(user, "a1", valence=0.5, room=[0.5, 0.5, 0.5, 0.5])
    two = analysed_video(user, "a2", valence=0.25, room=[0.25, float("nan"), 0.25])
    three = analysed_video(user, "b1", valence=-0.5, room=[-0.5, -0.5])
    for video, condition in [(one, "A"), (two, "A"), (three, "B")]:
        add_video(api, study["id"], video, condition=condition)
    Marker.objects.create(video=one, t=1.0, label="question")
    Marker.objects.create(video=two, t=2.0, label="question")
    url = study_url("api:study-lines", study["id"])

    per_video = api.get(url).json()
    assert (per_video["by"], per_video["align"], per_video["left_out"]) == (None, None, 0)
    first = per_video["lines"][0]
    assert (first["name"], first["video"], first["videos"]) == ("a1", one.pk, 1)
    assert first["t_s"] == [0.0, 1.0, 2.0, 3.0]
    assert first["valence"] == [0.5] * 4
    assert first["attention"] == [0.75] * 4
    assert per_video["lines"][1]["valence"] == [0.25, None, 0.25]  # NaN: nobody seen

    grouped = api.get(url, {"by": "condition"}).json()
    assert [(line["name"], line["video"], line["videos"]) for line in grouped["lines"]] == [
        ("A", None, 2),
        ("B", None, 1),
    ]
    assert grouped["lines"][0]["valence"][:2] == [pytest.approx(0.375), 0.5]

    aligned = api.get(url, {"align": "question"}).json()
    assert aligned["left_out"] == 1  # b1 has no such marker
    assert [line["t_s"][0] for line in aligned["lines"]] == [-1.0, -2.0]

    assert api.get(url, {"by": "colour"}).json() == {"by": ["The study has no variable named “colour”."]}
    Marker.objects.create(video=one, t=1.0, label="only once")
    assert api.get(url, {"align": "only once"}).status_code == 400


# Exports


def test_export_csv_is_the_tidy_long_table(api, user):
    study = create_study(api, "Lectures 2024")
    add_variable(api, study["id"], "condition")
    video = analysed_video(user, "a1", valence=0.5, room=[0.5, 0.5])
    add_video(api, study["id"], video, condition="A")
    add_video(api, study["id"], make_video(user, title="not yet"), condition="B")

    response = api.get(study_url("api:study-export-csv", study["id"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="lectures-2024-{study["id"]}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [*FIXED_COLUMNS, "condition", *MEASURE_COLUMNS, STIMULUS_COLUMN]
    assert rows[0][:4] == ["study", "video_id", "video_title", "condition"]
    assert len(rows) == 3  # the analysed video's one person in two bins
    assert rows[1][:6] == ["Lectures 2024", str(video.pk), "a1", "A", "1", ""]

    document = api.get(study_url("api:study-export-json", study["id"]))
    assert document.status_code == 200
    assert document["Content-Disposition"] == f'attachment; filename="lectures-2024-{study["id"]}.json"'
    body = json.loads(document.content)
    assert set(body) == {"study", "variables", "emotions", "videos"}
    assert body["variables"] == [{"name": "condition", "kind": "text"}]
    assert [v["title"] for v in body["videos"]] == ["a1", "not yet"]
    assert body["videos"][0]["room"]["valence"] == [0.5, 0.5]


# Isolation


def alice_study(user) -> tuple[Study, Video, StudyVariable]:
    study = Study.objects.create(owner=user, name="Lectures")
    variable = StudyVariable.objects.create(study=study, name="condition")
    video = analysed_video(user, "Week 1", valence=0.3)
    add_person(video.runs.get(), 1, EMOTIONS.index("happy"), [0.0, 0.2])
    StudyVideo.objects.create(study=study, video=video, values={"condition": "A"})
    return study, video, variable


def every_request(study: Study, video: Video, variable: StudyVariable, own_video: Video) -> list:
    """Each path and method of a study, with a body that would succeed for its owner."""
    pk = study.pk
    return [
        ("get", study_url("api:study-detail", pk), None),
        ("patch", study_url("api:study-detail", pk), {"name": "Mine now"}),
        ("post", study_url("api:study-variables", pk), {"name": "week"}),
        ("post", study_url("api:study-videos", pk), {"video": own_video.pk, "values": {}}),
        ("get", study_url("api:study-video-detail", pk, video.pk), None),
        ("patch", study_url("api:study-video-detail", pk, video.pk), {"values": {"condition": "B"}}),
        ("post", study_url("api:study-values-import", pk), "file"),
        ("get", study_url("api:study-participants", pk), None),
        ("post", study_url("api:study-participants", pk), {"video": video.pk, "person": 1, "label": "P01"}),
        ("get", study_url("api:study-comparison", pk) + "?variable=condition", None),
        ("get", study_url("api:study-lines", pk), None),
        ("get", study_url("api:study-export-csv", pk), None),
        ("get", study_url("api:study-export-json", pk), None),
        ("patch", study_url("api:study-variable-detail", pk, variable.pk), {"name": "group"}),
        ("delete", study_url("api:study-video-detail", pk, video.pk), None),
        ("delete", study_url("api:study-variable-detail", pk, variable.pk), None),
        ("delete", study_url("api:study-detail", pk), None),
    ]


def send(client: APIClient, method: str, url: str, body):
    if body == "file":
        return client.post(url, {"file": csv_file("video_title,condition\nWeek 1,B\n")}, format="multipart")
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


def test_another_users_study_is_404_on_every_path(api, mallory, user, other_user):
    study, video, variable = alice_study(user)
    own_video = make_video(other_user, title="Mallory's")
    requests = every_request(study, video, variable, own_video)
    assert {url.split("?")[0].removeprefix(f"/api/studies/{study.pk}/") for _, url, _ in requests} >= {
        "",
        "variables/",
        f"variables/{variable.pk}/",
        "videos/",
        f"videos/{video.pk}/",
        "values/import/",
        "participants/",
        "comparison/",
        "lines/",
        "export.csv",
        "export.json",
    }
    for method, url, body in requests:
        response = send(mallory, method, url, body)
        assert response.status_code == 404, (method, url, response.content)
    assert Study.objects.get(pk=study.pk).name == "Lectures"
    assert list(study.variables.values_list("name", flat=True)) == ["condition"]
    assert list(StudyVideo.objects.values_list("video_id", "values")) == [(video.pk, {"condition": "A"})]
    assert not ParticipantLabel.objects.exists()
    assert not Study.objects.filter(owner=other_user).exists()

    # Alice's own requests all succeed: the 404s above were only ownership.
    alice_video = make_video(user, title="Week 2")
    for method, url, body in every_request(study, video, variable, alice_video):
        response = send(api, method, url, body)
        assert response.status_code < 300, (method, url, response.content)


def test_no_one_mixes_videos_across_users(api, mallory, user, other_user):
    study, video, _ = alice_study(user)
    mallory_video = make_video(other_user, title="Mallory's")
    # Mallory's video into Alice's study: the study does not exist for her.
    assert add_video(mallory, study.pk, mallory_video).status_code == 404
    # Nor for Alice can her study take Mallory's video: refused as an id that does not exist.
    refused = add_video(api, study.pk, mallory_video)
    assert refused.status_code == 400
    assert refused.json() == api.post(study_url("api:study-videos", study.pk), {"video": 999999}, format="json").json()
    # Alice's video into Mallory's study: the same refusal, nothing revealed.
    mallory_study = create_study(mallory, "Mine")
    stolen = add_video(mallory, mallory_study["id"], video)
    assert stolen.status_code == 400
    assert stolen.json() == {"video": ["You have no video with this id."]}
    # Nor by title in a CSV import: Alice's titles are not Mallory's videos.
    imported = mallory.post(
        study_url("api:study-values-import", mallory_study["id"]), {"file": csv_file("video_title,x\nWeek 1,1\n")}
    )
    assert imported.json() == {"detail": "Line 2: you have no video titled “Week 1”."}
    # Nor label a person of Alice's video in her study.
    label = {"video": video.pk, "person": 1, "label": "P01"}
    assert mallory.post(study_url("api:study-participants", mallory_study["id"]), label, format="json").json() == {
        "video": ["This video is not in the study."]
    }
    assert list(StudyVideo.objects.values_list("study_id", "video_id")) == [(study.pk, video.pk)]
    assert not StudyVariable.objects.filter(study_id=mallory_study["id"]).exists()


# The schema


def test_schema_lists_the_study_paths(api):
    schema = json.loads(api.get(reverse("api:schema"), {"format": "json"}).content)
    paths = schema["paths"]
    assert {path for path in paths if path.startswith("/api/studies/")} == STUDY_PATHS
    assert set(paths["/api/studies/"]) == {"get", "post"}
    assert set(paths["/api/studies/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/studies/{id}/variables/{variable_id}/"]) == {"patch", "delete"}
    assert set(paths["/api/studies/{id}/videos/"]) == {"post"}
    assert set(paths["/api/studies/{id}/videos/{video_id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/studies/{id}/participants/"]) == {"get", "post"}
    assert set(paths["/api/studies/{id}/values/import/"]["post"]["requestBody"]["content"]) == {
        "multipart/form-data",
        "text/csv",
    }
    parameters = {p["name"] for p in paths["/api/studies/{id}/comparison/"]["get"]["parameters"]}
    assert {"variable", "unit"} <= parameters
    assert "text/csv" in paths["/api/studies/{id}/export.csv"]["get"]["responses"]["200"]["content"]


def test_uploads_join_a_study_by_id_and_never_another_users(api, user, other_user):
    from tests.conftest import VIDEOS
    from tests.test_resumable_upload import metadata, upload_in_chunks

    mine, theirs = Study.objects.create(owner=user, name="Mine"), Study.objects.create(owner=other_user, name="Theirs")
    with open(VIDEOS / "single_face.mp4", "rb") as handle:
        response = api.post(reverse("api:video-list"), {"title": "Clip", "file": handle, "study": mine.pk})
    assert response.status_code == 201 and mine.memberships.get().video_id == response.json()["id"]
    with open(VIDEOS / "single_face.mp4", "rb") as handle:
        response = api.post(reverse("api:video-list"), {"title": "Clip 2", "file": handle, "study": theirs.pk})
    assert response.status_code == 400 and "study" in response.json()
    # And one into her own study joins it when its last byte is in.
    data = (VIDEOS / "single_face.mp4").read_bytes()
    upload_in_chunks(api, data, 100_000, filename="c.mp4", title="Resumed", study=str(mine.pk))
    assert mine.memberships.filter(video__title="Resumed").exists()
    assert not theirs.memberships.exists()
    # A resumable upload names its study in its metadata: checked before any byte is sent.
    response = api.post(
        reverse("api:upload-create"),
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="1000",
        HTTP_UPLOAD_METADATA=metadata(filename="c.mp4", study=str(theirs.pk)),
    )
    assert response.status_code == 400 and "study" in response.json()
    # And one into her own study joins it when its last byte is in.
    data = (VIDEOS / "single_face.mp4").read_bytes()
    upload_in_chunks(api, data, 100_000, filename="c.mp4", title="Resumed", study=str(mine.pk))
    assert mine.memberships.filter(video__title="Resumed").exists()
