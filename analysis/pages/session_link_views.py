"""A study's participant session links, for their owner: make one, see its recordings and responses, change,
pause, resume or revoke it (docs/participant-sessions.md)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from analysis.models import SessionLink, SessionRecording
from analysis.pages.forms import report_form_errors
from analysis.pages.session_charts import responses_figures
from analysis.pages.session_link_forms import SessionLinkForm, SessionLinkSettingsForm
from analysis.sessions import links
from analysis.sessions.links import counted_recordings
from analysis.sessions.responses import link_responses
from analysis.studies.membership import owned_study


def study_sessions(request: HttpRequest, study) -> tuple[list[dict], dict, SessionLinkForm]:
    """The study page's sessions: each link with its count, why it is closed, and its responses along the
    stimulus; their figures by link id; and the form of a new link."""
    items, figures = [], {}
    for link in SessionLink.objects.filter(study=study).select_related("stimulus", "study").order_by("created_at"):
        found = link_responses(link)
        items.append(
            {"link": link, "counted": counted_recordings(link), "closed": links.closed_reason(link), "found": found}
        )
        if found.responses is not None:
            figures[str(link.pk)] = responses_figures(found.responses)
    return items, figures, SessionLinkForm(owner=request.user)


def owned_link(request: HttpRequest, pk: int, link_id: int) -> SessionLink:
    """The link of the user's own study; 404 for anyone else's."""
    study = owned_study(request, pk)
    return get_object_or_404(SessionLink.objects.select_related("study", "stimulus"), pk=link_id, study=study)


def participant_url(request: HttpRequest, link: SessionLink) -> str:
    return request.build_absolute_uri(reverse("participants:consent", args=[link.token]))


@require_POST
def create_link(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    form = SessionLinkForm(request.POST, owner=request.user)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(f"{study.get_absolute_url()}#sessions")
    data = form.cleaned_data
    link = links.create_link(
        study, data["name"], data["stimulus"], data["consent_text"], data["max_recordings"], data["open_until"]
    )
    messages.success(request, f"Session link “{link.name}” made: send its address to your participants.")
    return redirect("studies:session_link", pk=study.pk, link_id=link.pk)


def link_detail(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    link = owned_link(request, pk, link_id)
    context = {
        "study": link.study,
        "link": link,
        "url": participant_url(request, link),
        "recordings": list(link.recordings.select_related("video").order_by("consented_at", "id")),
        "counted": counted_recordings(link),
        "closed": links.closed_reason(link),
        "settings_form": SessionLinkSettingsForm(instance=link),
        "states": SessionLink.State,
        "recording_states": SessionRecording.State,
    }
    return render(request, "studies/session_link.html", context)


@require_POST
def update_link(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    link = owned_link(request, pk, link_id)
    form = SessionLinkSettingsForm(request.POST, instance=SessionLink.objects.get(pk=link.pk))
    if form.is_valid():
        data = form.cleaned_data
        links.update_link(link, data["consent_text"], data["max_recordings"], data["open_until"])
        messages.success(request, "Session link saved.")
    else:
        report_form_errors(request, form)
    return redirect("studies:session_link", pk=pk, link_id=link.pk)


@require_POST
def set_link_state(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    link = owned_link(request, pk, link_id)
    state = request.POST.get("state", "")
    if state not in SessionLink.State.values:
        raise Http404("No such state.")
    links.set_state(link, state)
    words = {"open": "open again", "paused": "paused", "revoked": "revoked: its address no longer works"}
    messages.success(request, f"Session link “{link.name}” {words[link.state]}.")
    return redirect("studies:session_link", pk=pk, link_id=link.pk)
