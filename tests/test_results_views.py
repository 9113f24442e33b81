"""The results page, its charts, the JSON and CSV exports, progress and deletion."""

import base64
import csv
import io
import json
from datetime import timedelta

import django_rq
import numpy as np
import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from analysis.core.emotions import EMOTIONS
from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.group_mood import TIME_GRID
from analysis.core.valence import SCALE as VALENCE_SCALE
from analysis.core.video_figures import DEFINITION as FIGURES
from analysis.models import AnalysisRun, Person, RunTimeline, Sample
from analysis.pages.charts import MAX_POINTS
from analysis.results.timeline_store import build_timeline, run_mood, run_timeline
from videos.models import Video

from .conftest import (
    ATTENTION_POSES,
    CSV_HEADER,
    EXPORT_ANALYSIS_KEYS,
    EXPORT_KEYS,
    EXPORT_PERSON_KEYS,
    EXPORT_SAMPLE_KEYS,
    FACE_MEASURES,
    VIDEOS,
)
from .factories import add_person, charts_data, make_run, make_video

pytestmark = pytest.mark.django_db

CLIP = VIDEOS / "single_face.mp4"


def points(values) -> np.ndarray:
    """A plotly trace's x or y, plain list or typed array."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values)


def csv_table(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


# Results page


def test_results_page_has_plotly_a_chart_per_person_and_chart_data(alice, analysed):
    video, run, persons = analysed
    response = alice.get(reverse("analysis:results", args=[video.pk]))
    assert response.status_code == 200
    content = response.content.decode()

    plotly_url = static("plotly/plotly.min.js")
    assert plotly_url == "/static/plotly/plotly.min.js"
    assert f'<script src="{plotly_url}"></script>' in content
    # Served from the app's own static files (offline), not a CDN.
    assert finders.find("plotly/plotly.min.js")
    assert "cdn.plot.ly" not in content

    assert 'id="chart-distribution"' in content
    for person in persons:
        assert f'id="chart-emotions-{person.pk}"' in content
        assert f'id="chart-dominant-{person.pk}"' in content
        assert f'id="person-{person.number}"' in content
        assert reverse("analysis:thumbnail", args=[video.pk, person.pk]) in content
    assert content.index('id="person-1"') < content.index('id="person-2"')
    assert reverse("analysis:export_csv", args=[video.pk]) in content
    assert reverse("analysis:export_json", args=[video.pk]) in content

    assert 'id="chart-group"' in content and 'id="chart-heatmap"' in content
    assert 'id="no-highlights"' in content  # two people: too few for a room's highlights
    data = charts_data(content)
    assert set(data) == {"markers", "persons", "distribution", "group", "heatmap", "highlights", "template"}
    # plotly_white comes once, for charts.js to apply to every figure, not a copy in each figure.
    assert data["template"]["layout"]["plot_bgcolor"] == "white"
    assert not any("template" in data[key]["layout"] for key in ("distribution", "group", "heatmap"))
    assert data["highlights"] == []
    heatmap_rows = data["heatmap"]["data"][0]["y"]
    assert list(heatmap_rows) == ["Person 1", "Person 2"]  # person 1 is on screen longer
    assert set(data["persons"]) == {str(p.pk) for p in persons}
    for person in persons:
        charts = data["persons"][str(person.pk)]
        traces = charts["emotions"]["data"]
        assert [t["name"] for t in traces] == [*EMOTIONS, *(f"{name} (raw)" for name in EMOTIONS)]
        raw = {t["name"]: t for t in traces}
        samples = list(person.samples.order_by("t"))
        assert points(raw["happy (raw)"]["x"]).tolist() == pytest.approx([s.t for s in samples])
        assert points(raw["happy (raw)"]["y"]).tolist() == pytest.approx([s.happy for s in samples])
        assert list(charts["dominant"]["data"][0]["y"]) == [person.dominant] * len(samples)
    bars = data["distribution"]["data"]
    assert [b["name"] for b in bars] == ["Person 1", "Person 2"]
    assert points(bars[0]["y"]).tolist() == pytest.approx([persons[0].shares[n] for n in EMOTIONS])
    assert persons[0].shares["happy"] == 1.0 and persons[0].dominant == "happy"


def test_charts_of_a_person_seen_briefly_have_matching_x_and_y(alice, user):
    video = make_video(user)
    run = make_run(video)
    # 3 samples (the fewest a person can have) at 5 fps: fewer than the 5-sample smoothing window.
    person = add_person(run, 1, EMOTIONS.index("fear"), [0.0, 0.2, 0.4])
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    charts = charts_data(content)["persons"][str(person.pk)]
    for trace in charts["emotions"]["data"] + charts["dominant"]["data"]:
        assert len(points(trace["y"])) == len(points(trace["x"])) == 3, trace.get("name")


def test_results_page_shows_run_facts(alice, analysed):
    video, _, _ = analysed
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Team meeting" in content
    assert "640×360" in content
    assert "Click a chart to jump" in content
    assert "12 frames analysed (5 per second)" in content
    assert "2 persons" in content


def test_pages_name_the_sites_icon(alice, analysed):
    # Without one, browsers ask for /favicon.ico and log its 404 as a console error.
    content = alice.get(reverse("analysis:results", args=[analysed[0].pk])).content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in content
    assert finders.find("favicon.svg")


def test_video_without_faces_shows_a_message(alice, user):
    video = make_video(user)
    make_run(video, persons_count=0)
    response = alice.get(reverse("analysis:results", args=[video.pk]))
    content = response.content.decode()
    assert "No faces were found in this video." in content
    assert 'id="chart-distribution"' not in content
    assert "Click a chart" not in content  # no charts to click
    export = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert export["persons"] == []


# JSON export


def test_json_export_has_exactly_the_documented_shape(alice, analysed):
    video, run, persons = analysed
    response = alice.get(reverse("analysis:export_json", args=[video.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="team-meeting-{video.pk}-emotions.json"'
    document = json.loads(response.content)

    assert set(document) == EXPORT_KEYS
    assert set(document["video"]) == {"id", "title", "duration_s", "fps", "width", "height"}
    assert set(document["analysis"]) == EXPORT_ANALYSIS_KEYS
    assert document["emotions"] == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    assert len(document["persons"]) == 2
    for person in document["persons"]:
        assert set(person) == EXPORT_PERSON_KEYS
        assert set(person["mean"]) == set(EMOTIONS)
        for sample in person["samples"]:
            assert set(sample) == EXPORT_SAMPLE_KEYS
            assert 0.05 <= sample["q"] <= 1.0
            assert len(sample["box"]) == 4
            assert all(isinstance(v, int) for v in sample["box"])
            assert len(sample["p"]) == 7
            assert all(isinstance(v, float) for v in sample["p"])


def test_json_export_values(alice, analysed):
    video, run, persons = analysed
    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert document["video"] == {
        "id": video.pk,
        "title": "Team meeting",
        "duration_s": 2.4,
        "fps": 30.0,
        "width": 640,
        "height": 360,
    }
    analysis = document["analysis"]
    assert analysis["status"] == "succeeded"
    assert analysis["sample_fps"] == 5.0
    assert analysis["frames_analyzed"] == 12
    assert analysis["detector"] == "hog"
    assert analysis["model"] == "fer-mini-xception"
    assert analysis["started_at"] == run.started_at.isoformat()
    assert analysis["finished_at"] == run.finished_at.isoformat()

    first, second = document["persons"]
    assert [first["id"], second["id"]] == [1, 2]
    assert (first["first_s"], first["last_s"], first["dominant"]) == (0.0, 1.0, "happy")
    assert (second["first_s"], second["last_s"], second["dominant"]) == (1.2, 2.0, "sad")
    assert first["mean"] == pytest.approx(persons[0].mean)
    assert [s["t"] for s in first["samples"]] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [s["frame"] for s in first["samples"]] == [0, 6, 12, 18, 24, 30]
    assert [s["t"] for s in second["samples"]] == [1.2, 1.4, 1.6, 1.8, 2.0]
    assert first["samples"][1]["box"] == [11, 20, 30, 40]
    assert second["samples"][0]["box"] == [300, 40, 60, 60]
    db_first = list(persons[0].samples.order_by("t"))
    for exported, row in zip(first["samples"], db_first):
        assert exported["p"] == pytest.approx(row.probabilities)
        assert sum(exported["p"]) == pytest.approx(1.0, abs=1e-4)


def test_json_export_of_every_frame_run_has_null_sample_fps(alice, user):
    video = make_video(user)
    run = make_run(video, sample_fps=None)
    add_person(run, 1, 0, [0.0, 1 / 30])
    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert document["analysis"]["sample_fps"] is None


# CSV export


def test_csv_export_header_and_one_row_per_sample(alice, analysed):
    video, run, persons = analysed
    response = alice.get(reverse("analysis:export_csv", args=[video.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="team-meeting-{video.pk}-emotions.csv"'
    table = csv_table(response)
    assert ",".join(table[0]) == CSV_HEADER
    rows = table[1:]
    assert len(rows) == Sample.objects.filter(person__run=run).count() == 11
    assert [row[0] for row in rows] == ["1"] * 6 + ["2"] * 5

    assert [row[1] for row in rows] == [""] * 11  # no names given

    first = dict(zip(table[0], rows[0]))
    sample = persons[0].samples.order_by("t").first()
    assert float(first["t"]) == sample.t
    assert int(first["frame"]) == sample.frame
    assert [int(first[k]) for k in "xywh"] == [sample.x, sample.y, sample.w, sample.h]
    assert [float(first[name]) for name in EMOTIONS] == pytest.approx(sample.probabilities)
    assert float(first["quality"]) == sample.quality
    assert first["dominant"] == "happy"
    assert {dict(zip(table[0], row))["dominant"] for row in rows[6:]} == {"sad"}


# Runs that have no results


@pytest.mark.parametrize("name", ["export_json", "export_csv"])
@pytest.mark.parametrize("status", [AnalysisRun.Status.QUEUED, AnalysisRun.Status.FAILED])
def test_export_without_a_succeeded_run_is_404(alice, user, status, name):
    video = make_video(user)
    make_run(video, status=status, frames_done=0, error="boom" if status == "failed" else "")
    assert alice.get(reverse(f"analysis:{name}", args=[video.pk])).status_code == 404


def test_results_page_of_a_queued_video(alice, user):
    video = make_video(user)
    make_run(video, status=AnalysisRun.Status.QUEUED, frames_total=0, frames_done=0, started_at=None)
    response = alice.get(reverse("analysis:results", args=[video.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "status-queued" in content
    assert ">Queued<" in content
    assert "Waiting for a worker" in content and "0 / 0" not in content
    assert '<progress max="100"></progress>' in content  # busy, not an empty bar
    assert f'data-progress-url="{reverse("analysis:progress", args=[video.pk])}"' in content
    assert "plotly.min.js" not in content
    assert "charts-data" not in content
    assert "Click a chart" not in content
    assert reverse("analysis:export_csv", args=[video.pk]) not in content
    # An active run is not offered for reprocessing.
    assert reverse("analysis:reprocess", args=[video.pk]) not in content


def test_results_page_of_a_failed_video_shows_the_error(alice, user):
    video = make_video(user)
    make_run(
        video,
        status=AnalysisRun.Status.FAILED,
        frames_done=3,
        error="The video stream ended after 40 of 72 frames: the file looks truncated.",
    )
    response = alice.get(reverse("analysis:results", args=[video.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "status-failed" in content
    assert ">Failed<" in content
    assert "The video stream ended after 40 of 72 frames: the file looks truncated." in content
    assert "charts-data" not in content
    assert reverse("analysis:reprocess", args=[video.pk]) in content


def test_a_newer_failed_run_keeps_showing_the_last_results(alice, analysed):
    video, run, persons = analysed
    make_run(video, status=AnalysisRun.Status.FAILED, error="An analysis worker stopped unexpectedly.")
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "An analysis worker stopped unexpectedly." in content
    assert set(charts_data(content)["persons"]) == {str(p.pk) for p in persons}
    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert document["analysis"]["status"] == "succeeded"
    assert [p["id"] for p in document["persons"]] == [1, 2]


# Progress


def test_progress_of_a_running_analysis(alice, user):
    video = make_video(user)
    now = timezone.now()
    make_run(
        video,
        status=AnalysisRun.Status.RUNNING,
        frames_total=120,
        frames_done=30,
        started_at=now - timedelta(seconds=10),
        heartbeat_at=now,
        # The latest report now, at 4 frames a second: 90 to go.
        progress_at=now,
        progress_speed=4.0,
    )
    response = alice.get(reverse("analysis:progress", args=[video.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "running"
    assert data["status_label"] == "Processing"
    assert data["frames_done"] == 30
    assert data["frames_total"] == 120
    assert data["percent"] == 25
    assert data["eta_s"] == pytest.approx(22.5, abs=0.5)
    assert data["detail"] == "30 / 120 frames"
    assert data["error"] == ""


@pytest.mark.parametrize(
    "status, frames_done, frames_total, detail",
    [
        (AnalysisRun.Status.QUEUED, 0, 0, "Waiting for a worker"),
        (AnalysisRun.Status.RUNNING, 0, 0, "Starting"),
        (AnalysisRun.Status.RUNNING, 0, 21, "21 frames to analyse"),
        (AnalysisRun.Status.RUNNING, 7, 21, "7 / 21 frames"),
    ],
)
def test_progress_says_what_is_known_never_0_of_0(alice, user, status, frames_done, frames_total, detail):
    video = make_video(user)
    reported = {"progress_speed": 2.0, "progress_at": timezone.now()}
    make_run(
        video, status=status, frames_done=frames_done, frames_total=frames_total, **(reported if frames_done else {})
    )
    data = alice.get(reverse("analysis:progress", args=[video.pk])).json()
    assert data["detail"] == detail
    assert (data["eta_s"] is None) == (frames_done == 0)  # no estimate before the first frames
    for page in ("analysis:results", "videos:list"):
        content = alice.get(reverse(page, args=[video.pk] if page == "analysis:results" else [])).content.decode()
        assert f'<span class="status-detail">{detail}</span>' in content


def test_progress_of_a_finished_analysis(alice, analysed):
    video, _, _ = analysed
    data = alice.get(reverse("analysis:progress", args=[video.pk])).json()
    assert data["status"] == "succeeded"
    assert data["percent"] == 100
    assert data["frames_done"] == data["frames_total"] == 12
    assert data["eta_s"] is None


def test_progress_of_a_video_never_analysed(alice, user):
    video = make_video(user)
    assert alice.get(reverse("analysis:progress", args=[video.pk])).json() == {"status": None}


def test_every_time_chart_of_the_page_shares_one_time_axis_and_toggles_are_not_plotly_menus(alice, analysed):
    video, run, persons = analysed
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    data = charts_data(content)
    lazy = alice.get(reverse("analysis:person_charts", args=[video.pk, persons[1].pk])).json()
    figures = {"group": data["group"], "heatmap": data["heatmap"], "lazy emotions": lazy["emotions"]}
    for person in persons:
        figures |= {
            f"{kind} {person.number}": data["persons"][str(person.pk)][kind] for kind in ("emotions", "dominant")
        }
    for name, figure in figures.items():
        layout = figure["layout"]
        axes = [key for key in layout if key.startswith("xaxis")]
        # 0 to the video's duration (2.4 s), in seconds, on every x axis (the group chart has four).
        assert axes and all(layout[axis]["range"] == [0, video.duration_s] for axis in axes), name
        assert all(points(trace["x"]).max() <= video.duration_s for trace in figure["data"]), name
        assert "updatemenus" not in layout, name
    # The group mood's last bin is drawn inside the video, and it has faces.
    faces = next(trace for trace in data["group"]["data"] if trace.get("name") == "faces seen")
    assert points(faces["x"]).tolist() == [0.5, 1.5] and points(faces["y"]).tolist() == [1, 2]
    # The toggles charts.js turns into buttons: their options switch between the figure's traces.
    heatmap_toggle = data["heatmap"]["layout"]["meta"]["toggle"]
    assert [o["label"] for o in heatmap_toggle["options"]] == ["Valence", "Leading emotion"]
    assert [o["visible"] for o in heatmap_toggle["options"]] == [[True, False], [False, True]]
    lines = lazy["emotions"]["layout"]["meta"]["toggle"]["options"]
    assert [o["label"] for o in lines] == ["Smoothed", "Raw"] and len(lines[0]["visible"]) == 14


def test_a_timeline_on_the_old_time_grid_is_made_again_when_read(analysed):
    video, run, _ = analysed
    build_timeline(run)
    # As stored before the grid changed: three 1 s bins for a 2.4 s video, the third drawn at 2.5 s.
    stale = {key: value for key, value in run.timeline.summary.items() if key != "time_grid"}
    RunTimeline.objects.filter(run=run).update(summary=stale, bins=3)
    mood = run_mood(AnalysisRun.objects.get(pk=run.pk))
    assert len(mood.times) == 2 and RunTimeline.objects.get(run=run).summary["time_grid"] == TIME_GRID


# Long videos: light charts, complete exports


def test_long_series_is_downsampled_in_charts_but_complete_in_exports(alice, user):
    video = make_video(user, "Long lecture")
    run = make_run(video, frames_total=5000, frames_done=5000)
    times = [round(i * 0.2, 4) for i in range(5000)]
    person = add_person(run, 1, EMOTIONS.index("neutral"), times)
    assert MAX_POINTS < 5000

    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    charts = charts_data(content)["persons"][str(person.pk)]
    traces = charts["emotions"]["data"] + charts["dominant"]["data"]
    assert len(traces) == 15
    for trace in traces:
        x, y = points(trace["x"]), points(trace["y"])
        assert 0 < len(x) <= MAX_POINTS
        assert len(y) == len(x)
    # Downsampled, not cut: the points still span the whole video.
    x = points(traces[0]["x"])
    assert x[0] < 1.0
    assert x[-1] > times[-1] - 2.0

    table = csv_table(alice.get(reverse("analysis:export_csv", args=[video.pk])))
    assert ",".join(table[0]) == CSV_HEADER
    assert len(table) - 1 == 5000
    assert float(table[-1][table[0].index("t")]) == times[-1]

    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert len(document["persons"][0]["samples"]) == 5000


# Deleting


def test_delete_confirmation_page(alice, analysed):
    video, _, _ = analysed
    response = alice.get(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 200
    assert "Delete “Team meeting”?" in response.content.decode()
    assert Video.objects.filter(pk=video.pk).exists()


def test_delete_removes_file_runs_persons_and_samples(alice, user, analysed, isolated_storage_and_queue):
    video, run, persons = analysed
    media = isolated_storage_and_queue
    kept = make_video(user, "Keep me")
    kept_run = make_run(kept)
    add_person(kept_run, 1, 0, [0.0, 0.2])
    path = media / video.file.name
    assert path.is_file()
    failed = make_run(video, status=AnalysisRun.Status.FAILED, error="x")

    response = alice.post(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 302
    assert response.url == reverse("videos:list")

    assert not Video.objects.filter(pk=video.pk).exists()
    assert not AnalysisRun.objects.filter(pk__in=[run.pk, failed.pk]).exists()
    assert not Person.objects.filter(pk__in=[p.pk for p in persons]).exists()
    assert not Sample.objects.filter(person__run=run).exists()
    assert Sample.objects.count() == 2  # only the other video's
    assert not path.exists()
    assert not kept.file.storage.exists(video.file.name)
    # The other video is untouched.
    assert (media / kept.file.name).read_bytes() == CLIP.read_bytes()
    assert AnalysisRun.objects.filter(video=kept).count() == 1

    page = alice.get(response.url).content.decode()
    assert "“Team meeting” and its results were deleted." in page
    assert alice.get(reverse("analysis:results", args=[video.pk])).status_code == 404


def test_delete_cancels_a_queued_job(alice, user):
    video = make_video(user)
    run = make_run(video, status=AnalysisRun.Status.QUEUED, frames_done=0)
    queue = django_rq.get_queue("default", commit_mode="auto")
    job = queue.enqueue("analysis.runs.jobs.run_analysis", run.pk)
    AnalysisRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)
    assert job.id in queue.job_ids

    response = alice.post(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 302
    assert not AnalysisRun.objects.filter(pk=run.pk).exists()
    assert job.id not in queue.job_ids
    assert job.get_status(refresh=True) == "canceled"


# Head pose and attention


def test_exports_carry_each_samples_head_pose_and_each_persons_attention_and_valence(alice, analysed):
    video, run, (first, second) = analysed
    one, two = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)["persons"]
    assert [(s["yaw"], s["pitch"]) for s in one["samples"]] == ATTENTION_POSES
    assert one["attention"] == first.attention == pytest.approx(5 / 6, abs=1e-4)
    assert all(s["yaw"] is None and s["pitch"] is None for s in two["samples"]) and two["attention"] is None
    assert one["valence"] == first.valence > 0 > two["valence"] == second.valence
    table = csv_table(alice.get(reverse("analysis:export_csv", args=[video.pk])))
    rows = [dict(zip(table[0], row)) for row in table[1:]]
    assert [(float(r["yaw"]), float(r["pitch"])) for r in rows if r["person_id"] == "1"] == ATTENTION_POSES
    assert {(r["yaw"], r["pitch"]) for r in rows if r["person_id"] == "2"} == {("", "")}


def test_exports_carry_each_samples_facial_measures_and_nulls_where_not_measured(alice, analysed):
    video, _run, _persons = analysed
    one, two = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)["persons"]
    assert [None if s["smile"] is None else tuple(s[name] for name in MEASURE_NAMES) for s in one["samples"]] == [
        None if m is None else tuple(round(v, 4) for v in m) for m in FACE_MEASURES
    ]
    assert all(s[name] is None for s in two["samples"] for name in MEASURE_NAMES)
    table = csv_table(alice.get(reverse("analysis:export_csv", args=[video.pk])))
    assert table[0][-6:] == list(MEASURE_NAMES)
    rows = [dict(zip(table[0], row)) for row in table[1:]]
    first = [tuple(row[name] for name in MEASURE_NAMES) for row in rows if row["person_id"] == "1"]
    assert first == [("",) * 6 if m is None else tuple(str(round(v, 4)) for v in m) for m in FACE_MEASURES]
    assert {row["smile"] for row in rows if row["person_id"] == "2"} == {""}


def test_the_person_card_and_the_room_chart_show_attention(alice, analysed):
    video, run, _ = analysed
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert content.count("attending 83%") == 1  # person 1 (eyes measured); person 2 has no pose
    group = charts_data(content)["group"]
    (attention,) = [trace for trace in group["data"] if trace.get("name") == "attention"]
    # 1 s bins, the last one to the video's end (2.4 s): person 1 faces in 4 of their 5 samples in 0-1 s and
    # in their one sample of 1-2.4 s (where person 2, seen too, has no pose and does not count).
    y = points(attention["y"])
    assert y.tolist() == pytest.approx([0.8, 1.0], abs=1e-3)  # float16 in the timeline
    assert group["layout"]["yaxis3"]["title"]["text"] == "attention"


def test_the_timeline_stores_the_room_series_and_a_summary(analysed, settings):
    video, run, _ = analysed
    timeline = build_timeline(run)
    assert timeline.facing_array().shape == (2, 2)  # 0-1 s and 1-2.4 s: the video is 2.4 s long
    attention = np.frombuffer(bytes(timeline.room_attention), dtype=np.float16)
    valence = np.frombuffer(bytes(timeline.room_valence), dtype=np.float16)
    assert attention.tolist() == pytest.approx([0.8, 1.0], abs=1e-3)
    assert len(valence) == 2 and valence[0] > 0
    summary = timeline.summary
    keys = {"persons", "seen_s", "valence", "attention", "shares", "weight", "weights", "valence_scale", "figures"}
    keys |= {"talking", "eyes_closed"}
    assert set(summary) == keys | {"calm", "time_grid", "person_figures"} and summary["time_grid"] == TIME_GRID
    # What each person adds to the figures, for edits that read only the changed persons (timeline_update.py).
    assert summary["person_figures"]["1"]["facing"] == [5.0, 6] and summary["person_figures"]["2"]["facing"] == [0.0, 0]
    assert summary["valence_scale"] == VALENCE_SCALE and len(summary["calm"]) == 2
    assert summary["figures"] == FIGURES
    assert summary["persons"] == 2 and summary["seen_s"] == 2.0
    # The video's figures pool its persons' samples (core/video_figures.py): attention over the samples with a
    # known pose (person 1's, 5 of 6 facing), shares and valence weighted by each person's face-time.
    assert summary["attention"] == pytest.approx(5 / 6, abs=1e-4)
    # Talking and eyes closed: over the measured samples (person 1's 5; person 2 has none).
    assert summary["person_figures"]["1"]["states"][2] == 5 and summary["person_figures"]["2"]["states"] == [0, 0, 0]
    assert summary["eyes_closed"] == 0.0 and 0.0 <= summary["talking"] <= 1.0
    happy, sad = (run.persons.get(number=n) for n in (1, 2))
    weights = summary["weights"]
    assert weights["1"] > weights["2"] > 0  # 6 samples against 5
    total = weights["1"] + weights["2"]
    assert summary["shares"]["happy"] == pytest.approx(happy.shares["happy"] * weights["1"] / total, abs=1e-4)
    assert summary["valence"] == pytest.approx(
        (happy.valence * weights["1"] + sad.valence * weights["2"]) / total, abs=1e-4
    )
    assert set(summary["shares"]) == set(EMOTIONS) and sum(summary["shares"].values()) == pytest.approx(1.0, abs=1e-3)
    assert json.loads(json.dumps(summary)) == summary
    # A stricter threshold counts fewer faces as turned to the camera.
    settings.ATTENTION_MAX_DEG = 4.0
    assert build_timeline(run).summary["attention"] < 5 / 6


def test_a_timeline_from_before_summaries_is_rebuilt_when_read(analysed):
    video, run, _ = analysed
    build_timeline(run)
    RunTimeline.objects.filter(run=run).update(summary={}, facing=b"", room_valence=b"", room_attention=b"")
    run = AnalysisRun.objects.get(pk=run.pk)
    assert np.isnan(run.timeline.facing_array()).all()
    timeline = run_timeline(run)
    assert timeline.summary["persons"] == 2 and not np.isnan(timeline.facing_array()).all()
    assert run_mood(run).attention[:2] == pytest.approx([0.8, 1.0], abs=1e-3)
