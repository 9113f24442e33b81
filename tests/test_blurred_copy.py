"""Blurred copies: real clips analysed by the real job, blurred by the real job, checked with YuNet.

The check: on every frame of the copy, the app's detector finds no face where the analysis found one
(its boxes followed between samples as the blur follows them); the same detector on the source's
frames does find those faces (the control), and a person left visible is still found.
"""

from pathlib import Path

import av
import pytest
from django.conf import settings
from django.urls import reverse

from analysis.core.face_blur import BlurPlan
from analysis.core.face_detection import DetectorConfig, FaceDetector, iou
from analysis.core.video_source import upright
from analysis.models import AnalysisRun, BlurredCopy, Sample
from analysis.results.source_removal import delete_source
from analysis.runs.reaper import fail_stuck_blurs
from videos.models import AccessEvent, Video

from .factories import upload_clip, work

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


def analysed(client, name: str) -> Video:
    video = upload_clip(client, name, sampling="5", title=name)
    work()
    run = AnalysisRun.shown_for(video)
    assert run is not None and run.persons.exists(), name
    return video


def blurred_via_page(client, video: Video, keep_visible=()) -> BlurredCopy:
    response = client.post(reverse("analysis:make_blurred", args=[video.pk]), {"keep_visible": list(keep_visible)})
    assert response.status_code == 302
    work()
    return BlurredCopy.objects.filter(video=video).latest("created_at")


def plan_of(video: Video, numbers: set[int] | None = None) -> BlurPlan:
    """The stored boxes of the shown run's persons (all, or those `numbers`), per person."""
    run = AnalysisRun.shown_for(video)
    persons = run.persons.all() if numbers is None else run.persons.filter(number__in=numbers)
    return BlurPlan.from_samples(
        [list(Sample.objects.filter(person=p).order_by("t").values_list("t", "x", "y", "w", "h")) for p in persons]
    )


def frames(path: str):
    """(t from the stream's start, upright BGR image) of every frame."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        first = stream.start_time or 0
        for frame in container.decode(stream):
            yield float((frame.pts - first) * stream.time_base), upright(frame)


def covers(detection, box) -> bool:
    dx, dy, dw, dh = detection
    bx, by, bw, bh = (int(v) for v in box)
    centre = (dx + dw / 2, dy + dh / 2)
    inside = bx <= centre[0] <= bx + bw and by <= centre[1] <= by + bh
    return inside or iou((dx, dy, dw, dh), (bx, by, bw, bh)) > 0.1


def faces_found(path: str, plan: BlurPlan, times: list[float] | None = None) -> tuple[int, int, int]:
    """Over the frames of `path` (at the source's `times`, by index, when given): (frames checked, boxes
    expected, boxes with a detection on them)."""
    detector = FaceDetector(DetectorConfig(model=settings.FACE_DETECTOR, min_face_px=settings.FACE_MIN_SIZE))
    checked = expected = found = 0
    for index, (t, image) in enumerate(frames(path)):
        t = times[min(index, len(times) - 1)] if times is not None else t
        boxes = plan.boxes_at(t)
        detections = [face.box for face in detector.full_frame(image)] if boxes else []
        checked += 1
        expected += len(boxes)
        found += sum(any(covers(d, box) for d in detections) for box in boxes)
    return checked, expected, found


def stream_info(path: str) -> tuple[int, int, int, list[str]]:
    with av.open(path) as container:
        count = sum(1 for _ in container.decode(video=0))
    with av.open(path) as container:
        video = container.streams.video[0]
        return count, video.codec_context.width, video.codec_context.height, [s.type for s in container.streams]


@pytest.mark.parametrize("name", ["single_face.mp4", "street_1080p.mp4", "short_hamilton_clip.mp4"])
def test_no_frame_of_the_copy_shows_a_face_the_analysis_found(alice, name):
    video = analysed(alice, name)
    copy = blurred_via_page(alice, video)
    assert copy.status == BlurredCopy.Status.SUCCEEDED, copy.error
    assert copy.file and copy.file.storage.exists(copy.file.name)
    source, target = video.file.path, copy.file.path
    count, width, height, streams = stream_info(source)
    copy_count, copy_width, copy_height, copy_streams = stream_info(target)
    assert abs(copy_count - count) <= 1 and copy.frames_done == copy_count
    assert (copy_width, copy_height) == (width // 2 * 2, height // 2 * 2)
    assert ("audio" in copy_streams) == ("audio" in streams)

    plan = plan_of(video)
    times = [t for t, _ in frames(source)]
    checked, expected, on_source = faces_found(source, plan)
    copy_checked, copy_expected, on_copy = faces_found(target, plan, times)
    print(f"{name}: {checked} frames, {expected} boxes; faces found on the source {on_source}, on the copy {on_copy}")
    assert copy_checked == copy_count and copy_expected == expected
    assert on_source >= 0.5 * expected > 0  # the control: the detector does see these faces
    assert on_copy == 0


def test_the_copy_keeps_the_sound(alice):
    video = analysed(alice, "short_hamilton_clip.mp4")
    copy = blurred_via_page(alice, video)
    with av.open(copy.file.path) as container:
        audio = container.streams.audio
        assert audio and audio[0].codec_context.name == "aac"
        assert float(audio[0].duration * audio[0].time_base) > 9  # the 10 s clip's sound, whole
    with av.open(copy.file.path) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_a_person_left_visible_is_still_found(alice):
    video = analysed(alice, "single_face.mp4")
    copy = blurred_via_page(alice, video, keep_visible=[1])
    assert copy.status == BlurredCopy.Status.SUCCEEDED and copy.keep_visible == [1]
    plan = plan_of(video, {1})
    times = [t for t, _ in frames(video.file.path)]
    _, expected, found = faces_found(copy.file.path, plan, times)
    assert found >= 0.5 * expected > 0


def test_results_page_shows_the_form_progress_player_and_download(alice):
    video = analysed(alice, "single_face.mp4")
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Make a blurred copy" in page and 'name="keep_visible"' in page
    copy = blurred_via_page(alice, video)
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert reverse("analysis:blurred_stream", args=[video.pk]) in page
    assert reverse("analysis:blurred_download", args=[video.pk]) in page
    state = alice.get(reverse("analysis:blurred_progress", args=[video.pk])).json()
    assert state["status"] == "succeeded" and state["frames_done"] == state["frames_total"] > 0

    ranged = alice.get(reverse("analysis:blurred_stream", args=[video.pk]), HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and len(b"".join(ranged.streaming_content)) == 100
    download = alice.get(reverse("analysis:blurred_download", args=[video.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == Path(copy.file.path).read_bytes()
    # The access log: asked, played once (its Range from byte 0), downloaded once.
    log = list(
        AccessEvent.objects.filter(video=video, detail__in=["", "blurred copy"]).values_list("action", flat=True)
    )
    assert sorted(a for a in log if a in ("blur", "stream", "download")) == ["blur", "download", "stream"]
    # Once the source is deleted, no new copy can be made; the finished one stays.
    delete_source(video, by=None)
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert (
        "no new blurred copy can be made" in page.lower()
        and reverse("analysis:blurred_download", args=[video.pk]) in page
    )


def test_api_asks_reads_and_downloads(alice):
    video = analysed(alice, "single_face.mp4")
    url = reverse("api:video-blurred", args=[video.pk])
    assert alice.get(url).status_code == 404  # none asked for yet
    response = alice.post(url, {"keep_visible": [2]}, content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["keep_visible"] == [2]
    work()
    state = alice.get(url).json()
    assert state["status"] == "succeeded" and state["download_url"].endswith(f"/videos/{video.pk}/blurred.mp4")
    download = alice.get(reverse("api:video-blurred-file", args=[video.pk]), HTTP_ACCEPT="video/mp4")
    assert download.status_code == 200 and download["Content-Type"] == "video/mp4"
    assert len(b"".join(download.streaming_content)) == state["size_bytes"]
    via = set(AccessEvent.objects.filter(video=video, action__in=["blur", "download"]).values_list("action", "via"))
    assert via == {("blur", "api"), ("download", "api")}


def test_another_users_copy_does_not_exist_for_them(alice, client, other_user):
    video = analysed(alice, "single_face.mp4")
    blurred_via_page(alice, video)
    client.force_login(other_user)
    for name in ("analysis:blurred_progress", "analysis:blurred_stream", "analysis:blurred_download"):
        assert client.get(reverse(name, args=[video.pk])).status_code == 404, name
    assert client.post(reverse("analysis:make_blurred", args=[video.pk])).status_code == 404
    assert client.get(reverse("api:video-blurred", args=[video.pk])).status_code == 404
    assert client.post(reverse("api:video-blurred", args=[video.pk]), {}).status_code == 404
    assert client.get(reverse("api:video-blurred-file", args=[video.pk])).status_code == 404
    assert BlurredCopy.objects.filter(video=video).count() == 1


def test_a_missing_source_fails_with_a_message(alice):
    video = analysed(alice, "single_face.mp4")
    alice.post(reverse("analysis:make_blurred", args=[video.pk]))
    Path(video.file.path).unlink()
    work()
    copy = BlurredCopy.objects.get(video=video)
    assert copy.status == BlurredCopy.Status.FAILED and copy.finished_at is not None
    assert "missing" in copy.error or "could not be opened" in copy.error
    assert not copy.file


def test_no_analysis_no_copy(alice):
    video = upload_clip(alice, "single_face.mp4", title="unanalysed")  # queued, never worked
    response = alice.post(reverse("api:video-blurred", args=[video.pk]), {}, content_type="application/json")
    assert response.status_code == 409
    assert not BlurredCopy.objects.exists()


def test_a_stuck_copy_is_failed_by_the_reaper_and_files_go_with_the_video(alice, settings):
    video = analysed(alice, "single_face.mp4")
    copy = blurred_via_page(alice, video)
    stuck = BlurredCopy.objects.create(video=video, run=copy.run, status=BlurredCopy.Status.RUNNING)
    settings.ANALYSIS_TIMEOUT_BASE_S = settings.ANALYSIS_TIMEOUT_PER_VIDEO_S = settings.ANALYSIS_STALE_AFTER_S = 0
    assert fail_stuck_blurs() == 1
    stuck.refresh_from_db()
    assert stuck.status == BlurredCopy.Status.FAILED and stuck.error
    path = Path(copy.file.path)
    assert path.exists()
    alice.post(reverse("videos:delete", args=[video.pk]))
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not path.exists()


def test_interpolation_follows_a_face_between_samples_and_holds_at_the_ends():
    plan = BlurPlan.from_samples([[(1.0, 0, 0, 10, 10), (2.0, 100, 0, 10, 10), (5.0, 0, 0, 10, 10)]])
    assert plan.boxes_at(1.5) == [(50.0, 0.0, 10.0, 10.0)]
    # Carried 0.5 s before the first sample and after the last, moving as it moved; a 3 s gap is not joined.
    assert plan.boxes_at(0.6) == [(-40.0, 0.0, 10.0, 10.0)] and not plan.boxes_at(0.4)
    assert plan.boxes_at(2.4) == [(140.0, 0.0, 10.0, 10.0)] and not plan.boxes_at(3.0)
    assert plan.boxes_at(5.3) == [(0, 0, 10, 10)]  # no neighbour within the gap: held still
    assert plan.regions_at(1.0, 100, 100) == [(0, 0, 13, 13)]  # 30% margin, clipped
    assert BlurPlan([]).boxes_at(1.0) == []
