"""The study page reads timelines and summaries, never samples, in a number of queries that does not
grow with the study's videos (rows from bench/study_rows.py, as bench.study_page makes them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.study_rows import make_study

pytestmark = pytest.mark.django_db

VIEWS = ["", "?lines=condition&align=slide%204", "?unit=participants", "?variable=week&unit=participants"]


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("researcher", password="study-pass-phrase-1")


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def queries_of(client, url: str) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a streamed export queries as it is read
    return response, [query["sql"] for query in captured.captured_queries]


def sample_queries(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "analysis_sample" in sql]


@pytest.mark.parametrize("view", VIEWS)
def test_study_page_shows_every_video_without_reading_samples(logged_in, owner, view):
    study = make_study(owner, "Seminar", videos=3, minutes=1, persons=2, seed=1)
    response, queries = queries_of(logged_in, reverse("studies:detail", args=[study.pk]) + view)
    assert response.status_code == 200
    content = response.content.decode()
    for number in (1, 2, 3):
        assert f"Seminar video {number:03d}" in content
    assert 'id="chart-lines"' in content and 'id="chart-participants"' in content
    assert not sample_queries(queries)


@pytest.mark.parametrize("route", ["studies:export_json", "studies:export_csv"])
def test_study_exports_do_not_read_samples(logged_in, owner, route):
    study = make_study(owner, "Seminar", videos=3, minutes=1, persons=2, seed=1)
    response, queries = queries_of(logged_in, reverse(route, args=[study.pk]))
    assert response.status_code == 200
    assert not sample_queries(queries)


@pytest.mark.parametrize("view", VIEWS)
def test_study_page_queries_do_not_grow_with_videos(logged_in, owner, view):
    small = make_study(owner, "Three videos", videos=3, minutes=1, persons=2, seed=1)
    large = make_study(owner, "Six videos", videos=6, minutes=1, persons=2, seed=2)
    logged_in.get(reverse("studies:detail", args=[small.pk]) + view)  # the session's first reads
    _, three = queries_of(logged_in, reverse("studies:detail", args=[small.pk]) + view)
    response, six = queries_of(logged_in, reverse("studies:detail", args=[large.pk]) + view)
    assert response.status_code == 200
    assert "Six videos video 006" in response.content.decode()
    assert len(six) == len(three), "\n".join(six)
