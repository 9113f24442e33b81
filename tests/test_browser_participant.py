"""A participant session in a real browser (Debian's chromium via Playwright): consent, the camera check and
the recording with Chromium's fake camera playing a real face clip, a network drop in the middle of the
upload, the analysis, and the study page showing that participant along the stimulus; and the alignment
of the stimulus markers, measured with a camera that films the screen."""

import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from analysis.models import AnalysisRun, SessionRecording, Study
from analysis.sessions import links
from bench.study_rows import stored_video
from videos.models import Video

from .conftest import FAKE_CAMERA, VIDEOS, chromium
from .factories import work
from .test_browser import watch_for_errors

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]

FLASH_AT_S = 3.0  # the stimulus is black but for a white flash of 0.2 s here
STIMULUS_S = 5.0


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """The stimulus (VP8, black with a white flash at FLASH_AT_S) and the fake camera's clip (a real face)."""
    folder = tmp_path_factory.mktemp("participant-media")
    stimulus, camera = folder / "flash.webm", folder / "face.y4m"
    flash = f"between(t,{FLASH_AT_S},{FLASH_AT_S + 0.2})"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=black:s=320x240:r=30:d={STIMULUS_S}"]
        + ["-vf", f"drawbox=t=fill:c=white:enable='{flash}'", "-c:v", "libvpx", "-b:v", "500k", str(stimulus)],
        check=True,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(VIDEOS / "single_face.mp4"), "-pix_fmt", "yuv420p", str(camera)],
        check=True,
    )
    return {"stimulus": stimulus, "camera": camera}


@pytest.fixture
def browser(live_server, monkeypatch, media):
    camera = f"--use-file-for-fake-video-capture={media['camera']}"
    with chromium(monkeypatch, *FAKE_CAMERA, camera, "--autoplay-policy=no-user-gesture-required") as browser:
        yield browser


@pytest.fixture
def link(user, media):
    stimulus = stored_video(user, media["stimulus"], "Flash")
    study = Study.objects.create(owner=user, name="Flash study")
    return links.create_link(study, "Wave 1", stimulus, "You agree to be recorded while you watch.", 10, None)


def wait_until(page, expression: str, timeout: float = 60) -> None:
    """Poll a JavaScript expression (wait_for_function evaluates inside the page, which the CSP forbids)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error:  # the page navigated meanwhile: ask the next one
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def test_a_participant_records_through_a_network_drop_and_the_study_shows_them_on_stimulus_time(
    browser, live_server, link, user, client
):
    page = browser.new_page()
    errors = watch_for_errors(page)
    page.goto(f"{live_server.url}{reverse('participants:consent', args=[link.token])}?p=P42")
    assert "You agree to be recorded while you watch." in page.inner_text("#consent-text")
    page.check("input[name=agree]")
    page.click("button[type=submit]")
    page.click("#check-button")
    wait_until(page, "document.getElementById('camera-check').dataset.state !== 'off'")
    assert page.get_attribute("#camera-check", "data-state") == "passed", page.inner_text("#check-message")
    page.click("#continue")

    # The network drops for the second to fourth chunks: the page keeps them and sends them when it is back.
    state = {"patches": 0, "aborted": 0}

    def flaky(route) -> None:
        if route.request.method == "PATCH":
            state["patches"] += 1
            if 2 <= state["patches"] <= 4:
                state["aborted"] += 1
                route.abort()
                return
        route.continue_()

    page.route("**/upload/", flaky)
    page.click("#start-button")
    wait_until(page, "location.pathname.endsWith('/done/')", timeout=90)
    assert state["aborted"] == 3 and "withdrawal code" in page.inner_text("main")

    recording = SessionRecording.objects.get(link=link)
    assert recording.participant_code == "P42" and recording.state == "uploaded"
    assert recording.stimulus_start_s is not None and recording.stimulus_end_s is not None
    assert recording.stimulus_end_s - recording.stimulus_start_s == pytest.approx(STIMULUS_S, abs=0.1)
    video = recording.video
    assert video.duration_s >= recording.stimulus_end_s - 0.5  # the whole stimulus is in the recording
    assert not [e for e in errors if "upload" not in e], errors  # the aborted chunks' console lines aside

    work()
    assert video.runs.get().status == AnalysisRun.Status.SUCCEEDED
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{reverse('studies:detail', args=[link.study.pk])}#sessions")
    section = page.inner_text(f"#responses-{link.pk}")
    assert "Responses along the stimulus: Wave 1" in section and "1 participant" in section
    wait_until(page, f"document.querySelector('#chart-session-{link.pk}-lines .main-svg') !== null")
    legend = page.evaluate(
        f"document.getElementById('chart-session-{link.pk}-lines').data.map(t => t.name).filter(Boolean)"
    )
    assert "mean valence" in legend and "P42" in legend


SCREEN_CAMERA = """
// The camera films the screen: each animation frame draws the stimulus player (black before it plays).
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 240 });
  const context = canvas.getContext("2d");
  const draw = () => {
    const player = document.getElementById("stimulus");
    context.fillStyle = "#000";
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (player && player.readyState >= 2) context.drawImage(player, 0, 0, canvas.width, canvas.height);
    requestAnimationFrame(draw);
  };
  draw();
  return canvas.captureStream(30);
};
"""


def flash_time(video: Video) -> float:
    """When the flash first shows in the stored recording (its first bright frame's time)."""
    capture = cv2.VideoCapture(video.file.path)
    try:
        while (read := capture.read())[0]:
            if read[1].mean() > 128:
                return capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
    finally:
        capture.release()
    raise AssertionError("no flash in the recording")


def test_the_stimulus_markers_land_where_the_stimulus_played_in_the_recording(browser, live_server, link):
    """A camera that films the screen records the stimulus' flash: the stimulus start marker plus the flash's
    time in the stimulus must be where the flash is in the recording, within 0.2 s."""
    page = browser.new_page()
    page.add_init_script(SCREEN_CAMERA)
    page.goto(f"{live_server.url}{reverse('participants:consent', args=[link.token])}")
    page.check("input[name=agree]")
    page.click("button[type=submit]")
    recording = SessionRecording.objects.get(link=link)
    SessionRecording.objects.filter(pk=recording.pk).update(camera_checked_at=timezone.now())  # no face to check
    page.goto(f"{live_server.url}{reverse('participants:watch', args=[link.token, recording.key])}")
    page.click("#start-button")
    wait_until(page, "location.pathname.endsWith('/done/')", timeout=90)
    recording.refresh_from_db()
    seen = flash_time(recording.video)
    expected = recording.stimulus_start_s + FLASH_AT_S
    print(f"flash in the recording at {seen:.3f} s; the start marker puts it at {expected:.3f} s")
    assert abs(seen - expected) <= 0.2
    frames = np.array([recording.stimulus_start_s, recording.stimulus_end_s])
    assert frames[1] - frames[0] == pytest.approx(STIMULUS_S, abs=0.1)
