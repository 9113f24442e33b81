"""The identity review's actions on the results page (analysis.results.identity_edits does the work). Each is a POST:
answered with a redirect back to the page, or with the changed parts of the page when its script asks
(page_updates.py)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from analysis.models import AnalysisRun, Person
from analysis.pages.forms import CalmStretchForm, MergeForm, RenameForm, SplitForm, report_form_errors
from analysis.pages.page_updates import page_update, wants_update
from analysis.results import identity_edits as identity
from videos.ownership import owned_video


def _person(request: HttpRequest, pk: int, person_id: int) -> Person:
    """A person of the video's shown results (its newest succeeded run), or 404."""
    video = owned_video(request, pk)
    return get_object_or_404(
        Person.objects.select_related("run__video"), pk=person_id, run=AnalysisRun.shown_for(video)
    )


def _back(
    request: HttpRequest, person: Person, *, changed: tuple[Person, ...] = (), redrawn: tuple[Person, ...] = ()
) -> HttpResponse:
    """Back to the person's section: a redirect, or (for the page's script) the sections of `changed` persons and
    the charts of `redrawn` ones, with the room's."""
    if wants_update(request):
        return page_update(
            request,
            person.run,
            changed_persons=[p.pk for p in changed],
            redrawn_persons=[p.pk for p in redrawn],
            focus=f"person-{person.number}",
        )
    response = redirect("analysis:results", pk=person.run.video_id)
    response["Location"] += f"#person-{person.number}"
    return response


@require_POST
def rename_person(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    person = _person(request, pk, person_id)
    form = RenameForm(request.POST)
    if form.is_valid():
        identity.rename(person, form.cleaned_data["name"])
        messages.success(request, "Renamed.")
    else:
        report_form_errors(request, form)
    return _back(request, person, changed=(person,))


@require_POST
def merge_person(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    person = _person(request, pk, person_id)
    form = MergeForm(request.POST, person=person)
    if not form.is_valid():
        report_form_errors(request, form)
        return _back(request, person)
    keep = form.cleaned_data["into"]
    try:
        identity.merge(keep, person)
    except identity.IdentityError as error:
        messages.error(request, str(error))
        return _back(request, person)
    messages.success(request, f"{person.label} merged into {keep.label}.")
    return _back(request, keep, changed=(keep,), redrawn=(keep,))


@require_POST
def split_person(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    person = _person(request, pk, person_id)
    form = SplitForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return _back(request, person)
    try:
        other = identity.split(person, form.cleaned_data["at_s"])
    except identity.IdentityError as error:
        messages.error(request, str(error))
        return _back(request, person)
    messages.success(
        request, f"From {form.cleaned_data['at_s']:g} s on, {person.label}'s samples are Person {other.number}."
    )
    return _back(request, other, changed=(person, other), redrawn=(person, other))


@require_POST
def hide_person(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    person = _person(request, pk, person_id)
    hidden = request.POST.get("hidden", "1") == "1"
    identity.set_hidden(person, hidden)
    messages.success(request, f"{person.label} is {'hidden (its samples are kept)' if hidden else 'shown again'}.")
    return _back(request, person, changed=(person,), redrawn=() if hidden else (person,))


@require_POST
def calm_stretch(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    person = _person(request, pk, person_id)
    form = CalmStretchForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return _back(request, person)
    stretch = form.cleaned_data["stretch"]
    try:
        identity.set_calm_stretch(person, stretch)
    except identity.IdentityError as error:
        messages.error(request, str(error))
        return _back(request, person)
    if stretch is None:
        messages.success(request, f"{person.label}'s valence is measured against the app's estimate of their calm.")
    else:
        messages.success(request, f"{person.label}'s valence is measured against {stretch[0]:g}-{stretch[1]:g} s.")
    return _back(request, person, changed=(person,))
