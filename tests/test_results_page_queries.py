"""The results page reads in a number of queries that does not grow with the room's persons or samples
(rooms from bench/results_page.py, as bench.results_edits makes them): the charts that come with the page
read their persons' samples in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analysis.pages.charts import INLINE_PERSONS
from analysis.results.timeline_store import build_timeline
from bench.results_page import make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("presenter", password="room-pass-phrase-1")


def page_queries(client, video) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("analysis:results", args=[video.pk]))
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def test_results_page_queries_do_not_grow_with_persons_or_samples(client, owner):
    small, small_run, small_samples = make_run(owner, "Two people", persons=2, minutes=0.5, seed=1)
    large, large_run, large_samples = make_run(owner, "Ten people", persons=10, minutes=3, seed=2)
    assert large_samples > 5 * small_samples
    for run in (small_run, large_run):
        build_timeline(run)
    client.force_login(owner)
    page_queries(client, small)  # the session's first reads
    _, two = page_queries(client, small)
    content, ten = page_queries(client, large)
    assert 'id="person-10"' in content
    assert len(ten) == len(two), "\n".join(ten)
    # Every person's chart that comes with the page, from one read of the samples.
    assert len([sql for sql in ten if "analysis_sample" in sql]) == 1
    assert content.count('"emotions": {"data"') == INLINE_PERSONS
