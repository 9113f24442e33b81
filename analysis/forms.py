"""Forms of the results page's identity review."""

from django import forms

from .models import Person


class RenameForm(forms.Form):
    name = forms.CharField(max_length=80, required=False, help_text="Empty: back to the number")


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(queryset=Person.objects.none(), label="Merge into", empty_label=None)

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = person.run.persons.filter(hidden=False).exclude(pk=person.pk)
        self.fields["into"].label_from_instance = lambda other: other.label


class SplitForm(forms.Form):
    at_s = forms.FloatField(min_value=0, label="Split at (s)")
