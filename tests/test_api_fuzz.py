"""Schemathesis against the whole API (issue 30): every operation, with generated inputs, real ids of two users.

Each operation's examples go to the app through WSGI, signed in as Alice, who owns a video with results, a
marker, a study with a variable. Path ids are the generated ones (mostly nobody's), Alice's own, or those of
Mallory's copies of the same objects. The build fails on any 5xx, any answer the schema does not describe
(status, content type, body, headers), and any 2xx for Mallory's objects.

Bounded for `make test` (FUZZ_EXAMPLES examples per operation, 25 by default); the longer run:
`FUZZ_EXAMPLES=250 .venv/bin/pytest tests/test_api_fuzz.py` (docs/api.md, "Fuzzing").
"""

import os
import random

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analysis.core.emotions import EMOTIONS
from analysis.models import Marker, Study, StudyVariable, StudyVideo

from .factories import add_person, make_run, make_video

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def owned_objects(user, title: str) -> dict:
    """A user's video with results (two persons), a marker, and a study with a variable and the video."""
    video = make_video(user, title=title)
    run = make_run(video, persons_count=2)
    add_person(run, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    add_person(run, 2, EMOTIONS.index("sad"), [1.2, 1.4, 1.6, 1.8, 2.0], box=(300, 40, 60, 60))
    marker = Marker.objects.create(video=video, t=1.0, label="slide 1")
    study = Study.objects.create(owner=user, name=f"{title} study")
    StudyVariable.objects.create(study=study, name="condition", kind=StudyVariable.Kind.TEXT)
    StudyVideo.objects.create(study=study, video=video, values={"condition": "A"})
    return {"id": None, "video": video.pk, "study": study.pk, "marker": marker.pk, "number": 1, "name": "condition"}


@schemathesis.serializer("application/offset+octet-stream")
def tus_bytes(ctx, value) -> bytes:
    """tus appends raw bytes: whatever was generated, as bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


def api_schema():
    """The schema the app serves at /api/schema/, made here (Django is set up before tests are collected)."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    return loaded


schema = api_schema()
COUNTS = {"requests": 0, "as alice's": 0, "as mallory's": 0}


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    """As Django's test client does: a request's end must not close the connection the test's transaction is on
    (PostgreSQL: "the connection is closed" for the next request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    """With -s: how many requests the run sent, and how many of them named each user's objects."""
    yield
    print(f"\nSchemathesis: {COUNTS}")


@pytest.fixture
def two_users(db, user, other_user):
    return {
        "alice": (Token.objects.create(user=user).key, owned_objects(user, "Alice's lecture")),
        "mallory": (Token.objects.create(user=other_user).key, owned_objects(other_user, "Mallory's lecture")),
    }


def real_ids(path: str, objects: dict) -> dict:
    """The path's parameters filled with one user's real objects (by what the path names)."""
    values = {}
    for name in ("id", "video_id", "marker_id", "number", "name"):
        if "{" + name + "}" not in path:
            continue
        if name == "id":
            values[name] = objects["study"] if path.startswith("/api/studies/") else objects["video"]
        else:
            values[name] = objects[{"video_id": "video", "marker_id": "marker"}.get(name, name)]
    return values


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented_and_never_lets_one_user_at_anothers(case, two_users):
    token, mine = two_users["alice"]
    _, theirs = two_users["mallory"]
    # The same case each run: mostly generated ids, else Alice's own objects, else Mallory's.
    choice = random.Random(f"{case.method} {case.path} {case.path_parameters} {case.body!r}").random()
    whose = "generated" if choice < 0.4 else "alice" if choice < 0.75 else "mallory"
    if whose != "generated" and case.path_parameters:
        case.path_parameters = {**case.path_parameters, **real_ids(case.path, mine if whose == "alice" else theirs)}
    response = case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
    COUNTS["requests"] += 1
    if whose != "generated" and case.path_parameters:
        COUNTS[f"as {whose}'s"] += 1
    # OPTIONS (sent by Schemathesis to every path) describes the view, never an object.
    if whose == "mallory" and case.method != "OPTIONS" and case.path_parameters and real_ids(case.path, theirs):
        assert response.status_code >= 400, (
            f"{case.method} {case.formatted_path} answered {response.status_code} to Alice for Mallory's object"
        )
