"""S3-compatible storage (django-storages), selected by environment variables.

The S3 API is served in-process by moto: a narrow test of our storage code paths
(upload, streaming with Range, the worker's local copy), not of S3 itself.
"""

import os
import subprocess
import sys

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws

from analysis.core.video_source import probe
from analysis.runs.video_files import local_video_path

from .conftest import VIDEOS
from .factories import make_video

pytestmark = pytest.mark.django_db
BUCKET = "emotion-media"


def test_bucket_settings_come_from_the_environment():
    env = {
        **os.environ,
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "http://minio.internal:9000",
        "AWS_S3_REGION_NAME": "eu-west-1",
        "DJANGO_SETTINGS_MODULE": "emotion_site.settings",
    }
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name, s.default_acl)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["S3Storage", BUCKET, "http://minio.internal:9000", "eu-west-1", "private"]


@pytest.fixture
def s3(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "default_acl": "private", "file_overwrite": False},
            },
        }
        yield boto3.client("s3", region_name="us-east-1")


def test_video_on_s3_is_private_streams_with_range_and_is_copied_for_the_worker(s3, alice, user):
    source = (VIDEOS / "single_face.mp4").read_bytes()
    video = make_video(user, "S3")
    stored = s3.get_object(Bucket=BUCKET, Key=video.file.name)["Body"].read()
    assert stored == source
    grants = s3.get_object_acl(Bucket=BUCKET, Key=video.file.name)["Grants"]
    assert not any("AllUsers" in str(grant.get("Grantee", {})) for grant in grants)  # not public

    response = alice.get(reverse("videos:stream", args=[video.pk]), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == source[100:200]

    with local_video_path(video.file) as path:
        assert open(path, "rb").read() == source
        assert probe(path).frame_count == 72
    assert not os.path.exists(path)  # the temporary copy is gone

    video.delete()
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


@pytest.fixture
def s3_server(settings, monkeypatch):
    """A real S3-compatible HTTP endpoint (moto's server) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield endpoint
    server.stop()


def test_workers_read_an_s3_video_by_signed_url_segment_by_segment(s3_server, user):
    """Ray actors anywhere in a cluster open the object themselves; nothing is copied whole."""
    import requests

    from analysis.core.executors import LocalExecutor
    from analysis.core.pipeline import analyze_video
    from analysis.core.result_formats import CollectingSink
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.runs.video_files import worker_video_location

    video = make_video(user, "S3", source=VIDEOS / "WolfgangLanger_Pexels.mp4")
    executor = LocalExecutor(AnalyzerConfig(threads=1))
    info = probe(str(VIDEOS / "WolfgangLanger_Pexels.mp4"))
    with worker_video_location(video.file, valid_s=600) as location:
        assert location.startswith(s3_server) and "Signature=" in location
        assert requests.get(location.split("?")[0], timeout=10).status_code == 403  # private without it
        from_url = CollectingSink()
        analyze_video(location, info, 5.0, executor, from_url)
    from_file = CollectingSink()
    analyze_video(str(VIDEOS / "WolfgangLanger_Pexels.mp4"), info, 5.0, executor, from_file)
    assert len(from_url.persons) == len(from_file.persons) == 1
    assert from_url.persons[0]["samples"] == from_file.persons[0]["samples"]
