"""Event markers on the results page: add one, import a CSV of them, delete one. Each is a POST, answered with a
redirect back to the page, or with the page's new marker list and chart markers when its script asks
(page_updates.py)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from analysis.models import AnalysisRun, Marker
from analysis.pages.forms import MarkerForm, MarkerImportForm, report_form_errors
from analysis.pages.page_updates import page_update, wants_update
from analysis.results.marker_store import MarkerRefused, add_markers
from videos.ownership import owned_video


def _back(request: HttpRequest, video) -> HttpResponse:
    run = AnalysisRun.shown_for(video)
    if run is not None and wants_update(request):
        return page_update(request, run, identity=False, focus="markers")
    response = redirect("analysis:results", pk=video.pk)
    response["Location"] += "#markers"
    return response


@require_POST
def add_marker(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    form = MarkerForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return _back(request, video)
    label = form.cleaned_data["label"]
    try:
        add_markers(video, [(form.cleaned_data["t"], label)])
    except MarkerRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Marker \u201c{label}\u201d added.")
    return _back(request, video)


@require_POST
def import_markers(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    form = MarkerImportForm(request.POST, request.FILES)
    if not form.is_valid():
        report_form_errors(request, form)
        return _back(request, video)
    rows = form.cleaned_data["file"]
    try:
        add_markers(video, rows)
    except MarkerRefused as error:
        messages.error(request, str(error))
        return _back(request, video)
    messages.success(request, f"{len(rows)} marker{'s' if len(rows) != 1 else ''} imported.")
    return _back(request, video)


@require_POST
def delete_marker(request: HttpRequest, pk: int, marker_id: int) -> HttpResponse:
    video = owned_video(request, pk)
    get_object_or_404(Marker, pk=marker_id, video=video).delete()
    messages.success(request, "Marker deleted.")
    return _back(request, video)
