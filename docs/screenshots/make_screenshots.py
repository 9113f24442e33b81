"""Make the README's screenshots of the results page from real clips (needs Debian's chromium).

    .venv/bin/python docs/screenshots/make_screenshots.py

Builds a four-face clip (bench/room_clip.py: a 2x2 mosaic of the test clips, as tests/test_browser_room.py uses),
analyses it and single_face.mp4 for real in a throwaway database, adds two markers, serves the
app, and saves docs/screenshots/results-room.png (the room view), results-person.png (one
person with the baseline view and the overlay), upload.png (three files sent at once) and study.png
(a study of the four analysed clips in two conditions).
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


def main() -> None:
    work = Path(tempfile.mkdtemp())
    os.environ.update(DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}", EMOTION_VAR_DIR=str(work), ANALYSIS_WORKERS="2")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from analysis.models import Marker, Study
    from analysis.runs.jobs import run_analysis
    from analysis.runs.launch import start_analysis
    from analysis.studies.comparison import video_rows
    from analysis.studies.membership import add_videos, import_values_csv
    from analysis.studies.participants import confirm, study_persons, suggestions
    from bench.room_clip import room_mosaic
    from bench.study_rows import stored_video

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # the server serves them as `make run` does
    user = get_user_model().objects.create_user("demo", password="demo-pass-phrase-1")
    clip = work / "focus-group.webm"
    room_mosaic(DATA / "videos", clip)
    videos = []
    clips = [
        ("Focus group", clip),
        ("Interview", DATA / "videos" / "single_face.mp4"),
        ("Interview 2", DATA / "videos" / "WolfgangLanger_Pexels.mp4"),
        ("Interview 3", DATA / "videos" / "face_noface.mov"),
    ]
    for title, path in clips:
        video = stored_video(user, path, title)
        run = start_analysis(video, 5.0)
        print(title, run_analysis(run.pk))
        videos.append(video)
    Marker.objects.create(video=videos[0], t=3.0, label="question 1")
    Marker.objects.create(video=videos[0], t=11.0, label="the joke")
    study = Study.objects.create(owner=user, name="Interviews, spring", description="Two rooms and three interviews")
    add_videos(study, videos)
    import_values_csv(
        study,
        "video_title,condition,week\nFocus group,A,1\nInterview,A,2\nInterview 2,B,1\nInterview 3,B,2\n",
    )
    # The face suggestions, confirmed as a user would (the interviewees are in the focus group too).
    runs = [row.run_id for row in video_rows(study) if row.run_id]
    for suggestion in suggestions(study, study_persons(study, runs)):
        confirm(study, suggestion.label, suggestion.persons)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=os.environ.copy()
    )
    try:
        time.sleep(4)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "demo")
            page.fill("input[name=password]", "demo-pass-phrase-1")
            page.click("button[type=submit]")
            page.goto(f"{base}/videos/{videos[0].pk}/")
            page.wait_for_selector("#chart-heatmap.js-plotly-plot")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / "results-room.png"), full_page=False)
            page.evaluate("const v = document.getElementById('player'); v.muted = true; v.currentTime = 14; v.pause();")
            page.check("#overlay-toggle")
            first = page.locator("section.person").first
            first.locator(".baseline-on").check()
            page.wait_for_timeout(1500)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT / "results-person.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 700})
            first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / "results-person-charts.png"))
            page.goto(f"{base}/videos/upload/")
            clips = [DATA / "videos" / name for name in ("single_face.mp4", "short_hamilton_clip.mp4", "no_face.mp4")]
            page.set_input_files("#upload-files", [str(clip) for clip in clips])
            page.click("#upload-start")
            page.wait_for_selector("a.upload-video-link")
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / "upload.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 800})
            page.goto(f"{base}/studies/{study.pk}/?variable=condition&lines=condition")
            page.wait_for_selector("#chart-lines.js-plotly-plot")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / "study.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print("wrote", *sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
