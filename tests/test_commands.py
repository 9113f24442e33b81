"""Management commands: analyze_video (no server, Redis or database) and reprocess_videos."""

import json

import django_rq
import pytest
from django.core.management import CommandError, call_command

from analysis.models import AnalysisRun

from .conftest import EXPORT_ANALYSIS_KEYS, EXPORT_KEYS, EXPORT_PERSON_KEYS, EXPORT_SAMPLE_KEYS, VIDEOS
from .factories import make_video


@pytest.mark.usefixtures("ray_session")
def test_analyze_video_prints_a_summary_and_writes_the_export_shape(tmp_path, capsys):
    # No django_db mark: pytest-django fails any database access, so this proves the command needs none.
    out = tmp_path / "result.json"
    call_command("analyze_video", str(VIDEOS / "single_face.mp4"), "--ray", "--json", str(out))
    printed = capsys.readouterr().out
    assert "1 person(s)" in printed and "dominant happy" in printed and "realtime" in printed
    assert "on Ray, 1 worker node(s)" in printed
    document = json.loads(out.read_text())
    assert set(document) == EXPORT_KEYS
    assert document["video"]["id"] is None and document["video"]["width"] == 640
    assert set(document["analysis"]) == EXPORT_ANALYSIS_KEYS
    assert document["analysis"]["sample_fps"] == 5.0 and document["analysis"]["frames_analyzed"] == 12
    (person,) = document["persons"]
    assert set(person) == EXPORT_PERSON_KEYS
    assert person["dominant"] == "happy" and len(person["samples"]) == 12
    assert set(person["samples"][0]) == EXPORT_SAMPLE_KEYS
    assert "attending" in printed and person["attention"] >= 0.9
    assert all(sample["yaw"] is not None and sample["pitch"] is not None for sample in person["samples"])
    assert all(sample["ear_left"] is not None and sample["smile"] is not None for sample in person["samples"])


def test_without_a_ray_cluster_the_command_analyses_in_one_process(tmp_path, capsys, settings):
    """Starting a local Ray (~7 s here) would cost more than it saves: one process, a thread per core."""
    settings.RAY_ADDRESS = None
    out = tmp_path / "result.json"
    call_command("analyze_video", str(VIDEOS / "single_face.mp4"), "--json", str(out))
    printed = capsys.readouterr().out
    assert "in one process" in printed and "on Ray" not in printed
    assert json.loads(out.read_text())["analysis"]["frames_analyzed"] == 12


def test_analyze_video_every_frame_in_process(tmp_path):
    out = tmp_path / "result.json"
    call_command("analyze_video", str(VIDEOS / "single_face.mp4"), "--every-frame", "--no-ray", "--json", str(out))
    document = json.loads(out.read_text())
    assert document["analysis"]["sample_fps"] is None and document["analysis"]["frames_analyzed"] == 72


def test_analyze_video_refuses_a_non_video(tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("hello")
    with pytest.raises(CommandError, match="no video stream"):
        call_command("analyze_video", str(fake))
    with pytest.raises(CommandError, match="No such file"):
        call_command("analyze_video", str(tmp_path / "missing.mp4"))


@pytest.fixture
def videos(user):
    made = []
    for title in ("one", "two"):
        video = make_video(user, title)
        made.append(video)
    return made


@pytest.mark.django_db(transaction=True)
def test_reprocess_videos_by_id_and_failed(videos, capsys):
    one, two = videos
    AnalysisRun.objects.create(video=one, status="failed", sample_fps=2.0, detector="hog", model="m", error="x")
    AnalysisRun.objects.create(video=two, status="succeeded", sample_fps=5.0, detector="hog", model="m")
    call_command("reprocess_videos", "--failed")
    queued = AnalysisRun.objects.filter(status="queued")
    assert [(r.video_id, r.sample_fps) for r in queued] == [(one.pk, 2.0)]
    assert django_rq.get_queue("default").count == 1
    call_command("reprocess_videos", str(two.pk))
    assert AnalysisRun.objects.filter(status="queued", video=two).exists()
    call_command("reprocess_videos", "--all")  # both now active: skipped, nothing doubled
    assert AnalysisRun.objects.filter(status="queued").count() == 2
    assert "already being analysed" in capsys.readouterr().out


@pytest.mark.django_db
def test_reprocess_videos_needs_a_selection(videos):
    with pytest.raises(CommandError):
        call_command("reprocess_videos")
    with pytest.raises(CommandError, match="No video with id 9999"):
        call_command("reprocess_videos", "9999")
