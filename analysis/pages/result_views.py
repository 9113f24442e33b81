"""The results page of a video and what it fetches: progress, charts, overlay and the JSON/CSV downloads;
the reprocess button."""

import csv
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from analysis.core.highlights import MIN_FACES
from analysis.core.valence import LOOKING_DOWN_DEG
from analysis.models import AnalysisRun, Person
from analysis.pages.charts import person_charts, run_charts
from analysis.pages.finished_notice import mark_seen
from analysis.pages.overlay import overlay_window
from analysis.results.downloads import results_csv_rows, results_document, wants_boxes
from analysis.results.timeline_store import run_timeline, stored_figures
from analysis.runs.blur_launch import latest_copy
from analysis.runs.launch import reprocess_for_owner
from analysis.runs.limits import LimitReached
from analysis.runs.retention import retention_days, source_kept_until
from videos.access_log import Action, record
from videos.ownership import owned_video

PLACEHOLDER = Path(settings.BASE_DIR) / "static" / "img" / "no-thumbnail.svg"


def _latest_and_current(video) -> tuple[AnalysisRun | None, AnalysisRun | None]:
    """The newest run (for status) and the newest succeeded run (whose results are shown)."""
    latest = video.runs.order_by("-created_at", "-id").first()
    current = AnalysisRun.shown_for(video)
    return latest, current


def results(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    record(request, video, Action.VIEW)
    mark_seen(video)  # the "finished since you last looked" notice has done its work
    latest, current = _latest_and_current(video)
    context = {"video": video, "latest": latest, "current": current, "blurred": latest_copy(video)}
    context["kept_until"] = source_kept_until(video)
    context["retention_days"] = retention_days(video.owner)
    if current is not None:
        context["charts"] = run_charts(current)  # first: it brings a run from before today's valence scale up to date
        # The video's figures, as the study page and the study exports show them (core/video_figures.py).
        context["figures"] = stored_figures(run_timeline(current).summary)
        shown = list(current.persons.order_by("number").defer("thumbnail_jpeg"))
        context["persons"] = [person for person in shown if not person.hidden]
        context["hidden_persons"] = [person for person in shown if person.hidden]
        context["min_faces"] = MIN_FACES
        context["attention_max_deg"] = settings.ATTENTION_MAX_DEG
        context["looking_down_deg"] = LOOKING_DOWN_DEG
    return render(request, "analysis/results.html", context)


def person_charts_json(request: HttpRequest, pk: int, person_id: int) -> JsonResponse:
    """One person's charts, for persons whose charts do not come with the page."""
    video = owned_video(request, pk)
    person = get_object_or_404(Person, pk=person_id, run=_current_run_or_404(video), hidden=False)
    return JsonResponse(person_charts(person))


def overlay_json(request: HttpRequest, pk: int) -> JsonResponse:
    """Boxes and labels for the player's overlay, for samples in [start, start + OVERLAY_WINDOW_S)."""
    video = owned_video(request, pk)
    run = _current_run_or_404(video)
    try:
        start = max(0.0, float(request.GET.get("start", 0)))
    except ValueError:
        raise Http404("start must be a number of seconds") from None
    return JsonResponse(overlay_window(run, start))


def progress(request: HttpRequest, pk: int) -> JsonResponse:
    video = owned_video(request, pk)
    latest, _ = _latest_and_current(video)
    if latest is None:
        return JsonResponse({"status": None})
    return JsonResponse(
        {
            "status": latest.status,
            "status_label": latest.get_status_display(),
            "frames_done": latest.frames_done,
            "frames_total": latest.frames_total,
            "detail": latest.progress_detail if latest.is_active else "",
            "percent": latest.percent,
            "eta_s": latest.eta_s,
            "error": latest.error,
        }
    )


def _current_run_or_404(video) -> AnalysisRun:
    current = _latest_and_current(video)[1]
    if current is None:
        raise Http404("This video has no results yet.")
    return current


def _filename(video, extension: str) -> str:
    return f"{slugify(video.title) or 'video'}-{video.pk}-emotions.{extension}"


def _export_detail(extension: str, boxes: bool) -> str:
    return extension if boxes else f"{extension} without boxes"


def export_json(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    run = _current_run_or_404(video)
    boxes = wants_boxes(request.GET)
    record(request, video, Action.EXPORT, _export_detail("json", boxes))
    response = HttpResponse(json.dumps(results_document(video, run, boxes)), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(video, "json")}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    video = owned_video(request, pk)
    run = _current_run_or_404(video)
    boxes = wants_boxes(request.GET)
    record(request, video, Action.EXPORT, _export_detail("csv", boxes))
    writer = csv.writer(_Echo())
    rows = results_csv_rows(run, boxes)
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{_filename(video, "csv")}"'
    return response


def thumbnail(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    video = owned_video(request, pk)
    person = get_object_or_404(Person, pk=person_id, run__video=video)
    if not person.thumbnail_jpeg:
        # Cleared with the source video (analysis.results.source_removal): a grey placeholder.
        return HttpResponse(PLACEHOLDER.read_bytes(), content_type="image/svg+xml")
    response = HttpResponse(bytes(person.thumbnail_jpeg), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
def reprocess_video(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    try:
        run = reprocess_for_owner(video)
    except LimitReached as refusal:
        messages.error(request, str(refusal))
        return redirect("analysis:results", pk=video.pk)
    if run is None:
        messages.info(request, "This video is already being analysed.")
    else:
        messages.success(
            request,
            "The video was queued for a new analysis. It starts from the video itself: names, merges, splits "
            "and hidden persons of the current results are not carried over; study participant labels go to the "
            "person with the same face.",
        )
    return redirect("analysis:results", pk=video.pk)
