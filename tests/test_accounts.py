"""Accounts: sign-up, password rules, login and logout, and what needs a login or staff."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.urls import reverse

from analysis.models import AnalysisRun
from videos.models import Video

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-1"  # the `user` fixture's password


def logged_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


@pytest.fixture
def video(user):
    """A video row (no file needed: anonymous requests never reach the views)."""
    video = Video.objects.create(
        owner=user,
        title="Holiday clip",
        file=f"videos/{user.pk}/0123456789abcdef.mp4",
        original_name="holiday.mp4",
        size_bytes=1000,
        duration_s=2.4,
        fps=30.0,
        width=640,
        height=360,
        frame_count=72,
    )
    AnalysisRun.objects.create(video=video, status=AnalysisRun.Status.SUCCEEDED, sample_fps=5.0, detector="hog")
    return video


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="root", password="staff-pass-phrase-3", is_staff=True)


# Sign-up


def test_signup_page_is_public(client):
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    assert b'name="password1"' in response.content
    assert b'name="password2"' in response.content


def test_signup_creates_user_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "bob", "password1": "correct-horse-battery-9", "password2": "correct-horse-battery-9"},
    )
    assert response.status_code == 302
    assert response.url == reverse("videos:list")
    user = get_user_model().objects.get(username="bob")
    assert user.check_password("correct-horse-battery-9")
    assert not user.is_staff
    assert logged_in_user_id(client) == str(user.pk)
    page = client.get(reverse("videos:list"))
    assert page.status_code == 200
    assert page.context["user"] == user
    assert b"Log out bob" in page.content


def test_signup_rejects_mismatched_passwords(client):
    response = client.post(
        reverse("signup"),
        {"username": "bob", "password1": "correct-horse-battery-9", "password2": "correct-horse-battery-0"},
    )
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="bob").exists()
    assert logged_in_user_id(client) is None


def test_signup_rejects_taken_username(client, user):
    response = client.post(
        reverse("signup"),
        {"username": "alice", "password1": "correct-horse-battery-9", "password2": "correct-horse-battery-9"},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert get_user_model().objects.filter(username="alice").count() == 1
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("bob", "xk3!p", "This password is too short."),
        ("bob", "password", "This password is too common."),
        ("bob", "qwerty123", "This password is too common."),
        ("bob", "8427193650", "This password is entirely numeric."),
        ("carolinewest", "carolinewest1", "The password is too similar to the username."),
    ],
    ids=["short", "common", "common-2", "numeric", "like-username"],
)
def test_signup_rejects_weak_passwords(client, username, password, message):
    response = client.post(reverse("signup"), {"username": username, "password1": password, "password2": password})
    assert response.status_code == 200
    errors = response.context["form"].errors["password2"]
    assert any(message in error for error in errors), errors
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username=username).exists()
    assert logged_in_user_id(client) is None


def test_signup_redirects_a_logged_in_user(alice):
    response = alice.get(reverse("signup"))
    assert response.status_code == 302
    assert response.url == reverse("videos:list")


# Login and logout


def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_login_with_right_password(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("videos:list")
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get(reverse("videos:list")).status_code == 200


def test_login_follows_next(client, user, video):
    target = reverse("analysis:results", args=[video.pk])
    response = client.post(f"{reverse('login')}?next={target}", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == target


def test_login_refuses_external_next(client, user):
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == reverse("videos:list")


def test_login_with_wrong_password(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "not-the-password"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_in_user_id(client) is None


def test_login_page_redirects_a_logged_in_user(alice):
    response = alice.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("videos:list")


def test_logout_is_post_only(alice, user):
    response = alice.get(reverse("logout"))
    assert response.status_code == 405
    assert logged_in_user_id(alice) == str(user.pk)


def test_logout_ends_the_session(alice):
    list_url = reverse("videos:list")
    assert alice.get(list_url).status_code == 200
    response = alice.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert logged_in_user_id(alice) is None
    after = alice.get(list_url)
    assert after.status_code == 302
    assert after.url == f"{reverse('login')}?next={list_url}"


def test_pages_show_a_logout_form_posting_to_logout(alice):
    content = alice.get(reverse("videos:list")).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in content


# Everything else needs a login


def per_video_urls(video) -> list[str]:
    person_id = 1
    return [
        reverse("analysis:results", args=[video.pk]),
        reverse("analysis:progress", args=[video.pk]),
        reverse("analysis:export_json", args=[video.pk]),
        reverse("analysis:export_csv", args=[video.pk]),
        reverse("analysis:thumbnail", args=[video.pk, person_id]),
        reverse("videos:stream", args=[video.pk]),
        reverse("videos:delete", args=[video.pk]),
    ]


def test_anonymous_get_of_every_app_page_redirects_to_login(client, video):
    urls = [reverse("videos:list"), reverse("videos:upload"), *per_video_urls(video)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{reverse('login')}?next={url}", url


def test_anonymous_root_redirects_to_login(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"


def test_anonymous_posts_change_nothing(client, video, tmp_path):
    runs = AnalysisRun.objects.count()
    for url in (
        reverse("analysis:reprocess", args=[video.pk]),
        reverse("videos:delete", args=[video.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{reverse('login')}?next="), url
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    with clip.open("rb") as handle:
        response = client.post(reverse("videos:upload"), {"title": "x", "file": handle, "sampling": "5"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Video.objects.filter(pk=video.pk).exists()
    assert Video.objects.count() == 1
    assert AnalysisRun.objects.count() == runs


# Admin and the rq dashboard need staff


def test_admin_index_redirects_anonymous_to_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next=/admin/"


def test_admin_index_refuses_non_staff(alice):
    response = alice.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_index_opens_for_staff(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Site administration" in response.content


def test_rq_dashboard_redirects_anonymous_to_login(client):
    response = client.get("/admin/rq/")
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next=/admin/rq/"


def test_rq_dashboard_refuses_non_staff(alice):
    response = alice.get("/admin/rq/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert b"default" not in response.content


def test_rq_dashboard_opens_for_staff(client, staff):
    client.force_login(staff)
    response = client.get("/admin/rq/")
    assert response.status_code == 200
    # The dashboard lists the configured queue.
    assert b"default" in response.content
