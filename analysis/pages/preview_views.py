"""The results page's browser preview: its state, polled while it is made, and a failed one made again."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from analysis.runs.preview_launch import retry_preview
from videos.ownership import owned_video


def preview_state(request: HttpRequest, pk: int) -> JsonResponse:
    """What preview_state.js polls: the status, and the page's preview section rendered anew (with the
    retry form when it failed), so the page swaps it in without a reload."""
    video = owned_video(request, pk)
    html = render_to_string("analysis/preview_state.html", {"video": video}, request=request)
    return JsonResponse(
        {
            "status": video.preview_status or None,
            "reason": video.preview_reason,
            "error": video.preview_error,
            "html": html,
        }
    )


@require_POST
def make_preview_again(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    try:
        with transaction.atomic():
            retry_preview(video)
    except ValueError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "A playable copy is being made again.")
    return redirect(reverse("analysis:results", kwargs={"pk": video.pk}) + "#preview-state")
