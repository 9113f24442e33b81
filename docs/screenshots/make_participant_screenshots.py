"""Make the README's screenshots of a participant session (needs Debian's chromium and ffmpeg).

    .venv/bin/python docs/screenshots/make_participant_screenshots.py

In a throwaway database: a researcher's study with a session link whose stimulus is short_hamilton_clip.mp4;
three participants go through it in Chromium, each with a fake camera playing a real face clip
(WolfgangLanger_Pexels.mp4, single_face.mp4, and WolfgangLanger mirrored); their recordings are analysed
for real; then saves participant-consent.png, participant-check.png, participant-watch.png,
participant-thanks.png, session-link.png (the researcher's link page) and session-responses.png (the
study page's responses along the stimulus).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DATA = Path(os.environ.get("EMOTION_TEST_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))  # the project's packages, for a script run by its path

from emotion_site.stack import free_port  # noqa: E402

CAMERA_CLIPS = [
    ("P01", ["-i", str(DATA / "videos" / "WolfgangLanger_Pexels.mp4")]),
    ("P02", ["-stream_loop", "4", "-i", str(DATA / "videos" / "single_face.mp4")]),
    ("P03", ["-i", str(DATA / "videos" / "WolfgangLanger_Pexels.mp4"), "-vf", "hflip,eq=brightness=0.05"]),
]


def camera_file(work: Path, code: str, args: list[str]) -> Path:
    path = work / f"{code}.y4m"
    subprocess.run(["ffmpeg", "-v", "error", *args, "-t", "14", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def main() -> None:
    work = Path(tempfile.mkdtemp())
    os.environ.update(DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}", EMOTION_VAR_DIR=str(work), ANALYSIS_WORKERS="2")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls while Playwright's loop runs, in this one thread
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from analysis.models import AnalysisRun, SessionRecording, Study
    from analysis.runs.jobs import run_analysis
    from analysis.sessions import links
    from bench.study_rows import stored_video

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    user = get_user_model().objects.create_user("demo", password="demo-pass-phrase-1")
    stimulus = stored_video(user, DATA / "videos" / "short_hamilton_clip.mp4", "Trailer")
    study = Study.objects.create(owner=user, name="Trailer test", description="Three viewers of a trailer")
    consent_text = (
        "You are invited to take part in a study of how viewers respond to a film trailer (9 seconds).\n\n"
        "While you watch, your webcam records your face (no sound). Software estimates your facial expressions "
        "from the recording. The recording and the results are kept by the research team for this study only.\n\n"
        "Taking part is voluntary. After the session you get a code that erases your recording and its results."
    )
    link = links.create_link(study, "Trailer, wave 1", stimulus, consent_text, 30, None)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=os.environ.copy()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(4)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            for index, (code, args) in enumerate(CAMERA_CLIPS):
                camera = camera_file(work, code, args)
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"),
                    args=[
                        "--no-sandbox",
                        "--use-fake-device-for-media-stream",
                        "--use-fake-ui-for-media-stream",
                        f"--use-file-for-fake-video-capture={camera}",
                        "--autoplay-policy=no-user-gesture-required",
                    ],
                )
                page = browser.new_page(viewport={"width": 1000, "height": 760})
                page.goto(f"{base}/p/{link.token}/?p={code}")
                first = index == 0
                if first:
                    page.screenshot(path=str(OUT / "participant-consent.png"))
                page.check("input[name=agree]")
                page.click("button[type=submit]")
                page.click("#check-button")
                page.wait_for_selector("#continue:not([hidden])", timeout=30000)
                if first:
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(OUT / "participant-check.png"))
                page.click("#continue")
                page.click("#start-button")
                if first:
                    page.wait_for_timeout(4000)
                    page.screenshot(path=str(OUT / "participant-watch.png"))
                page.wait_for_url("**/done/", timeout=60000)
                if first:
                    page.screenshot(path=str(OUT / "participant-thanks.png"))
                browser.close()
            for recording in SessionRecording.objects.filter(link=link):
                run = recording.video.runs.get()
                AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.QUEUED)
                print(recording.participant_code, run_analysis(run.pk))
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1200})
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "demo")
            page.fill("input[name=password]", "demo-pass-phrase-1")
            page.click("button[type=submit]")
            page.goto(f"{base}/studies/{study.pk}/sessions/{link.pk}/")
            page.screenshot(path=str(OUT / "session-link.png"), full_page=True)
            page.goto(f"{base}/studies/{study.pk}/")
            page.wait_for_selector(f"#chart-session-{link.pk}-lines .main-svg")
            page.wait_for_timeout(1500)
            page.locator(f"#responses-{link.pk}").screenshot(path=str(OUT / "session-responses.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print("wrote", *sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
