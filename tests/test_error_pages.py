"""The site's own 404, 403 and 500 pages: the header, what happened, and a way back (the API keeps JSON)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from .factories import make_video

pytestmark = pytest.mark.django_db


def assert_site_page(content: str, heading: str) -> None:
    assert 'class="topbar"' in content and "Emotion Detector" in content
    assert f"<h1>{heading}</h1>" in content
    assert f'href="{reverse("videos:list")}"' in content


def test_an_unknown_page_is_a_site_page_with_a_way_back(alice):
    response = alice.get("/videos/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert_site_page(content, "Page not found")
    assert "Log out alice" in content  # the signed-in header, not a bare page


def test_another_users_video_is_the_same_404_page(alice, other_user):
    video = make_video(other_user, "Mallory's")
    response = alice.get(reverse("analysis:results", args=[video.pk]))
    assert response.status_code == 404
    assert_site_page(response.content.decode(), "Page not found")
    assert "Mallory's" not in response.content.decode()


def test_the_api_keeps_answering_json(alice):
    response = alice.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_permission_denied_and_server_error_pages_have_the_site_header(user):
    request = RequestFactory().get("/videos/")
    request.user = user
    denied = defaults.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403
    assert_site_page(denied.content.decode(), "Not allowed")
    failed = defaults.server_error(request)  # rendered without a request context, as Django does after a crash
    assert failed.status_code == 500
    assert_site_page(failed.content.decode(), "Something went wrong")
