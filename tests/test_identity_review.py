"""Identity review on the results page: rename, merge, split, hide; everything derived follows, samples stay."""

import csv
import io
import json

import numpy as np
import pytest
from django.urls import reverse

from analysis.core.emotions import EMOTIONS
from analysis.models import Person, RunTimeline, Sample
from analysis.results.timeline_store import build_timeline

from .factories import add_person, charts_data, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(analysed):  # noqa: F811
    video, run, persons = analysed
    build_timeline(run)
    return video, run, persons


def post(client, action, video, person, **data):
    return client.post(reverse(f"analysis:{action}", args=[video.pk, person.pk]), data)


def export(client, video) -> dict:
    return json.loads(client.get(reverse("analysis:export_json", args=[video.pk])).content)


def test_rename_shows_on_the_page_and_in_the_export(alice, reviewed):
    video, run, (first, second) = reviewed
    response = post(alice, "rename_person", video, first, name="  Ada  ")
    assert response.status_code == 302 and response["Location"].endswith("#person-1")
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Ada (person 1)" in page
    assert [p["name"] for p in export(alice, video)["persons"]] == ["Ada", ""]
    # The CSV too: its person_name column, next to the number.
    csv_text = alice.get(reverse("analysis:export_csv", args=[video.pk])).getvalue().decode()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {(row["person_id"], row["person_name"]) for row in rows} == {("1", "Ada"), ("2", "")}


def test_merge_moves_the_samples_and_recomputes_summaries_charts_and_timeline(alice, reviewed):
    video, run, (first, second) = reviewed
    response = post(alice, "merge_person", video, second, into=first.pk)
    assert response.status_code == 302
    assert not Person.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert first.sample_count == 11 and (first.first_s, first.last_s) == (0.0, 2.0)
    assert Sample.objects.filter(person__run=run).count() == 11  # nothing lost
    assert 0.0 < first.shares["happy"] < 1.0 and first.shares["sad"] > 0.0
    timeline = RunTimeline.objects.get(run=run)
    assert timeline.numbers == [1]
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    data = charts_data(page)
    assert set(data["persons"]) == {str(first.pk)} and list(data["heatmap"]["data"][0]["y"]) == ["Person 1"]
    (exported,) = export(alice, video)["persons"]
    assert len(exported["samples"]) == 11 and exported["shares"] == first.shares
    run.refresh_from_db()
    assert run.persons_count == 1


def test_the_merge_form_lists_its_choices_without_javascript(alice, reviewed):
    video, run, (first, second) = reviewed
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    # Each person's merge <select> holds the other persons, as the server wrote it (no merge_choices.js).
    for person, other in ((first, second), (second, first)):
        form = page[page.index(reverse("analysis:merge_person", args=[video.pk, person.pk])) :]
        select = form[form.index("<select") : form.index("</select>")]
        assert f'<option value="{other.pk}">{other.label}</option>' in select
        assert f'value="{person.pk}"' not in select
    # What a browser without JavaScript sends from it: the chosen option's value.
    assert post(alice, "merge_person", video, second, into=str(first.pk)).status_code == 302
    assert not Person.objects.filter(pk=second.pk).exists()


def test_two_people_seen_at_once_cannot_be_merged(alice, reviewed):
    video, run, (first, second) = reviewed
    third = add_person(run, 3, EMOTIONS.index("angry"), [0.4, 0.6, 0.8])
    response = post(alice, "merge_person", video, third, into=first.pk)
    assert response.status_code == 302
    assert Person.objects.filter(pk=third.pk).exists() and Sample.objects.filter(person=third).count() == 3
    page = alice.get(response["Location"]).content.decode()
    assert "on screen at the same moment: they are two people" in page


def test_split_makes_a_new_person_from_a_time_on(alice, reviewed):
    video, run, (first, second) = reviewed
    response = post(alice, "split_person", video, first, at_s="0.5")
    assert response.status_code == 302
    first.refresh_from_db()
    other = Person.objects.get(run=run, number=3)
    assert first.sample_count == 3 and first.last_s == 0.4
    assert other.sample_count == 3 and other.first_s == 0.6 and other.dominant == "happy"
    assert RunTimeline.objects.get(run=run).numbers == [1, 2, 3]
    assert [p["id"] for p in export(alice, video)["persons"]] == [1, 2, 3]
    nothing = post(alice, "split_person", video, second, at_s="99")
    assert "nothing to split" in alice.get(nothing["Location"]).content.decode()


def test_hide_removes_a_false_face_from_charts_and_exports_and_keeps_its_samples(alice, reviewed):
    video, run, (first, second) = reviewed
    post(alice, "hide_person", video, second, hidden="1")
    assert Sample.objects.filter(person=second).count() == 5
    data = charts_data(alice.get(reverse("analysis:results", args=[video.pk])).content.decode())
    assert set(data["persons"]) == {str(first.pk)}
    assert [p["id"] for p in export(alice, video)["persons"]] == [1]
    assert RunTimeline.objects.get(run=run).numbers == [1]
    csv_rows = alice.get(reverse("analysis:export_csv", args=[video.pk])).getvalue().decode().splitlines()
    assert {row.split(",")[0] for row in csv_rows[1:]} == {"1"}
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Show again" in page
    post(alice, "hide_person", video, second, hidden="0")
    assert [p["id"] for p in export(alice, video)["persons"]] == [1, 2]


@pytest.mark.parametrize("name", ["rename_person", "merge_person", "split_person", "hide_person"])
def test_another_users_person_is_404_and_get_is_refused(client, other_user, reviewed, name):
    video, run, (first, second) = reviewed
    client.force_login(other_user)
    assert post(client, name, video, first, name="x", into=second.pk, at_s="0.5").status_code == 404
    assert client.get(reverse(f"analysis:{name}", args=[video.pk, first.pk])).status_code in (404, 405)
    first.refresh_from_db()
    assert first.name == "" and not first.hidden and first.sample_count == 6


def test_a_person_of_an_older_run_is_404(alice, reviewed):
    video, run, (first, second) = reviewed
    make_run(video)  # a newer succeeded run: its results are the ones shown
    assert post(alice, "rename_person", video, first, name="Old").status_code == 404


def test_reprocess_says_the_edits_are_not_carried_over(alice, reviewed):
    video, run, persons = reviewed
    response = alice.post(reverse("analysis:reprocess", args=[video.pk]), follow=True)
    assert "names, merges, splits and hidden persons of the current results are not carried over" in (
        response.content.decode()
    )


def test_merge_and_split_keep_attention_valence_and_the_encoding_right(alice, reviewed):
    video, run, (first, second) = reviewed
    alice_encoding, other_encoding = np.full(128, 0.1, np.float32), np.full(128, 0.4, np.float32)
    Person.objects.filter(pk=first.pk).update(encoding=alice_encoding.tobytes())
    Person.objects.filter(pk=second.pk).update(encoding=other_encoding.tobytes())
    assert first.attention == pytest.approx(5 / 6, abs=1e-4) and second.attention is None
    post(alice, "merge_person", video, second, into=first.pk)
    first.refresh_from_db()
    # Attention counts the samples with a pose only (person 2's have none); valence takes the sad ones in.
    assert first.attention == pytest.approx(5 / 6, abs=1e-4) and first.valence < 0.5
    merged = np.frombuffer(bytes(first.encoding), dtype=np.float32)
    assert merged == pytest.approx((6 * 0.1 + 5 * 0.4) / 11)  # weighted by the samples each had
    post(alice, "split_person", video, first, at_s="0.5")  # 0.0-0.4 s: the turned sample is at 0.4 s
    first.refresh_from_db()
    other = Person.objects.get(run=run, number=2)  # numbered after the run's last
    assert first.attention == pytest.approx(2 / 3, abs=1e-4) and other.attention == 1.0
    assert bytes(other.encoding) == bytes(first.encoding)  # no per-sample encodings: a copy
    assert RunTimeline.objects.get(run=run).summary["persons"] == 2


# Edits answered in place (analysis/pages/page_updates.py): what the page's script asks for.
IN_PLACE = {"HTTP_ACCEPT": "application/json"}


def post_in_place(client, action, video, person, **data):
    return client.post(reverse(f"analysis:{action}", args=[video.pk, person.pk]), data, **IN_PLACE)


def test_a_rename_in_place_answers_the_section_and_keeps_the_charts(alice, reviewed):
    video, run, (first, second) = reviewed
    response = post_in_place(alice, "rename_person", video, second, name="Bea")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    update = response.json()
    assert update["messages"] == [{"level": "success", "text": "Renamed."}]
    assert update["order"] == ["person-1", "person-2"] and update["focus"] == "person-2"
    section = update["html"]["person-2"]
    assert "Bea (person 2)" in section and 'data-swap="review"' in section and "csrfmiddlewaretoken" in section
    assert "person-1" not in update["html"]  # untouched sections are not sent
    assert update["charts"]["persons"] == {}  # a name changes no samples: the drawn charts stay
    assert [trace["name"] for trace in update["charts"]["distribution"]["data"]] == ["Person 1", "Bea (person 2)"]
    assert ">Bea (person 2)</option>" in update["html"]["merge-choices"]
    # The message was shown in place: the next page does not repeat it.
    assert "Renamed." not in alice.get(reverse("analysis:results", args=[video.pk])).content.decode()


def test_a_merge_in_place_drops_the_merged_section_and_redraws_the_kept_one(alice, reviewed):
    video, run, (first, second) = reviewed
    update = post_in_place(alice, "merge_person", video, second, into=first.pk).json()
    assert not Person.objects.filter(pk=second.pk).exists()
    assert update["order"] == ["person-1"] and update["focus"] == "person-1"
    assert "11 samples" in update["html"]["person-1"]
    assert list(update["charts"]["persons"]) == [str(first.pk)]
    assert list(update["charts"]["heatmap"]["data"][0]["y"]) == ["Person 1"]
    assert "merged into Person 1" in update["messages"][0]["text"]


def test_a_split_in_place_adds_the_new_section_and_a_refused_edit_says_why(alice, reviewed):
    video, run, (first, second) = reviewed
    update = post_in_place(alice, "split_person", video, first, at_s="0.5").json()
    assert update["order"] == ["person-1", "person-2", "person-3"]
    assert {"person-1", "person-3"} <= set(update["html"]) and 'id="person-3"' in update["html"]["person-3"]
    new = Person.objects.get(run=run, number=3)
    assert set(update["charts"]["persons"]) == {str(first.pk), str(new.pk)}
    refused = post_in_place(alice, "split_person", video, first, at_s="99").json()
    assert refused["messages"][0]["level"] == "error" and "nothing to split" in refused["messages"][0]["text"]


def test_hide_and_show_again_in_place(alice, reviewed):
    video, run, (first, second) = reviewed
    update = post_in_place(alice, "hide_person", video, second, hidden="1").json()
    assert update["order"] == ["person-1"] and "Show again" in update["html"]["hidden-persons"]
    update = post_in_place(alice, "hide_person", video, second, hidden="0").json()
    assert update["order"] == ["person-1", "person-2"] and "Show again" not in update["html"]["hidden-persons"]
    assert list(update["charts"]["persons"]) == [str(second.pk)]  # back on the page: drawn with it


def test_an_edit_in_place_answers_the_count_the_video_figures_and_the_blur_names_as_a_reload_shows_them(
    alice, reviewed
):
    video, run, (first, second) = reviewed
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert '<span id="persons-count">2 persons</span>' in page and 'data-emotion="sad"' in page
    update = post_in_place(alice, "hide_person", video, second, hidden="1").json()
    html = update["html"]
    assert html["persons-count"].strip() == '<span id="persons-count">1 person</span>'
    assert 'data-emotion="happy"' in html["video-figures"] and 'data-emotion="sad"' not in html["video-figures"]
    assert 'value="1"' in html["keep-visible"] and 'value="2"' not in html["keep-visible"]
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    for part in ("persons-count", "video-figures", "keep-visible"):
        assert html[part].strip() in page, part  # what a reload shows
    renamed = post_in_place(alice, "rename_person", video, first, name="Ada").json()
    assert "> Ada (person 1)</label>" in renamed["html"]["keep-visible"]


def test_an_edit_in_place_needs_the_csrf_token(reviewed, user):
    from django.test import Client

    video, run, (first, second) = reviewed
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert post_in_place(strict, "rename_person", video, first, name="Forged").status_code == 403
    first.refresh_from_db()
    assert first.name == ""


@pytest.mark.parametrize("name", ["rename_person", "merge_person", "split_person", "hide_person", "calm_stretch"])
def test_another_users_person_is_404_in_place_too(client, other_user, reviewed, name):
    video, run, (first, second) = reviewed
    client.force_login(other_user)
    response = post_in_place(client, name, video, first, name="x", into=second.pk, at_s="0.5", from_s="0", to_s="1")
    assert response.status_code == 404 and b"Person" not in response.content
    first.refresh_from_db()
    assert first.name == "" and first.sample_count == 6 and first.calm_from_s is None


def test_a_big_rooms_merge_form_takes_a_person_number_without_javascript(alice, user):
    """Over 12 persons the merge lists are filled by merge_choices.js; the form's number field works without it."""
    from .factories import make_run as make_analysis
    from .factories import make_video

    video = make_video(user)
    run = make_analysis(video, persons_count=13)
    persons = [add_person(run, n, n % 7, [n * 2.0, n * 2.0 + 0.2, n * 2.0 + 0.4]) for n in range(1, 14)]
    build_timeline(run)
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert page.count('name="into_number"') == 13  # one per person's merge form
    unknown = post(alice, "merge_person", video, persons[12], into_number="40")
    assert unknown.status_code == 302 and Person.objects.filter(run=run).count() == 13
    page = alice.get(unknown["Location"]).content.decode()
    assert "There is no other shown person 40 to merge Person 13 with." in page
    itself = post_in_place(alice, "merge_person", video, persons[12], into_number="13").json()
    assert itself["messages"][0]["level"] == "error" and Person.objects.filter(run=run).count() == 13
    empty = post_in_place(alice, "merge_person", video, persons[12], into_number="").json()
    assert empty["messages"] == [{"level": "error", "text": "Choose the person to merge with."}]
    merged = post(alice, "merge_person", video, persons[12], into_number="3")
    assert merged.status_code == 302 and merged["Location"].endswith("#person-3")
    assert not Person.objects.filter(pk=persons[12].pk).exists()
    assert Person.objects.get(pk=persons[2].pk).sample_count == 6
