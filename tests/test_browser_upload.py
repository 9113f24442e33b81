"""In a real browser (Debian's chromium via Playwright): the upload page's uploader. Files chosen or
dropped, checked in the browser, sent through tus (/api/uploads/) with their progress, several at
once, resumed after the network drops or the page reloads, cancelled; a recording from the Record
tab (chromium's fake camera); and the plain form without JavaScript."""

import hashlib
import re
import time

import pytest

from analysis.models import AnalysisRun
from videos.models import Video

from .conftest import FAKE_CAMERA, VIDEOS, chromium
from .test_browser import watch_for_errors

pytestmark = pytest.mark.django_db(transaction=True)

SINGLE_FACE = VIDEOS / "single_face.mp4"
# The largest first: with uploads side by side, a smaller later file used to be stored (and analysed) first.
THREE_CLIPS = [VIDEOS / "short_hamilton_clip.mp4", VIDEOS / "single_face.mp4", VIDEOS / "no_face.mp4"]
STORED_UPLOADS = "Object.keys(localStorage).filter(k => k.startsWith('tus-upload:'))"


@pytest.fixture
def browser(live_server, monkeypatch):
    """Chromium with a fake camera and microphone, allowed without asking."""
    with chromium(monkeypatch, *FAKE_CAMERA) as browser:
        yield browser


@pytest.fixture
def page(browser):
    return browser.new_page()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_sha256(video: Video) -> str:
    with video.file.open("rb") as handle:
        return sha256(handle.read())


def wait_until(page, expression: str, timeout: float = 30) -> None:
    """Poll a JavaScript expression until it is true (wait_for_function is refused by the CSP)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def open_uploader(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/videos/upload/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")
    page.wait_for_selector("#uploader")
    # With JavaScript the uploader replaces the plain form.
    assert page.locator("#uploader").is_visible()
    assert page.locator("#upload-form").is_hidden()


def upload_requests(page) -> list[tuple[str, str]]:
    """Record from now on the (method, url) of every request to the tus endpoint."""
    seen: list[tuple[str, str]] = []
    page.on("request", lambda request: "/api/uploads/" in request.url and seen.append((request.method, request.url)))
    return seen


def without_aborted(errors: list[str]) -> list[str]:
    """The errors, less the console's line for each request the test itself aborted."""
    return [error for error in errors if "net::ERR_FAILED" not in error]


def assert_queued(video: Video, sample_fps: float | None = 5.0) -> None:
    """Its analysis waits or runs (how it waits under the per-user cap is the server's business)."""
    run = video.runs.get()
    assert run.status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING)
    assert run.sample_fps == sample_fps


def test_upload_one_clip_with_its_progress(page, live_server, user):
    errors = watch_for_errors(page)
    requests = upload_requests(page)
    open_uploader(page, live_server)
    page.set_input_files("#upload-files", str(SINGLE_FACE))
    line = page.locator(".upload-line")
    assert line.locator(".upload-name").inner_text() == "single_face.mp4"
    assert line.locator(".upload-title").input_value() == "single_face"  # the name without its extension
    assert requests == []  # nothing is sent before the button
    line.locator(".upload-title").fill("Tête-à-tête")  # sent base64 of UTF-8 in Upload-Metadata
    page.select_option("#upload-sampling", "2")
    page.click("#upload-start")

    link = page.locator("#upload-summary a", has_text="Tête-à-tête")
    link.wait_for()
    assert line.locator("progress").evaluate("bar => bar.value") == 100
    assert line.locator(".upload-percent").inner_text() == "100%"
    assert line.get_attribute("data-state") == "done"
    assert page.locator("#upload-summary a.upload-all-link").get_attribute("href") == "/videos/"
    video = Video.objects.get()
    assert (video.owner, video.title, video.original_name) == (user, "Tête-à-tête", "single_face.mp4")
    assert link.get_attribute("href") == line.locator("a.upload-video-link").get_attribute("href")
    assert link.get_attribute("href") == f"{live_server.url}/videos/{video.pk}/"  # Video-Page, absolute
    assert stored_sha256(video) == sha256(SINGLE_FACE.read_bytes())
    assert_queued(video, sample_fps=2.0)
    # One creation, one chunk (the clip is far below 8 MiB); nothing left to resume.
    assert [method for method, _ in requests] == ["POST", "PATCH"]
    assert page.evaluate(STORED_UPLOADS) == []

    link.click()
    page.wait_for_selector("text=Queued")  # its results page
    assert errors == []


def test_progress_moves_within_a_chunk_with_speed_and_time_left(page, live_server, user):
    errors = watch_for_errors(page)
    open_uploader(page, live_server)
    # 2.4 MB, one chunk, sent at 400 KB/s: about 6 s of XMLHttpRequest upload progress.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    street = VIDEOS / "street_1080p.mp4"
    page.set_input_files("#upload-files", str(street))
    page.click("#upload-start")
    seen = []
    deadline = time.monotonic() + 60
    while (percent := page.evaluate("document.querySelector('.upload-line progress').value")) < 100:
        assert time.monotonic() < deadline, seen
        seen.append((percent, page.locator(".upload-line .upload-stats").inner_text()))
        page.wait_for_timeout(300)
    assert len({percent for percent, _ in seen if 0 < percent < 100}) >= 5, seen
    stats = [text for _, text in seen if text]
    assert stats, seen
    assert all(re.fullmatch(r"0\.[345] MB/s · \d+ s left", text) for text in stats), stats
    page.locator("#upload-summary a", has_text="street_1080p").wait_for()
    video = Video.objects.get()
    assert stored_sha256(video) == sha256(street.read_bytes())
    assert errors == []


def test_three_clips_at_once_become_three_videos(page, live_server, user):
    errors = watch_for_errors(page)
    open_uploader(page, live_server)
    page.set_input_files("#upload-files", [str(path) for path in THREE_CLIPS])
    lines = page.locator(".upload-line")
    assert lines.count() == 3
    assert page.locator("#upload-start").inner_text() == "Upload and analyse 3 videos"
    page.click("#upload-start")

    page.locator("#upload-summary li a").nth(2).wait_for()
    assert page.locator("#upload-summary li a").count() == 3
    for index in range(3):
        assert lines.nth(index).locator("progress").evaluate("bar => bar.value") == 100
        assert lines.nth(index).get_attribute("data-state") == "done"
    videos = {video.original_name: video for video in Video.objects.all()}
    assert sorted(videos) == sorted(path.name for path in THREE_CLIPS)
    # First in, first out: stored, and their analyses queued, in the order the files were chosen.
    assert [video.original_name for video in Video.objects.order_by("pk")] == [path.name for path in THREE_CLIPS]
    runs = AnalysisRun.objects.filter(video__owner=user).order_by("created_at", "pk")
    assert [run.video.original_name for run in runs] == [path.name for path in THREE_CLIPS]
    links = set(page.eval_on_selector_all("#upload-summary li a", "links => links.map(a => a.getAttribute('href'))"))
    assert links == {f"{live_server.url}/videos/{video.pk}/" for video in videos.values()}
    for path in THREE_CLIPS:
        video = videos[path.name]
        assert video.title == path.stem
        assert stored_sha256(video) == sha256(path.read_bytes())
        assert_queued(video)
    assert errors == []


def test_files_are_checked_in_the_browser_before_sending(page, live_server, user, tmp_path, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 100_000  # the page renders it: data-max-bytes
    errors = watch_for_errors(page)
    requests = upload_requests(page)
    open_uploader(page, live_server)
    assert page.get_attribute("#uploader", "data-max-bytes") == "100000"
    assert page.get_attribute("#upload-files", "accept") == ".mp4,.mov,.webm,.mkv,.avi"
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    page.set_input_files("#upload-files", [str(notes), str(empty), str(SINGLE_FACE)])
    lines = page.locator(".upload-line")
    assert [lines.nth(i).locator(".upload-errors").inner_text() for i in range(3)] == [
        "Unsupported file type “.txt”. Upload one of: mp4, mov, webm, mkv, avi.",
        "The file is empty.",
        "This file is larger than the 97.7 KB limit.",  # the server's words (videos.upload_checks)
    ]
    assert {lines.nth(i).get_attribute("data-state") for i in range(3)} == {"invalid"}
    assert page.locator("#upload-start").is_hidden()  # nothing to send
    lines.nth(0).locator("button", has_text="Remove").click()
    assert lines.count() == 2

    # Files dropped on the drop zone get their lines too.
    page.evaluate(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["x".repeat(10)], "dropped one.webm", {type: "video/webm"}));
            transfer.items.add(new File(["y".repeat(20)], "dropped two.mov", {type: "video/quicktime"}));
            document.getElementById("drop-zone").dispatchEvent(
                new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }"""
    )
    assert lines.count() == 4
    assert [lines.nth(i).locator(".upload-title").input_value() for i in (2, 3)] == ["dropped one", "dropped two"]
    assert page.locator("#upload-start").inner_text() == "Upload and analyse 2 videos"
    # A blank title is refused before anything is sent.
    lines.nth(2).locator(".upload-title").fill("  ")
    lines.nth(3).locator("button", has_text="Remove").click()
    page.click("#upload-start")
    assert lines.nth(2).locator(".upload-errors").inner_text() == "Give this video a title."
    assert requests == []
    assert Video.objects.count() == 0
    assert errors == []


def test_a_file_the_server_cannot_read_shows_its_refusal(page, live_server, user, tmp_path):
    errors = watch_for_errors(page)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(range(256)) * 400)
    open_uploader(page, live_server)
    page.set_input_files("#upload-files", str(broken))
    page.click("#upload-start")
    line = page.locator(".upload-line")
    line.locator(".upload-errors li").wait_for()
    assert line.locator(".upload-errors").inner_text().startswith("This is not a video we can read")
    assert line.get_attribute("data-state") == "failed"
    assert Video.objects.count() == 0
    assert page.evaluate(STORED_UPLOADS) == []
    # The refusal of the last PATCH (422, or 400) is the only failed request.
    assert errors and all("/api/uploads/" in error and ("422" in error or "400" in error) for error in errors), errors


def block_patches_after(page, allowed: int) -> dict:
    """Abort every PATCH to the tus endpoint after the first `allowed` ones (the network drops)."""
    state = {"patches": 0, "aborted": 0}

    def handle(route) -> None:
        if route.request.method != "PATCH":
            route.continue_()
            return
        state["patches"] += 1
        if state["patches"] <= allowed:
            route.continue_()
        else:
            state["aborted"] += 1
            route.abort()

    state["handler"] = handle
    page.route("**/api/uploads/**", handle)
    return state


def test_upload_retries_and_resumes_when_the_network_drops(page, live_server, user):
    errors = watch_for_errors(page)
    page.add_init_script("window.TUS_CHUNK_BYTES = 32768")  # 208 KB: 7 chunks
    open_uploader(page, live_server)
    blocked = block_patches_after(page, 1)
    page.set_input_files("#upload-files", str(SINGLE_FACE))
    page.click("#upload-start")
    line = page.locator(".upload-line")

    wait_until(page, "document.querySelector('.upload-status').textContent.includes('retrying in')")
    assert "Connection lost" in line.locator(".upload-status").inner_text()
    assert line.locator("progress").evaluate("bar => bar.value") == 15  # the first chunk's 32 KB
    assert line.get_attribute("data-state") == "uploading"
    # Where it stands is remembered, for a reload.
    assert len(page.evaluate(STORED_UPLOADS)) == 1
    deadline = time.monotonic() + 30  # one more try (1 s later, or more on a busy machine), refused too
    while blocked["aborted"] < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert blocked["aborted"] >= 2

    page.unroute("**/api/uploads/**", blocked["handler"])
    page.locator("#upload-summary a", has_text="single_face").wait_for(timeout=60000)
    assert "resumed at" in line.locator(".upload-resumed").inner_text()
    video = Video.objects.get()
    assert stored_sha256(video) == sha256(SINGLE_FACE.read_bytes())
    assert_queued(video)
    assert page.evaluate(STORED_UPLOADS) == []
    assert without_aborted(errors) == []


def test_choosing_the_same_file_after_a_reload_resumes_it(page, live_server, user):
    errors = watch_for_errors(page)
    page.add_init_script("window.TUS_CHUNK_BYTES = 32768")
    requests = upload_requests(page)
    open_uploader(page, live_server)
    blocked = block_patches_after(page, 2)
    page.set_input_files("#upload-files", str(SINGLE_FACE))
    page.click("#upload-start")
    wait_until(page, "document.querySelector('.upload-status').textContent.includes('retrying in')")
    page.unroute("**/api/uploads/**", blocked["handler"])

    page.reload()  # the upload stopped at 64 KB of 208 KB
    requests.clear()
    page.set_input_files("#upload-files", str(SINGLE_FACE))
    line = page.locator(".upload-line")
    assert "stopped at 31%" in line.locator(".upload-status").inner_text()
    page.click("#upload-start")
    page.locator("#upload-summary a", has_text="single_face").wait_for()
    # Created once; after the reload a HEAD found its offset and the rest followed.
    assert [method for method, _ in requests] == ["HEAD"] + ["PATCH"] * 5  # from 64 KB on, 32 KB each
    video = Video.objects.get()
    assert stored_sha256(video) == sha256(SINGLE_FACE.read_bytes())
    assert_queued(video)
    assert without_aborted(errors) == []


def test_cancel_stops_the_upload_and_deletes_it(page, live_server, user):
    errors = watch_for_errors(page)
    page.add_init_script("window.TUS_CHUNK_BYTES = 32768")
    requests = upload_requests(page)
    open_uploader(page, live_server)
    blocked = block_patches_after(page, 1)
    page.set_input_files("#upload-files", str(SINGLE_FACE))
    page.click("#upload-start")
    wait_until(page, "document.querySelector('.upload-status').textContent.includes('retrying in')")
    location = next(url for method, url in requests if method == "PATCH")
    page.unroute("**/api/uploads/**", blocked["handler"])

    line = page.locator(".upload-line")
    line.locator("button", has_text="Cancel").click()
    wait_until(page, "document.querySelector('.upload-line').dataset.state === 'cancelled'")
    deadline = time.monotonic() + 10
    while ("DELETE", location) not in requests:
        assert time.monotonic() < deadline, requests
        page.wait_for_timeout(100)
    assert line.locator(".upload-status").inner_text() == "Cancelled."
    page.wait_for_timeout(2500)  # no retry comes back to life
    assert line.get_attribute("data-state") == "cancelled"
    assert page.evaluate(STORED_UPLOADS) == []
    # Gone on the server.
    assert page.request.fetch(location, method="HEAD", headers={"Tus-Resumable": "1.0.0"}).status == 404
    assert Video.objects.count() == 0
    assert without_aborted(errors) == []


def test_record_a_clip_with_the_camera_and_upload_it(page, live_server, user):
    errors = watch_for_errors(page)
    open_uploader(page, live_server)
    page.click("#tab-record")
    assert page.locator("#panel-files").is_hidden()
    wait_until(page, "document.getElementById('panel-record').dataset.state === 'live'")
    assert page.evaluate("document.getElementById('record-preview').srcObject.getVideoTracks().length") == 1
    page.click("#record-start")
    page.wait_for_timeout(2300)
    assert page.locator("#record-timer").inner_text() in ("00:02", "00:03")
    page.click("#record-stop")
    page.locator("#record-review").wait_for()
    # The camera is released once the recording stops.
    assert page.evaluate("document.getElementById('record-preview').srcObject") is None
    title = page.locator("#record-title").input_value()
    assert title.startswith("Recording ")
    page.click("#record-upload")

    page.locator("#upload-summary a", has_text=title).wait_for(timeout=60000)
    video = Video.objects.get()
    assert video.title == title
    assert video.original_name.startswith("recording-") and video.original_name.endswith(".webm")
    assert video.file.name.endswith(".webm")
    assert 1.5 <= video.duration_s <= 4, video.duration_s
    assert_queued(video)
    assert errors == []


def test_leaving_the_record_tab_releases_the_camera(page, live_server, user):
    open_uploader(page, live_server)
    page.click("#tab-record")
    wait_until(page, "document.getElementById('panel-record').dataset.state === 'live'")
    page.click("#tab-files")
    assert page.evaluate("document.getElementById('record-preview').srcObject") is None
    assert page.get_attribute("#panel-record", "data-state") == "off"


def test_without_a_camera_the_record_tab_says_so(browser, live_server, user):
    page = browser.new_page()
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
    )
    open_uploader(page, live_server)
    page.click("#tab-record")
    page.locator("#record-message.error").wait_for()
    assert "camera was not allowed" in page.locator("#record-message").inner_text()
    assert page.locator("#record-camera").is_visible()  # to try again
    assert page.locator("#record-start").is_hidden()


def test_without_javascript_the_plain_form_still_uploads(browser, live_server, user):
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/videos/upload/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")
    assert page.locator("#uploader").is_hidden()
    page.fill("input[name=title]", "Plain form")
    page.set_input_files("input[name=file]", str(SINGLE_FACE))
    page.select_option("select[name=sampling]", "1")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("text=Queued")
    video = Video.objects.get(title="Plain form")
    assert stored_sha256(video) == sha256(SINGLE_FACE.read_bytes())
    assert_queued(video, sample_fps=1.0)
