"""Privacy pages: delete a video's source and keep its results, erase one person, the owner's retention.

Each action has a confirmation page (GET) that says what goes, and acts on POST.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from analysis.models import AnalysisRun, Person
from analysis.results.person_erasure import ErasureRefused, erase
from analysis.results.source_removal import SourceRemovalRefused, delete_source
from analysis.runs.retention import retention_days
from videos.models import RetentionPolicy
from videos.ownership import owned_video


@require_http_methods(["GET", "POST"])
def delete_source_page(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    if request.method == "POST":
        try:
            delete_source(video, by=request, via="page")
        except SourceRemovalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"The source video of “{video.title}” was deleted; its results stay.")
        return redirect("analysis:results", pk=video.pk)
    return render(request, "analysis/delete_source.html", {"video": video})


@require_http_methods(["GET", "POST"])
def erase_person_page(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    video = owned_video(request, pk)
    person = get_object_or_404(Person, pk=person_id, run=AnalysisRun.shown_for(video))
    if request.method == "POST":
        label = person.label
        try:
            erase(person, by=request)
        except ErasureRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("analysis:results", pk=video.pk)
        text = f"{label} was erased from these results."
        if request.POST.get("delete_source") and not video.source_deleted_at:
            try:
                delete_source(video, by=request, via="page")
                text += " The source video was deleted."
            except SourceRemovalRefused as refusal:
                messages.error(request, str(refusal))
        messages.success(request, text)
        return redirect("analysis:results", pk=video.pk)
    return render(request, "analysis/erase_person.html", {"video": video, "person": person})


class RetentionForm(forms.Form):
    keep = forms.TypedChoiceField(
        choices=[("1", "Keep source videos until I delete them"), ("0", "Delete source videos after their analysis")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(min_value=1, max_value=3650, required=False, label="days after their analysis")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keep") is False and not cleaned.get("days"):
            self.add_error("days", "Say after how many days.")
        return cleaned


@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    days = retention_days(request.user)
    form = RetentionForm(request.POST or None, initial={"keep": "1" if days is None else "0", "days": days or 30})
    if request.method == "POST" and form.is_valid():
        chosen = None if form.cleaned_data["keep"] else form.cleaned_data["days"]
        RetentionPolicy.objects.update_or_create(owner=request.user, defaults={"delete_sources_after_days": chosen})
        messages.success(
            request, "Source videos are kept." if chosen is None else f"Source videos go {chosen} days after analysis."
        )
        return redirect("videos:retention")
    has_own = RetentionPolicy.objects.filter(owner=request.user).exists()
    return render(request, "videos/retention.html", {"form": form, "days": days, "has_own": has_own})
