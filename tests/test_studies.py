"""Studies on the pages: videos with variables, CSV import, comparisons, time lines, participants and
the tidy export; another user's study is a 404 everywhere."""

import csv
import io
import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Marker, ParticipantLabel, Person, Study, StudyVariable, StudyVideo
from analysis.results.timeline_store import build_timeline
from analysis.studies import membership, participants
from analysis.studies.comparison import compare, room_lines, video_rows
from analysis.studies.membership import StudyInputError
from analysis.studies.tidy_export import study_csv_rows, study_document

from .conftest import VIDEOS
from .factories import add_person, charts_data, make_run, make_video, upload_clip, work

pytestmark = pytest.mark.django_db
HAPPY, SAD = EMOTIONS.index("happy"), EMOTIONS.index("sad")


def analysed_video(owner, title: str, moods: list[int], seconds: float = 10.0):
    """A video with a succeeded run: one person per entry of `moods` (their leading emotion), seen
    the whole time at 5 samples a second, and the run's timeline as the job makes it."""
    video = make_video(owner, title=title)
    video.duration_s = seconds
    video.save(update_fields=["duration_s"])
    run = make_run(video)
    times = list(np.arange(0, seconds, 0.2))
    persons = [add_person(run, number, mood, times) for number, mood in enumerate(moods, start=1)]
    build_timeline(run)
    return video, persons


@pytest.fixture
def study(user):
    """Three videos: two happy rooms in condition A (weeks 1 and 2), one sad room in condition B."""
    study = Study.objects.create(owner=user, name="Lectures")
    videos = [
        analysed_video(user, "week 1 A", [HAPPY, HAPPY])[0],
        analysed_video(user, "week 2 A", [HAPPY, SAD])[0],
        analysed_video(user, "week 1 B", [SAD])[0],
    ]
    membership.add_videos(study, videos)
    membership.import_values_csv(study, "video_title,condition,week\nweek 1 A,A,1\nweek 2 A,A,2\nweek 1 B,B,1\n")
    return study


def test_login_is_required(client):
    response = client.get(reverse("studies:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_creating_a_study_and_refusing_a_second_of_the_same_name(alice, user):
    response = alice.post(reverse("studies:list"), {"name": "Focus groups", "description": "spring"})
    study = Study.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == study.get_absolute_url()
    response = alice.post(reverse("studies:list"), {"name": "focus groups"})
    assert response.status_code == 200 and "You have a study with this name already." in response.content.decode()
    assert Study.objects.filter(owner=user).count() == 1


def test_csv_import_adds_videos_makes_variables_and_infers_numbers(study):
    variables = {v.name: v.kind for v in study.variables.all()}
    assert variables == {"condition": StudyVariable.Kind.TEXT, "week": StudyVariable.Kind.NUMBER}
    values = {m.video.title: m.values for m in study.memberships.select_related("video")}
    assert values["week 2 A"] == {"condition": "A", "week": 2}


def test_csv_import_is_all_or_nothing_and_names_the_line(study, user):
    make_video(user, title="extra")
    text = "video_title,condition,dose\nextra,C,1\nweek 1 A,B,x\nnobody,A,2\n"
    with pytest.raises(StudyInputError, match="Line 4: you have no video titled “nobody”"):
        membership.import_values_csv(study, text)
    # Nothing of lines 2-3 stayed: no new video, no new variable, no changed value.
    assert not study.memberships.filter(video__title="extra").exists()
    assert not study.variables.filter(name="dose").exists()
    assert study.memberships.get(video__title="week 1 A").values["condition"] == "A"
    with pytest.raises(StudyInputError, match="Line 2: week is a number"):
        membership.import_values_csv(study, "video_title,week\nweek 1 A,soon\n")
    with pytest.raises(StudyInputError, match="Line 1: the first column must be"):
        membership.import_values_csv(study, "title,week\n")


def test_csv_import_refuses_ambiguous_titles(study, user):
    make_video(user, title="twin")
    make_video(user, title="twin")
    with pytest.raises(StudyInputError, match="Line 2: 2 of your videos are titled “twin”"):
        membership.import_values_csv(study, "video_title,condition\ntwin,A\n")


def test_variable_names_are_checked_and_renames_carry_values(study):
    for bad in ["2nd", "has space", "valence", "happy", "condition"]:
        with pytest.raises(StudyInputError):
            membership.add_variable(study, bad)
    condition = study.variables.get(name="condition")
    membership.rename_variable(condition, "arm")
    assert study.memberships.get(video__title="week 1 B").values == {"arm": "B", "week": 1}
    membership.delete_variable(study.variables.get(name="week"))
    assert study.memberships.get(video__title="week 1 B").values == {"arm": "B"}


def test_the_values_table_saves_all_cells_or_none(alice, study):
    week = study.variables.get(name="week")
    entries = {m.video.title: m for m in study.memberships.select_related("video")}
    url = reverse("studies:save_values", args=[study.pk])
    bad = {f"value-{entries['week 1 A'].pk}-{week.pk}": "7", f"value-{entries['week 1 B'].pk}-{week.pk}": "seven"}
    response = alice.post(url, bad, follow=True)
    assert "Nothing was saved. “week 1 B”: week is a number: “seven” is not one." in response.content.decode()
    assert StudyVideo.objects.get(pk=entries["week 1 A"].pk).values["week"] == 1
    alice.post(url, {f"value-{entries['week 1 A'].pk}-{week.pk}": "7,5"})
    assert StudyVideo.objects.get(pk=entries["week 1 A"].pk).values["week"] == 7.5


def test_comparison_by_condition_over_videos(study):
    comparison = compare(study, "condition")
    a, b = comparison.groups
    assert (a.value, a.videos, a.persons, b.value, b.videos, b.persons) == ("A", 2, 4, "B", 1, 1)
    rows = {row.title: row for row in video_rows(study)}
    expected_a = (rows["week 1 A"].valence + rows["week 2 A"].valence) / 2
    assert a.valence.mean == pytest.approx(expected_a) and a.valence.units == 2
    # Two videos are too few for an interval: each one's own value, named, instead.
    assert a.valence.low is None and a.valence.high is None
    assert a.valence.each == (("week 1 A", rows["week 1 A"].valence), ("week 2 A", rows["week 2 A"].valence))
    assert b.valence.low is None and b.valence.mean == pytest.approx(rows["week 1 B"].valence)
    assert b.valence.mean < 0 < a.valence.mean
    assert a.shares["happy"].mean > 0.5 and b.shares["sad"].mean == pytest.approx(1.0)
    assert comparison.left_out == 0
    by_week = compare(study, "week")
    assert [g.value for g in by_week.groups] == ["1", "2"] and by_week.groups[0].videos == 2


def test_a_video_s_figures_pool_its_persons_face_time(study):
    """The video's shares and valence are its persons' own figures weighted by their face-time
    (core/video_figures.py), not a mean over time bins."""
    row = next(row for row in video_rows(study) if row.title == "week 2 A")
    happy, sad = Person.objects.filter(run_id=row.run_id).order_by("number")
    weights = [row.weights[str(p.number)] for p in (happy, sad)]
    assert weights[0] == pytest.approx(weights[1]) and weights[0] > 0  # both seen the whole time
    for name in EMOTIONS:
        expected = (happy.shares[name] * weights[0] + sad.shares[name] * weights[1]) / sum(weights)
        assert row.shares[name] == pytest.approx(expected, abs=1e-4)
    assert row.valence == pytest.approx(
        (happy.valence * weights[0] + sad.valence * weights[1]) / sum(weights), abs=1e-4
    )
    assert sad.valence < row.valence < happy.valence


def test_comparison_over_participants_counts_each_participant_once(study):
    runs = {row.title: row.run_id for row in video_rows(study)}
    week1, week2 = (study.memberships.get(video__title=t).video for t in ("week 1 A", "week 2 A"))
    for video in (week1, week2):
        for person in video.runs.get().persons.all():
            ParticipantLabel.objects.create(study=study, person=person, label=f"P{person.number}")
    comparison = compare(study, "condition", unit="participants")
    a = comparison.groups[0]
    assert a.units == 2  # P1 and P2, each over both A videos
    assert runs and a.valence.low is None and [name for name, _ in a.valence.each] == ["P1", "P2"]
    # Three participants (P3 in week 1 B): an interval.
    person = study.memberships.get(video__title="week 1 B").video.runs.get().persons.get()
    ParticipantLabel.objects.create(study=study, person=person, label="P3")
    together = compare(study, None, unit="participants").groups[0]
    assert together.units == 3 and together.valence.low <= together.valence.mean <= together.valence.high
    assert together.valence.each == ()


def test_room_lines_per_video_per_group_and_aligned_on_a_marker(study):
    lines, left_out = room_lines(study, None, None)
    assert len(lines) == 3 and left_out == 0 and lines[0].t[0] == 0
    grouped, _ = room_lines(study, "condition", None)
    assert [(line.name, line.videos) for line in grouped] == [("A", 2), ("B", 1)]
    assert np.nanmean(grouped[0].valence) > 0 > np.nanmean(grouped[1].valence)
    for title, t in [("week 1 A", 4.0), ("week 1 B", 6.0)]:
        Marker.objects.create(video=study.memberships.get(video__title=title).video, t=t, label="slide 4")
    aligned, left_out = room_lines(study, None, "slide 4")
    assert left_out == 1 and len(aligned) == 2
    assert {line.name: float(line.t[0]) for line in aligned} == {"week 1 A": -4.0, "week 1 B": -6.0}


def test_the_study_page_shows_the_table_and_the_charts(alice, study):
    response = alice.get(reverse("studies:detail", args=[study.pk]), {"variable": "condition", "lines": "condition"})
    content = response.content.decode()
    assert response.status_code == 200
    for title in ("week 1 A", "week 2 A", "week 1 B"):
        assert title in content
    charts = json.loads(content.split('<script id="study-charts" type="application/json">')[1].split("</script>")[0])
    bars = charts["valence"]["data"][0]
    assert bars["x"] == ["A", "B"] and bars["y"][0] > 0 > bars["y"][1]
    assert [trace["name"] for trace in charts["lines"]["data"] if trace.get("showlegend") is not False] == [
        "A (2 videos)",
        "B",
    ]
    together = alice.get(reverse("studies:detail", args=[study.pk]), {"variable": "*"}).content.decode()
    charts = json.loads(together.split('<script id="study-charts" type="application/json">')[1].split("</script>")[0])
    assert charts["valence"]["data"][0]["x"] == ["all videos"]
    # An unknown choice in the URL falls back to the defaults rather than failing.
    assert alice.get(reverse("studies:detail", args=[study.pk]), {"variable": "nope"}).status_code == 200


def test_the_tidy_csv_has_a_row_per_person_and_bin(study):
    rows = list(study_csv_rows(study))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["study", "video_id", "video_title", "condition", "week"]
    assert header[5:] == [
        "person",
        "participant",
        "t_s",
        "bin_s",
        *EMOTIONS,
        "valence",
        "attention",
        "talking",
        "eyes_closed",
        "stimulus_t_s",
    ]
    # 10 s videos in 1 s bins: 10 rows per person, 5 persons.
    assert len(body) == 50
    first = dict(zip(header, body[0]))
    assert first["stimulus_t_s"] == ""  # not a participant session's recording
    assert first["condition"] in {"A", "B"} and float(first["bin_s"]) == 1.0
    assert abs(sum(float(first[name]) for name in EMOTIONS) - 1) < 0.01


def test_the_study_json(study):
    document = study_document(study)
    assert [v["name"] for v in document["variables"]] == ["condition", "week"]
    video = next(v for v in document["videos"] if v["title"] == "week 1 B")
    assert video["values"] == {"condition": "B", "week": 1} and video["persons"] == 1 and video["valence"] < 0
    assert len(video["room"]["t_s"]) == len(video["room"]["valence"]) == 10


def test_downloads_are_attachments(alice, study):
    response = alice.get(reverse("studies:export_csv", args=[study.pk]))
    text = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].startswith('attachment; filename="lectures-')
    assert len(list(csv.reader(io.StringIO(text)))) == 51
    response = alice.get(reverse("studies:export_json", args=[study.pk]))
    assert json.loads(response.content)["study"]["name"] == "Lectures"


def test_another_users_study_is_a_404_everywhere(study, other_user, user):
    mallory = Client()
    mallory.force_login(other_user)
    pk = study.pk
    entry = study.memberships.first()
    gets = ["detail", "participants", "export_csv", "export_json", "delete"]
    for name in gets:
        assert mallory.get(reverse(f"studies:{name}", args=[pk])).status_code == 404, name
    variable = study.variables.first()
    posts = [
        reverse("studies:edit", args=[pk]),
        reverse("studies:delete", args=[pk]),
        reverse("studies:add_videos", args=[pk]),
        reverse("studies:remove_video", args=[pk, entry.video_id]),
        reverse("studies:add_variable", args=[pk]),
        reverse("studies:rename_variable", args=[pk, variable.pk]),
        reverse("studies:delete_variable", args=[pk, variable.pk]),
        reverse("studies:save_values", args=[pk]),
        reverse("studies:import_values", args=[pk]),
        reverse("studies:save_labels", args=[pk]),
        reverse("studies:confirm_suggestion", args=[pk]),
    ]
    for url in posts:
        assert mallory.post(url, {"name": "x", "kind": "text"}).status_code == 404, url
    assert Study.objects.get(pk=pk).name == "Lectures" and study.memberships.count() == 3
    # Nor can she put alice's video into a study of her own.
    hers = Study.objects.create(owner=other_user, name="Mine")
    mallory.post(reverse("studies:add_videos", args=[hers.pk]), {"videos": [entry.video_id]})
    assert not hers.memberships.exists()
    with pytest.raises(StudyInputError):
        membership.add_videos(hers, [entry.video])


def test_writes_need_csrf(user, study):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("studies:add_variable", args=[study.pk]), {"name": "room"}).status_code == 403
    assert not study.variables.filter(name="room").exists()


def test_adding_and_removing_videos_on_the_page(alice, user, study):
    extra = make_video(user, title="week 3 A")
    alice.post(reverse("studies:add_videos", args=[study.pk]), {"videos": [extra.pk]})
    assert study.memberships.filter(video=extra).exists()
    person = study.memberships.get(video__title="week 1 B").video.runs.get().persons.get()
    ParticipantLabel.objects.create(study=study, person=person, label="P01")
    alice.post(reverse("studies:remove_video", args=[study.pk, person.run.video_id]))
    assert not study.memberships.filter(video_id=person.run.video_id).exists()
    assert not ParticipantLabel.objects.filter(study=study).exists()  # its labels went with it
    assert person.run.video.__class__.objects.filter(pk=person.run.video_id).exists()  # the video stays


def test_values_import_on_the_page_reports_the_line(alice, study):
    upload = SimpleUploadedFile("values.csv", b"video_title,week\nweek 1 A,2\nweek 1 B,x\n", content_type="text/csv")
    response = alice.post(reverse("studies:import_values", args=[study.pk]), {"file": upload}, follow=True)
    assert "Nothing was imported. Line 3: week is a number" in response.content.decode()
    assert study.memberships.get(video__title="week 1 A").values["week"] == 1


def test_participant_labels_one_per_person_and_video(alice, study):
    video = study.memberships.get(video__title="week 1 A").video
    first, second = video.runs.get().persons.order_by("number")
    url = reverse("studies:save_labels", args=[study.pk])
    response = alice.post(url, {f"label-{first.pk}": "P07", f"label-{second.pk}": "P07"}, follow=True)
    assert "“P07” is another person of this video already." in response.content.decode()
    assert not ParticipantLabel.objects.exists()  # all or none
    alice.post(url, {f"label-{first.pk}": "P07"})
    assert participants.labels_by_person(study) == {first.pk: "P07"}
    page = alice.get(reverse("studies:participants", args=[study.pk])).content.decode()
    assert 'value="P07"' in page


def test_uploading_into_a_study(alice, user, settings):
    study = Study.objects.create(owner=user, name="Interviews")
    page = alice.get(reverse("videos:upload"), {"study": study.pk}).content.decode()
    assert f'<option value="{study.pk}" selected>Interviews</option>' in page
    with open(VIDEOS / "single_face.mp4", "rb") as handle:
        data = {"title": "Interview 1", "file": handle, "sampling": "5", "study": study.pk}
        response = alice.post(reverse("videos:upload"), data)
    assert response.status_code == 302
    assert study.memberships.get().video.title == "Interview 1"


def test_uploading_into_another_users_study_is_refused(alice, other_user):
    theirs = Study.objects.create(owner=other_user, name="Theirs")
    with open(VIDEOS / "single_face.mp4", "rb") as handle:
        data = {"title": "Sneaky", "file": handle, "sampling": "5", "study": theirs.pk}
        response = alice.post(reverse("videos:upload"), data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not theirs.memberships.exists()


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ray_session")
def test_real_videos_show_the_same_figures_on_their_results_pages_the_study_page_and_the_exports(alice, user):
    """Two real analyses (one person each): the study's table, comparison, exports and API give each video the
    figures of its results page. Before: the study counted 1 s bins (single_face: happy 67%, valence 0.79) and
    the results page samples (75%, 0.74), and the study's "95% interval" for two videos held neither."""
    for name, title in [("single_face.mp4", "Week 1"), ("WolfgangLanger_Pexels.mp4", "Week 2")]:
        upload_clip(alice, name, sampling="5", title=title)
    work()
    assert list(AnalysisRun.objects.values_list("status", flat=True)) == [AnalysisRun.Status.SUCCEEDED] * 2
    study = Study.objects.create(owner=user, name="Weekly")
    membership.add_videos(study, [run.video for run in AnalysisRun.objects.select_related("video")])
    rows = {row.title: row for row in video_rows(study)}
    exported = json.loads(alice.get(reverse("studies:export_json", args=[study.pk])).content)
    document = {v["title"]: v for v in exported["videos"]}
    study_page = alice.get(reverse("studies:detail", args=[study.pk])).content.decode()
    for title, row in rows.items():
        (person,) = Person.objects.filter(run_id=row.run_id)
        # The results page's person and its JSON export: the same figures as the study's row.
        assert row.shares == person.shares and row.valence == person.valence, title
        export = json.loads(alice.get(reverse("analysis:export_json", args=[row.video_id])).content)
        assert export["persons"][0]["shares"] == row.shares and export["persons"][0]["valence"] == row.valence
        assert document[title]["shares"] == row.shares and document[title]["valence"] == row.valence
        # The pages' text: the results page's whole-video line and the study table's leading share.
        name, share = row.leading
        results = alice.get(reverse("analysis:results", args=[row.video_id])).content.decode()
        line = _between(results, 'id="video-figures"', "</p>")
        assert f'data-emotion="{name}">{name} {share * 100:.0f}%</span>' in line
        assert f"valence {row.valence:+.2f}" in line
        cell = _between(study_page, f'<tr data-video="{row.video_id}">', "</tr>")
        assert f'data-emotion="{name}">{name} {share * 100:.0f}%</span>' in cell
        assert charts_data(results)  # the page drew (and refreshed nothing it should not)
    # The man smiles; the woman cries for half her clip.
    assert rows["Week 1"].leading[0] == "happy" and rows["Week 1"].valence > rows["Week 2"].valence

    # Two videos: no "interval", each video's own value, named, on the page too.
    (group,) = compare(study, None).groups
    assert group.valence.low is None
    assert dict(group.valence.each) == {title: row.valence for title, row in rows.items()}
    assert dict(group.shares["happy"].each) == {title: row.shares["happy"] for title, row in rows.items()}
    table = _between(study_page, '<table class="groups">', "</table>")
    assert "each: Week 1 " in table and "Week 2 " in table
