"""Forms of the results page: identity review and event markers."""

from django import forms
from django.contrib import messages

from analysis.core.markers import MAX_LABEL, MarkerFileError, parse_time, read_marker_csv
from analysis.models import Person

MAX_MARKER_FILE_BYTES = 256 * 1024


class RenameForm(forms.Form):
    name = forms.CharField(max_length=80, required=False, help_text="Empty: back to the number")


class MergeForm(forms.Form):
    """The person to merge into: chosen in the list (`into`), or by their number (`into_number`), which a big
    room's form offers without JavaScript (its list is filled by merge_choices.js); a number given wins."""

    into = forms.ModelChoiceField(queryset=Person.objects.none(), label="Merge into", empty_label=None, required=False)
    into_number = forms.IntegerField(min_value=1, required=False, label="Person number")

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["into"].queryset = person.run.persons.filter(hidden=False).exclude(pk=person.pk)
        self.fields["into"].label_from_instance = lambda other: other.label

    def clean(self) -> dict:
        cleaned = super().clean()
        number = cleaned.get("into_number")
        if number is not None:
            cleaned["into"] = self.fields["into"].queryset.filter(number=number).first()
            if cleaned["into"] is None:
                raise forms.ValidationError(
                    f"There is no other shown person {number} to merge {self.person.label} with."
                )
        elif cleaned.get("into") is None and not self.errors:
            raise forms.ValidationError("Choose the person to merge with.")
        return cleaned


class SplitForm(forms.Form):
    at_s = forms.FloatField(min_value=0, label="Split at (s)")


class CalmStretchForm(forms.Form):
    """A person's calm stretch (from_s to to_s), or `estimate` for the app's own estimate."""

    from_s = forms.FloatField(min_value=0, required=False, label="Calm from (s)")
    to_s = forms.FloatField(min_value=0, required=False, label="to (s)")
    estimate = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("estimate"):
            data["stretch"] = None
            return data
        start, end = data.get("from_s"), data.get("to_s")
        if start is None or end is None:
            raise forms.ValidationError("Give the calm stretch's start and end in seconds.")
        if end <= start:
            raise forms.ValidationError("The calm stretch must end after it starts.")
        data["stretch"] = (start, end)
        return data


class MarkerForm(forms.Form):
    t = forms.CharField(label="Time", help_text="seconds, or m:ss")
    label = forms.CharField(max_length=MAX_LABEL)

    def clean_t(self) -> float:
        try:
            return parse_time(self.cleaned_data["t"])
        except ValueError:
            raise forms.ValidationError("Give the time in seconds (75.5) or as m:ss (1:15.5).") from None


class MarkerImportForm(forms.Form):
    file = forms.FileField(label="CSV of time,label")

    def clean_file(self) -> list[tuple[float, str]]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_MARKER_FILE_BYTES:
            raise forms.ValidationError(f"The marker file is over {MAX_MARKER_FILE_BYTES // 1024} KB.")
        try:
            return read_marker_csv(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The marker file is not UTF-8 text.") from None
        except MarkerFileError as error:
            raise forms.ValidationError(str(error)) from None


def report_form_errors(request, form: forms.Form) -> None:
    """A refused form's messages, shown on the page the action redirects to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
