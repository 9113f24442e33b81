"""The notice on every page that an analysis has ended since its owner last looked: a long run ends
while they are elsewhere, and the page they are on says so ("Finished: “Lecture 3”, done").

A run ends unseen (runs.lifecycle: succeeded or failed); opening the video's results page, or
dismissing the notice, marks it seen."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from analysis.models import AnalysisRun

SHOWN = 5  # the newest few; the rest are on "My videos"


def _unseen(user) -> list[AnalysisRun]:
    runs = AnalysisRun.objects.filter(video__owner=user, finish_unseen=True).select_related("video")
    return list(runs.only("status", "video__title", "video__id").order_by("-finished_at", "-id")[:SHOWN])


def finished_analyses(request: HttpRequest) -> dict:
    """Context processor: `finished_runs`, queried only by a page that shows it (base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"finished_runs": SimpleLazyObject(lambda: _unseen(user))}


def mark_seen(video) -> None:
    AnalysisRun.objects.filter(video=video, finish_unseen=True).update(finish_unseen=False)


@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    AnalysisRun.objects.filter(video__owner=request.user, finish_unseen=True).update(finish_unseen=False)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "videos:list"
    return redirect(back)
