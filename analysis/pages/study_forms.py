"""Forms of the study pages: the study itself, its variables, its videos and the values CSV."""

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

from analysis.models import Study, StudyVariable
from analysis.studies.comparison import UNITS
from videos.models import Video

MAX_VALUES_FILE_BYTES = 512 * 1024
ALL_VIDEOS = "*"  # the comparison's choice of no variable (without a choice, the first variable is compared)


class StudyForm(forms.ModelForm):
    class Meta:
        model = Study
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, owner: AbstractBaseUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Study.objects.filter(owner=self.owner, name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("You have a study with this name already.")
        return name

    def save(self, commit: bool = True) -> Study:
        self.instance.owner = self.owner
        return super().save(commit)


class VariableForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="letters, digits and _, e.g. condition or week")
    kind = forms.ChoiceField(choices=StudyVariable.Kind.choices, initial=StudyVariable.Kind.TEXT)


class RenameVariableForm(forms.Form):
    name = forms.CharField(max_length=40)


class AddVideosForm(forms.Form):
    videos = forms.ModelMultipleChoiceField(queryset=Video.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, study: Study, **kwargs):
        super().__init__(*args, **kwargs)
        present = study.memberships.values_list("video_id", flat=True)
        self.fields["videos"].queryset = Video.objects.filter(owner=study.owner).exclude(pk__in=present)


class ValuesImportForm(forms.Form):
    file = forms.FileField(label="CSV of video_title and variables")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VALUES_FILE_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_VALUES_FILE_BYTES // 1024} KB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class ViewForm(forms.Form):
    """The study page's choices (its query string): what to compare, over what, and how to align time."""

    variable = forms.ChoiceField(required=False)
    unit = forms.ChoiceField(choices=[(u, u) for u in UNITS], required=False)
    lines = forms.ChoiceField(required=False)
    align = forms.ChoiceField(required=False)

    def __init__(self, *args, variables: list[str], markers: list[tuple[str, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variable"].choices = [(ALL_VIDEOS, "all videos together"), *((v, v) for v in variables)]
        self.fields["lines"].choices = [("", "one per video"), *((v, f"one per {v}") for v in variables)]
        self.fields["align"].choices = [
            ("", "video time"),
            *((label, f"from “{label}” ({n} videos)") for label, n in markers),
        ]

    def choice(self, name: str) -> str | None:
        """The valid choice, or None (an unknown value in the URL falls back to the default)."""
        return (self.cleaned_data.get(name) or None) if self.is_valid() else None
