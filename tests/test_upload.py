"""Uploading real clips: probing, storage, the queued run and its rq job, and refused uploads."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse
from django.utils.module_loading import import_string

import analysis.pages.upload_form
from analysis.models import AnalysisRun
from analysis.runs.lifecycle import job_timeout_s
from videos.models import Video
from videos.upload_handlers import SizeLimitedUploadHandler

from .conftest import VIDEOS
from .factories import post_upload, queue, stored_files

pytestmark = pytest.mark.django_db

SINGLE_FACE = VIDEOS / "single_face.mp4"


@pytest.fixture
def upload_temp_dir(settings, tmp_path):
    """Uploads are spooled here, so the test can see the temporary files."""
    path = tmp_path / "upload-tmp"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


# A successful upload


def test_upload_page_offers_the_sampling_choices_with_5_selected(alice):
    response = alice.get(reverse("videos:upload"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert '<option value="5" selected>' in content
    for value in ("1", "2", "10", "all"):
        assert f'<option value="{value}">' in content
    assert 'accept=".mp4,.mov,.webm,.mkv,.avi"' in content


def test_upload_defers_enqueue_until_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_upload(alice, SINGLE_FACE)
    assert response.status_code == 302
    # Inside the transaction the run exists but nothing is in Redis yet: a worker
    # must never pick up a run that could still be rolled back.
    assert len(callbacks) == 1
    assert AnalysisRun.objects.get().rq_job_id == ""
    assert queue().count == 0


@pytest.mark.django_db(transaction=True)
def test_upload_creates_video_run_and_job(alice, user, isolated_storage_and_queue):
    media = isolated_storage_and_queue
    response = post_upload(alice, SINGLE_FACE, title="Single face")

    video = Video.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("analysis:results", args=[video.pk])

    # Probed metadata
    assert video.owner == user
    assert video.title == "Single face"
    assert video.original_name == "single_face.mp4"
    assert (video.width, video.height, video.frame_count) == (640, 360, 72)
    assert video.fps == pytest.approx(30.0)
    assert video.duration_s == pytest.approx(2.4)
    assert video.size_bytes == SINGLE_FACE.stat().st_size == 208428

    # Stored through the storage, under a random name in the per-test media dir
    assert video.file.name.startswith(f"videos/{user.pk}/")
    assert video.file.name.endswith(".mp4")
    assert "single_face" not in video.file.name
    stored = media / video.file.name
    assert stored.is_file()
    assert stored.read_bytes() == SINGLE_FACE.read_bytes()
    assert stored_files(media) == [stored]
    assert video.file.storage.exists(video.file.name)

    # A queued run with the default sampling
    run = AnalysisRun.objects.get()
    assert run.video == video
    assert run.status == AnalysisRun.Status.QUEUED
    assert run.sample_fps == 5.0
    assert run.detector == settings.FACE_DETECTOR
    assert run.model == settings.EMOTION_MODEL
    assert run.error == ""

    # ... and its job in the real Redis queue, enqueued when the upload committed
    assert run.rq_job_id
    default = queue()
    assert default.count == 1
    assert default.job_ids == [run.rq_job_id]
    job = default.fetch_job(run.rq_job_id)
    assert job is not None
    assert job.func_name == "analysis.runs.jobs.run_analysis"
    assert job.args == (run.pk,)
    assert job.timeout == job_timeout_s(video)
    assert job.get_status() == "queued"

    # The results page says it is queued
    page = alice.get(response.url)
    content = page.content.decode()
    assert "uploaded and is queued for analysis" in content
    assert "status-queued" in content
    assert reverse("analysis:progress", args=[video.pk]) in content


@pytest.mark.parametrize("choice, sample_fps", [("1", 1.0), ("2", 2.0), ("5", 5.0), ("10", 10.0), ("all", None)])
def test_sampling_choice_sets_sample_fps(alice, choice, sample_fps):
    response = post_upload(alice, SINGLE_FACE, sampling=choice)
    assert response.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.status == AnalysisRun.Status.QUEUED
    assert run.sample_fps == sample_fps


def test_upload_is_streamed_to_a_temporary_file(alice, upload_temp_dir, monkeypatch):
    assert settings.FILE_UPLOAD_HANDLERS == ["videos.upload_handlers.SizeLimitedUploadHandler"]
    handler = import_string(settings.FILE_UPLOAD_HANDLERS[0])
    assert handler is SizeLimitedUploadHandler
    assert issubclass(handler, TemporaryFileUploadHandler)

    probed = []
    real_probe = analysis.pages.upload_form.probe

    def spy(path):
        probed.append((Path(path), Path(path).exists()))
        return real_probe(path)

    monkeypatch.setattr(analysis.pages.upload_form, "probe", spy)
    response = post_upload(alice, SINGLE_FACE)
    assert response.status_code == 302
    # The form probed a file on disk, in the upload temporary directory, while the request ran ...
    [(path, existed)] = probed
    assert existed
    assert path.parent == upload_temp_dir
    # ... and nothing is left there afterwards (it was moved into the storage).
    assert list(upload_temp_dir.iterdir()) == []


# Refused uploads


def _assert_refused(response, field_message: str, media: Path):
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_valid()
    messages = [str(error) for error in form.errors.get("file", [])]
    assert any(field_message in message for message in messages), messages
    assert field_message in response.content.decode()
    assert Video.objects.count() == 0
    assert AnalysisRun.objects.count() == 0
    assert stored_files(media) == []
    assert queue().count == 0


def test_unsupported_extension_is_refused(alice, video_copy, isolated_storage_and_queue):
    # A real video, but with a name the site does not accept.
    copy = video_copy("single_face.mp4")
    renamed = copy.rename(copy.with_suffix(".txt"))
    response = post_upload(alice, renamed)
    _assert_refused(response, "Unsupported file type", isolated_storage_and_queue)
    assert "“.txt”" in response.content.decode()


@pytest.mark.parametrize(
    "clip",
    # 208 KB: stopped while streaming; 1.6 MB: refused from Content-Length before reading.
    ["single_face.mp4", "WolfgangLanger_Pexels.mp4"],
)
def test_file_over_the_size_limit_is_refused(alice, settings, clip, isolated_storage_and_queue, upload_temp_dir):
    settings.VIDEO_MAX_UPLOAD_BYTES = 100_000
    assert (VIDEOS / clip).stat().st_size > settings.VIDEO_MAX_UPLOAD_BYTES
    response = post_upload(alice, VIDEOS / clip)
    _assert_refused(response, "This file is larger than the 97.7 KB limit.", isolated_storage_and_queue)
    # The partial temporary file is gone too.
    assert list(upload_temp_dir.iterdir()) == []


def test_file_under_a_lowered_limit_is_accepted(alice, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 300_000
    response = post_upload(alice, SINGLE_FACE)
    assert response.status_code == 302
    assert Video.objects.count() == 1


def test_missing_title_or_bad_sampling_is_refused(alice, isolated_storage_and_queue):
    for title, sampling, field in [("", "5", "title"), ("Clip", "3", "sampling")]:
        response = post_upload(alice, SINGLE_FACE, title=title, sampling=sampling)
        assert response.status_code == 200
        assert field in response.context["form"].errors
    assert Video.objects.count() == 0
    assert AnalysisRun.objects.count() == 0
    assert stored_files(isolated_storage_and_queue) == []
    assert queue().count == 0


def test_failure_while_queuing_leaves_no_file(alice, isolated_storage_and_queue, monkeypatch):
    """If creating the run fails, the stored file and the video row are rolled back."""

    def broken(video, sample_fps, wait_turn=False):
        raise RuntimeError("database went away")

    monkeypatch.setattr("analysis.runs.launch.start_analysis", broken)
    alice.raise_request_exception = True
    with pytest.raises(RuntimeError):
        post_upload(alice, SINGLE_FACE)
    assert Video.objects.count() == 0
    assert stored_files(isolated_storage_and_queue) == []
