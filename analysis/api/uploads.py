"""API uploads: the upload page's form, storage and enqueue, without the HTML."""

from collections.abc import Mapping

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework import serializers
from rest_framework.settings import api_settings

from analysis.pages.upload_form import SAMPLING_CHOICES, VideoUploadForm

# The API's `sample_fps` takes the values of the page's "Frames analysed" choice.
SAMPLE_FPS_CHOICES: list[str] = [value for value, _ in SAMPLING_CHOICES]
DEFAULT_SAMPLE_FPS: str = VideoUploadForm.base_fields["sampling"].initial


def sampling_choice(value: object) -> str:
    """The form's `sampling` choice for an API `sample_fps`: "5", "5.0" and 5 all mean "5"; absent is the default."""
    if value is None or value == "":
        return DEFAULT_SAMPLE_FPS
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text  # "all", or something the form refuses with its own message
    return str(int(number)) if number.is_integer() else text


def upload_form(data, files, owner: AbstractBaseUser, upload_too_large: bool) -> VideoUploadForm:
    """The page's form, so that the API applies the same checks and limits with the same messages."""
    fields = {
        "title": data.get("title", ""),
        "sampling": sampling_choice(data.get("sample_fps")),
        "study": data.get("study") or "",
    }
    return VideoUploadForm(
        fields, {"file": files["file"]} if "file" in files else {}, owner=owner, upload_too_large=upload_too_large
    )


def form_data(data: Mapping, names: list[str], defaults: Mapping | None = None) -> dict[str, str]:
    """The named fields of a body for a page's form: their text, as a form-encoded post has them (a number in
    JSON becomes "12.5"). An object, a list or true/false where a form takes text is refused (a 400), not stored
    as "{}" or "False"."""
    defaults = defaults or {}
    fields = {}
    for name in names:
        value = data.get(name, defaults.get(name))
        if isinstance(value, Mapping | list | bool):
            raise serializers.ValidationError({name: [f"Expected text or a number, not {type(value).__name__}."]})
        if value is not None:
            fields[name] = value if isinstance(value, str) else str(value)
    return fields


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A page form's messages under the API's field names, in DRF's error shape (the markers' forms too)."""
    rename = {"sampling": "sample_fps", NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY}
    return {rename.get(field, field): [str(message) for message in messages] for field, messages in form.errors.items()}
