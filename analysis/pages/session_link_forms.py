"""The forms of a study's session links: a new link, and a link's settings (its stimulus stays)."""

from django import forms
from django.utils import timezone

from analysis.models import SessionLink
from videos.models import Video

DEFAULT_CONSENT = (
    "You are invited to take part in a study. While you watch a short video, your webcam records your face; "
    "software then estimates your facial expressions from the recording. The recording and the results are "
    "stored by the researcher and used only for this study. Taking part is voluntary: you may stop at any "
    "time, and after the session you get a code that erases your recording and its results."
)


class SessionLinkSettingsForm(forms.ModelForm):
    open_until = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: open until you pause or revoke it.",
    )
    max_recordings = forms.IntegerField(min_value=1, max_value=1000, initial=50, label="Recordings accepted")
    consent_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), initial=DEFAULT_CONSENT)

    class Meta:
        model = SessionLink
        fields = ["consent_text", "max_recordings", "open_until"]

    def clean_open_until(self):
        until = self.cleaned_data.get("open_until")
        if until is not None and until <= timezone.now():
            raise forms.ValidationError("This time has passed: choose a later one, or leave it empty.")
        return until


class SessionLinkForm(SessionLinkSettingsForm):
    name = forms.CharField(max_length=120, initial="Session 1")

    class Meta(SessionLinkSettingsForm.Meta):
        fields = ["name", "stimulus", "consent_text", "max_recordings", "open_until"]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        playable = Video.objects.filter(owner=owner, source_deleted_at__isnull=True, duration_s__gt=0)
        self.fields["stimulus"].queryset = playable.order_by("title", "id")
        self.fields["stimulus"].help_text = "One of your videos: what the participants watch."
        self.order_fields(["name", "stimulus", "consent_text", "max_recordings", "open_until"])
