"""The study pages: the list of studies, a study's page (its videos' table, comparisons, time lines,
participants), the forms that edit it, and its downloads."""

import csv
import json
from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from analysis.core.emotions import EMOTIONS
from analysis.core.study_stats import MIN_UNITS
from analysis.models import Person, Study, StudyVariable
from analysis.pages.forms import report_form_errors
from analysis.pages.session_link_views import study_sessions
from analysis.pages.study_charts import comparison_figures, lines_figure, participants_figure
from analysis.pages.study_forms import (
    ALL_VIDEOS,
    AddVideosForm,
    RenameVariableForm,
    StudyForm,
    ValuesImportForm,
    VariableForm,
    ViewForm,
)
from analysis.studies import membership, participants
from analysis.studies.comparison import compare, marker_labels, participants_across_videos, room_lines, video_rows
from analysis.studies.membership import StudyInputError, owned_study
from analysis.studies.tidy_export import export_detail, study_csv_rows, study_document
from videos.access_log import Action, record_many


@require_http_methods(["GET", "POST"])
def study_list(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        study = form.save()
        messages.success(request, f"Study “{study.name}” created. Add its videos and variables.")
        return redirect(study)
    studies = Study.objects.filter(owner=request.user).annotate(video_count=Count("memberships"))
    return render(request, "studies/list.html", {"studies": studies, "form": form})


def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    variables = list(study.variables.all())
    names = [variable.name for variable in variables]
    markers = marker_labels(study)
    view = ViewForm(request.GET, variables=names, markers=markers)
    chosen = view.choice("variable")
    variable = None if chosen == ALL_VIDEOS else chosen or (names[0] if names else None)
    unit = view.choice("unit") or "videos"
    rows = video_rows(study)
    comparison = compare(study, variable, unit, rows=rows)
    by, align = view.choice("lines"), view.choice("align")
    lines, left_out = room_lines(study, by, align, rows=rows)
    session_links, session_figures, session_form = study_sessions(request, study)
    across = participants_across_videos(study, rows=rows)
    charts = {
        **comparison_figures(comparison),
        "lines": lines_figure(lines, align),
        "participants": participants_figure(across) if across else None,
        "sessions": session_figures,
    }
    view = ViewForm(
        initial={"variable": variable, "unit": unit, "lines": by, "align": align}, variables=names, markers=markers
    )
    context = {
        "study": study,
        "variables": variables,
        "rows": rows,
        "emotions": EMOTIONS,
        "comparison": comparison,
        "view": view,
        "lines_left_out": left_out,
        "align": align,
        "participants": across,
        "charts": charts,
        "study_form": StudyForm(instance=study, owner=request.user),
        "variable_form": VariableForm(auto_id="variable-%s"),
        "add_videos_form": AddVideosForm(study=study),
        "import_form": ValuesImportForm(),
        "kinds": StudyVariable.Kind,
        "min_units": MIN_UNITS,
        "session_links": session_links,
        "session_form": session_form,
    }
    return render(request, "studies/detail.html", context)


@require_POST
def edit_study(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    form = StudyForm(request.POST, instance=study, owner=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, "Study saved.")
    else:
        report_form_errors(request, form)
    return redirect(study)


@require_http_methods(["GET", "POST"])
def delete_study(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    if request.method == "POST":
        name = study.name
        study.delete()
        messages.success(request, f"Study “{name}” was deleted; its videos and their results stay.")
        return redirect("studies:list")
    return render(request, "studies/delete.html", {"study": study})


@require_POST
def add_videos(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    form = AddVideosForm(request.POST, study=study)
    if form.is_valid():
        added = membership.add_videos(study, list(form.cleaned_data["videos"]))
        messages.success(request, f"{added} video{'s' * (added != 1)} added.")
    else:
        report_form_errors(request, form)
    return redirect(study)


@require_POST
def remove_video(request: HttpRequest, pk: int, video_id: int) -> HttpResponse:
    study = owned_study(request, pk)
    if membership.remove_video(study, video_id):
        messages.success(request, "The video was taken out of the study (it is still in your videos).")
    return redirect(study)


def _apply(request: HttpRequest, form, action: Callable[[dict], object]) -> None:
    """Run `action` on a valid form's data; the form's or the action's refusal becomes a message."""
    if not form.is_valid():
        report_form_errors(request, form)
        return
    try:
        action(form.cleaned_data)
    except StudyInputError as error:
        messages.error(request, str(error))


@require_POST
def add_variable(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    _apply(request, VariableForm(request.POST), lambda data: membership.add_variable(study, data["name"], data["kind"]))
    return redirect(study)


@require_POST
def rename_variable(request: HttpRequest, pk: int, variable_id: int) -> HttpResponse:
    study = owned_study(request, pk)
    variable = get_object_or_404(study.variables, pk=variable_id)
    _apply(request, RenameVariableForm(request.POST), lambda data: membership.rename_variable(variable, data["name"]))
    return redirect(study)


@require_POST
def delete_variable(request: HttpRequest, pk: int, variable_id: int) -> HttpResponse:
    study = owned_study(request, pk)
    variable = get_object_or_404(study.variables, pk=variable_id)
    membership.delete_variable(variable)
    messages.success(request, f"Variable “{variable.name}” and its values were deleted.")
    return redirect(study)


@require_POST
def save_values(request: HttpRequest, pk: int) -> HttpResponse:
    """The table's cells, named value-MEMBERSHIP-VARIABLE; all of them or none are saved."""
    study = owned_study(request, pk)
    variables = {str(v.pk): v.name for v in study.variables.all()}
    try:
        with transaction.atomic():
            for entry in study.memberships.select_related("video"):
                cells = {
                    name: request.POST[key]
                    for variable_id, name in variables.items()
                    if (key := f"value-{entry.pk}-{variable_id}") in request.POST
                }
                try:
                    membership.set_values(entry, cells)
                except StudyInputError as error:
                    raise StudyInputError(f"“{entry.video.title}”: {error}") from None
    except StudyInputError as error:
        messages.error(request, f"Nothing was saved. {error}")
    else:
        messages.success(request, "Values saved.")
    return redirect(study)


@require_POST
def import_values(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    form = ValuesImportForm(request.POST, request.FILES)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(study)
    try:
        count = membership.import_values_csv(study, form.cleaned_data["file"])
    except StudyInputError as error:
        messages.error(request, f"Nothing was imported. {error}")
    else:
        messages.success(request, f"Values of {count} video{'s' * (count != 1)} imported.")
    return redirect(study)


def participants_page(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    rows = [row for row in video_rows(study) if row.run_id is not None]
    persons = participants.study_persons(study, [row.run_id for row in rows])
    labels = participants.labels_by_person(study)
    for person in persons:
        person.participant = labels.get(person.pk, "")
    by_video: dict[int, list[Person]] = {}
    for person in persons:
        by_video.setdefault(person.run.video_id, []).append(person)
    context = {
        "study": study,
        "videos": [(row, by_video.get(row.video_id, [])) for row in rows],
        "suggestions": participants.suggestions(study, persons),
        "distance": participants.SAME_PERSON_DISTANCE,
    }
    return render(request, "studies/participants.html", context)


def _study_persons(study: Study, ids: list[str]) -> list[Person]:
    """Persons of the study's videos' shown runs, by id; an id of any other person is a 404."""
    run_ids = [row.run_id for row in video_rows(study) if row.run_id is not None]
    wanted = {int(i) for i in ids if i.isdigit()}
    found = list(Person.objects.filter(pk__in=wanted, run_id__in=run_ids).select_related("run"))
    if len(found) != len(wanted):
        raise Http404("No such person in this study.")
    return found


@require_POST
def save_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """Fields label-PERSON: each person's participant label (empty removes it); all or none."""
    study = owned_study(request, pk)
    keys = [key for key in request.POST if key.startswith("label-")]
    persons = {str(p.pk): p for p in _study_persons(study, [key.removeprefix("label-") for key in keys])}
    try:
        with transaction.atomic():
            for key in keys:
                participants.set_label(study, persons[key.removeprefix("label-")], request.POST[key])
    except StudyInputError as error:
        messages.error(request, f"Nothing was saved. {error}")
    else:
        messages.success(request, "Participant labels saved.")
    return redirect("studies:participants", pk=study.pk)


@require_POST
def confirm_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    persons = _study_persons(study, request.POST.getlist("person"))
    try:
        participants.confirm(study, request.POST.get("label", ""), persons)
    except StudyInputError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{len(persons)} persons labelled “{request.POST.get('label', '').strip()}”.")
    return redirect("studies:participants", pk=study.pk)


def _filename(study: Study, extension: str) -> str:
    return f"{slugify(study.name) or 'study'}-{study.pk}.{extension}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    study = owned_study(request, pk)
    record_many(request, study.videos.all(), Action.EXPORT, export_detail(study, "csv"))
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in study_csv_rows(study)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{_filename(study, "csv")}"'
    return response


def export_json(request: HttpRequest, pk: int) -> HttpResponse:
    study = owned_study(request, pk)
    record_many(request, study.videos.all(), Action.EXPORT, export_detail(study, "json"))
    response = HttpResponse(json.dumps(study_document(study)), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(study, "json")}"'
    return response
