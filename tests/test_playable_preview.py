"""A playable H.264 preview for sources browsers cannot play (an iPhone's HEVC, ProRes, mkv...).

The HEVC clips: one made here with PyAV's libx265 (the wheel's own encoder: CI has no ffmpeg binary)
from single_face.mp4's 72 frames, and the real variable-frame-rate HEVC face_noface.mov.
"""

from datetime import timedelta
from pathlib import Path

import av
import django_rq
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rq import SimpleWorker

from analysis.core.browser_playback import SourceFormat, browser_obstacle
from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun
from analysis.runs.preview_launch import preview_job_id
from analysis.runs.reaper import PREVIEW_STUCK, reap_lost_runs
from analysis.runs.retention import apply_retention
from videos.models import PreviewStatus, RetentionPolicy, Video

from .conftest import VIDEOS
from .factories import add_person, make_run, make_video, post_upload
from .test_browser import log_in, wait_until, watch_for_errors
from .video_factory import encode, real_frames

pytestmark = pytest.mark.django_db(transaction=True)

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
MAKING = "Making a playable copy of this video for the browser (HEVC is not played by browsers)..."


@pytest.mark.parametrize(
    ("container", "codec", "pixel_format", "obstacle"),
    [
        (MP4, "h264", "yuv420p", ""),  # mp4, and an iPhone's H.264 .mov (the same demuxer): Chromium plays both
        (MP4, "h264", "yuvj420p", ""),
        (MP4, "vp9", "yuv420p", ""),
        (MP4, "av1", "yuv420p10le", ""),
        ("matroska,webm", "vp8", "yuv420p", ""),  # webm
        ("matroska,webm", "vp9", "yuv420p", ""),
        (MP4, "hevc", "yuv420p", "HEVC is not played by browsers"),
        (MP4, "prores", "yuv422p10le", "ProRes is not played by browsers"),
        ("avi", "mpeg4", "yuv420p", "MPEG-4 Part 2 is not played by browsers"),
        (MP4, "h264", "yuv420p10le", "H.264 in yuv420p10le is not played by browsers"),
        ("matroska,webm", "h264", "yuv420p", "H.264 in an MKV file is not played by browsers"),
        ("avi", "h264", "yuv420p", "H.264 in an AVI file is not played by browsers"),
    ],
)
def test_which_sources_browsers_play(container, codec, pixel_format, obstacle):
    assert browser_obstacle(SourceFormat(container, codec, pixel_format)) == obstacle


@pytest.fixture(scope="module")
def hevc_clip(tmp_path_factory) -> Path:
    """single_face.mp4's 2.4 s (72 frames at 30 fps) as HEVC in a .mov, as an iPhone writes it."""
    path = tmp_path_factory.mktemp("hevc") / "iphone.mov"
    frames = real_frames("single_face.mp4", seconds=2.4)
    return encode(path, frames, codec="libx265", options={"x265-params": "log-level=error"})


def make_previews() -> None:
    """Run the jobs of the "copies" queue (the previews'), not the analyses."""
    queue = django_rq.get_queue("copies")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def uploaded(client, path: Path, title: str = "iPhone clip") -> Video:
    response = post_upload(client, path, title=title)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Video.objects.get(title=title)


def analysed_with_preview(client, path: Path) -> Video:
    """An upload whose preview is made and whose queued analysis is replaced by a finished one (the
    analysis itself is not what these tests are about)."""
    video = uploaded(client, path)
    make_previews()
    AnalysisRun.objects.filter(video=video).delete()
    make_run(video, finished_at=video.created_at - timedelta(days=3))
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.READY, video.preview_error
    return video


def frame_times(path: str) -> tuple[str, list[float], float]:
    """The video codec, each frame's time from the stream's start, and the video stream's duration."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        first = stream.start_time or 0
        times = [float((frame.pts - first) * stream.time_base) for frame in container.decode(stream)]
        return stream.codec_context.name, times, float(stream.duration * stream.time_base)


def page_of(client, video: Video) -> str:
    return client.get(reverse("analysis:results", args=[video.pk])).content.decode()


def test_an_hevc_upload_gets_an_h264_preview_with_the_same_frames(alice, hevc_clip):
    video = uploaded(alice, hevc_clip)
    assert video.preview_status == PreviewStatus.MAKING and not video.preview
    assert video.preview_reason == "HEVC is not played by browsers"
    assert MAKING in page_of(alice, video)

    make_previews()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.READY, video.preview_error
    assert Path(video.preview.name).parent == Path(video.file.name).parent  # beside the source
    codec, times, duration = frame_times(video.preview.path)
    source_codec, source_times, source_duration = frame_times(video.file.path)
    assert (codec, source_codec) == ("h264", "hevc")
    assert len(times) == len(source_times) == 72
    assert abs(duration - source_duration) < 0.1
    page = page_of(alice, video)
    assert MAKING not in page and "The player shows a playable H.264 copy" in page

    # The player streams the preview; the original stays, for analysis and download.
    played = alice.get(reverse("videos:stream", args=[video.pk]))
    assert played["Content-Type"] == "video/mp4"
    assert b"".join(played.streaming_content) == Path(video.preview.path).read_bytes()
    original = alice.get(reverse("videos:stream", args=[video.pk]) + "?original=1")
    assert "attachment" in original["Content-Disposition"] and "iphone.mov" in original["Content-Disposition"]
    assert b"".join(original.streaming_content) == hevc_clip.read_bytes()
    assert "?original=1" in page


def test_a_variable_frame_rate_iphone_clip_keeps_its_timeline(alice):
    """face_noface.mov: real HEVC at a variable rate; the overlay's boxes are placed by the source's times."""
    video = uploaded(alice, VIDEOS / "face_noface.mov")
    make_previews()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.READY, video.preview_error
    _, times, duration = frame_times(video.preview.path)
    _, source_times, source_duration = frame_times(video.file.path)
    assert len(times) == len(source_times) == 169
    assert max(abs(a - b) for a, b in zip(times, source_times, strict=True)) < 0.001
    assert abs(duration - source_duration) < 0.1


def test_a_source_browsers_play_gets_no_preview(alice):
    video = uploaded(alice, VIDEOS / "single_face.mp4", title="Plain mp4")
    assert video.preview_status == PreviewStatus.NOT_NEEDED
    assert not django_rq.get_queue("copies").count
    assert 'id="preview-state"' not in page_of(alice, video)


def test_a_failed_preview_says_why(alice, hevc_clip):
    video = uploaded(alice, hevc_clip)
    Path(video.file.path).write_bytes(b"not a video any more")
    make_previews()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.FAILED and not video.preview
    assert video.preview_error == "The video file could not be opened."
    page = page_of(alice, video)
    assert "No playable copy of this video could be made for the browser (HEVC is not played by browsers)" in page
    assert "The video file could not be opened." in page


def test_a_preview_whose_worker_died_is_failed_by_the_reaper(alice, user, settings):
    video = make_video(user)
    reason = {"preview_status": PreviewStatus.MAKING, "preview_reason": "HEVC is not played by browsers"}
    Video.objects.filter(pk=video.pk).update(**reason)
    reap_lost_runs()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.MAKING  # within its time limit: left alone
    limit_s = settings.ANALYSIS_TIMEOUT_BASE_S + 2.4 * settings.ANALYSIS_TIMEOUT_PER_VIDEO_S
    long_ago = video.created_at - timedelta(seconds=limit_s + settings.ANALYSIS_STALE_AFTER_S + 1)
    Video.objects.filter(pk=video.pk).update(created_at=long_ago)
    assert reap_lost_runs().endswith("1 stuck previews failed")
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.FAILED and video.preview_error == PREVIEW_STUCK
    assert PREVIEW_STUCK in page_of(alice, video)


def test_the_preview_goes_with_the_source(alice, hevc_clip):
    video = analysed_with_preview(alice, hevc_clip)
    source, preview = video.file.name, video.preview.name
    assert default_storage.exists(preview)
    assert alice.post(reverse("analysis:delete_source", args=[video.pk])).status_code == 302
    video.refresh_from_db()
    assert not default_storage.exists(source) and not default_storage.exists(preview)
    assert not video.preview and video.preview_status == PreviewStatus.NOT_NEEDED
    assert alice.get(reverse("videos:stream", args=[video.pk])).status_code == 410


def test_retention_deletes_the_preview_too(alice, user, hevc_clip):
    video = analysed_with_preview(alice, hevc_clip)
    RetentionPolicy.objects.create(owner=user, delete_sources_after_days=1)
    preview = video.preview.name
    assert apply_retention() == "deleted 1 source video(s)"
    assert not default_storage.exists(preview)


def test_the_preview_goes_with_the_video(alice, hevc_clip):
    video = analysed_with_preview(alice, hevc_clip)
    source, preview = video.file.name, video.preview.name
    assert alice.post(reverse("videos:delete", args=[video.pk])).status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not default_storage.exists(source) and not default_storage.exists(preview)


def test_a_source_deleted_before_its_preview_is_made_leaves_no_preview(alice, hevc_clip, isolated_storage_and_queue):
    video = uploaded(alice, hevc_clip)
    AnalysisRun.objects.filter(video=video).delete()
    make_run(video)
    assert alice.post(reverse("analysis:delete_source", args=[video.pk])).status_code == 302
    make_previews()  # the job, queued at upload, finds nothing to make
    video.refresh_from_db()
    assert not video.preview and video.preview_status == PreviewStatus.NOT_NEEDED
    assert not [path for path in isolated_storage_and_queue.rglob("*") if path.is_file()]


def test_another_users_preview_and_original_are_404(alice, client, other_user, hevc_clip):
    video = uploaded(alice, hevc_clip)
    make_previews()
    client.force_login(other_user)
    assert client.get(reverse("videos:stream", args=[video.pk])).status_code == 404
    assert client.get(reverse("videos:stream", args=[video.pk]) + "?original=1").status_code == 404
    client.logout()
    assert client.get(reverse("videos:stream", args=[video.pk])).status_code == 302  # to the login page


def preview_state(client, video: Video):
    return client.get(reverse("analysis:preview_state", args=[video.pk]))


def test_the_preview_state_is_polled_until_ready(alice, hevc_clip):
    video = uploaded(alice, hevc_clip)
    state = preview_state(alice, video).json()
    assert state["status"] == "making" and state["reason"] == "HEVC is not played by browsers"
    assert MAKING in state["html"] and 'data-status="making"' in state["html"]
    make_previews()
    state = preview_state(alice, video).json()
    assert state["status"] == "ready" and state["error"] == ""
    assert "The player shows a playable H.264 copy" in state["html"] and MAKING not in state["html"]


def test_the_preview_state_of_a_playable_source_is_null(alice, user):
    state = preview_state(alice, make_video(user)).json()
    assert state["status"] is None and state["html"].strip() == ""


def test_another_users_preview_state_and_retry_are_404(alice, client, other_user, hevc_clip):
    video = uploaded(alice, hevc_clip)
    Video.objects.filter(pk=video.pk).update(preview_status=PreviewStatus.FAILED, preview_error="boom")
    client.force_login(other_user)
    assert preview_state(client, video).status_code == 404
    assert client.post(reverse("analysis:make_preview_again", args=[video.pk])).status_code == 404
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.FAILED


def failed_preview(client, hevc_clip) -> Video:
    """An upload whose preview failed (its source unreadable when the job ran), the source then restored."""
    video = uploaded(client, hevc_clip)
    source = Path(video.file.path)
    source.write_bytes(b"not a video any more")
    make_previews()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.FAILED
    source.write_bytes(hevc_clip.read_bytes())
    return video


def test_a_failed_preview_is_made_again_from_the_page(alice, hevc_clip):
    video = failed_preview(alice, hevc_clip)
    again = reverse("analysis:make_preview_again", args=[video.pk])
    assert f'action="{again}"' in page_of(alice, video)
    assert alice.get(again).status_code == 405  # a POST only

    response = alice.post(again, follow=True)
    assert "A playable copy is being made again." in response.content.decode()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.MAKING and video.preview_error == ""
    assert django_rq.get_queue("copies").count == 1

    # Refused while it is being made: no second job.
    response = alice.post(again, follow=True)
    assert "A playable copy is already being made." in response.content.decode()
    assert django_rq.get_queue("copies").count == 1

    make_previews()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.READY, video.preview_error
    assert f'action="{again}"' not in page_of(alice, video)
    response = alice.post(again, follow=True)
    assert "This video needs no new playable copy." in response.content.decode()


def test_the_retry_needs_the_csrf_token(user, hevc_clip, alice):
    video = failed_preview(alice, hevc_clip)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post(reverse("analysis:make_preview_again", args=[video.pk])).status_code == 403
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.FAILED


def test_a_retried_preview_of_an_old_upload_is_not_reaped_as_stuck(alice, hevc_clip, settings):
    video = failed_preview(alice, hevc_clip)
    limit_s = settings.ANALYSIS_TIMEOUT_BASE_S + 2.4 * settings.ANALYSIS_TIMEOUT_PER_VIDEO_S
    long_ago = video.created_at - timedelta(seconds=limit_s + settings.ANALYSIS_STALE_AFTER_S + 1)
    Video.objects.filter(pk=video.pk).update(created_at=long_ago)
    assert alice.post(reverse("analysis:make_preview_again", args=[video.pk])).status_code == 302
    reap_lost_runs()
    video.refresh_from_db()
    assert video.preview_status == PreviewStatus.MAKING  # queued just now: within its time limit
    assert django_rq.get_queue("copies").job_ids == [preview_job_id(video.pk)]


def test_make_previews_queues_the_stored_videos_browsers_cannot_play(user, alice, hevc_clip, capsys):
    """Videos stored before previews existed: their rows say nothing of a preview."""
    hevc = make_video(user, "Old iPhone clip", source=hevc_clip, name="clip.mov")
    plain = make_video(user, "Old mp4")
    gone = make_video(user, "Source deleted", source=hevc_clip, name="gone.mov")
    Video.objects.filter(pk=gone.pk).update(source_deleted_at=gone.created_at)
    made = make_video(user, "Has one", source=hevc_clip, name="made.mov")
    Video.objects.filter(pk=made.pk).update(preview_status=PreviewStatus.READY, preview="videos/x-preview.mp4")

    call_command("make_previews", "--dry-run")
    assert f"video {hevc.pk}: HEVC is not played by browsers, would be queued" in capsys.readouterr().out
    assert not django_rq.get_queue("copies").count
    assert Video.objects.get(pk=hevc.pk).preview_status == PreviewStatus.NOT_NEEDED

    call_command("make_previews")
    out = capsys.readouterr().out
    assert f"video {hevc.pk}: HEVC is not played by browsers, queued" in out and "1 preview(s) queued." in out
    assert django_rq.get_queue("copies").job_ids == [preview_job_id(hevc.pk)]
    statuses = dict(Video.objects.values_list("pk", "preview_status"))
    assert statuses[plain.pk] == PreviewStatus.NOT_NEEDED and statuses[gone.pk] == PreviewStatus.NOT_NEEDED
    assert statuses[made.pk] == PreviewStatus.READY

    make_previews()
    hevc.refresh_from_db()
    assert hevc.preview_status == PreviewStatus.READY and hevc.preview_reason == "HEVC is not played by browsers"
    assert "The player shows a playable H.264 copy" in page_of(alice, hevc)
    call_command("make_previews")  # again: nothing left to queue
    assert "0 preview(s) queued." in capsys.readouterr().out


# In the page: the player's picture, drawn into a small canvas; (its mean, its spread) of grey levels.
PICTURE = """(() => { const v = document.getElementById('player'), c = document.createElement('canvas');
    c.width = 64; c.height = 36; const g = c.getContext('2d'); g.drawImage(v, 0, 0, 64, 36);
    const d = g.getImageData(0, 0, 64, 36).data; let sum = 0, sq = 0, n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) { const y = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += y; sq += y * y; }
    const mean = sum / n; return [mean, Math.sqrt(sq / n - mean * mean)]; })()"""
ORIGINAL_IN_BROWSER = """(url) => new Promise((done) => { const v = document.createElement('video');
    v.muted = true; v.preload = 'auto';
    v.onloadeddata = () => done({width: v.videoWidth, error: null});
    v.onerror = () => done({width: v.videoWidth, error: v.error && v.error.code});
    setTimeout(() => done({width: v.videoWidth, error: 'timeout'}), 10000); v.src = url; })"""


def test_the_results_page_of_an_hevc_upload_plays_a_picture_with_the_overlay(page, live_server, alice, hevc_clip):
    video = analysed_with_preview(alice, hevc_clip)
    run = AnalysisRun.shown_for(video)
    add_person(run, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], box=(250, 80, 120, 120))
    errors = watch_for_errors(page)
    log_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('analysis:results', args=[video.pk])}")
    assert "The player shows a playable H.264 copy" in page.inner_text("#preview-state")

    page.evaluate("(() => { const v = document.getElementById('player'); v.preload = 'auto'; v.load(); })()")
    wait_until(page, "document.getElementById('player').readyState >= 2")  # loadeddata
    assert page.evaluate(
        "[document.getElementById('player').videoWidth, document.getElementById('player').videoHeight]"
    ) == [640, 360]
    page.evaluate("document.getElementById('player').currentTime = 0.4")
    wait_until(page, "!document.getElementById('player').seeking && document.getElementById('player').readyState >= 2")
    mean, spread = page.evaluate(PICTURE)
    print(f"picture at 0.4 s: mean grey {mean:.1f}, spread {spread:.1f}")
    assert mean > 20 and spread > 10  # a picture, not a black frame

    # The overlay draws the person's box on it (it draws nothing over a player without a picture).
    page.check("#overlay-toggle")
    wait_until(
        page,
        """(() => { const c = document.getElementById('overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()""",
        timeout=15000,
    )

    # The control: this chromium does not show the HEVC original's picture, so the preview is what plays.
    original = page.evaluate(
        ORIGINAL_IN_BROWSER, f"{live_server.url}{reverse('videos:stream', args=[video.pk])}?original=1"
    )
    print(f"the HEVC original in chromium: {original}")
    assert original["width"] == 0 or original["error"] is not None
    assert errors == [] or all("original=1" in error for error in errors)


def test_the_results_page_swaps_the_preview_in_when_it_is_made(page, live_server, alice, hevc_clip):
    """Opened while the preview is being made: the page polls, and the player plays it without a reload."""
    video = uploaded(alice, hevc_clip)
    AnalysisRun.objects.filter(video=video).delete()
    make_run(video, finished_at=video.created_at - timedelta(days=3))
    errors = watch_for_errors(page)
    log_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('analysis:results', args=[video.pk])}")
    assert MAKING in page.inner_text("#preview-state")
    page.evaluate("window.notReloaded = true")

    make_previews()
    wait_until(page, "document.getElementById('preview-state').dataset.status === 'ready'", timeout=15000)
    assert "The player shows a playable H.264 copy" in page.inner_text("#preview-state")
    wait_until(page, "document.getElementById('player').readyState >= 1", timeout=15000)
    assert page.evaluate("document.getElementById('player').videoWidth") == 640
    assert page.evaluate("window.notReloaded") is True
    assert errors == [] or all("original=1" in error or "player=1" in error for error in errors)
