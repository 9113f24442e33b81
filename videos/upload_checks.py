"""What a stored video file must be: an allowed extension (VIDEO_EXTENSIONS), not empty, and not over
VIDEO_MAX_UPLOAD_BYTES. Whether it decodes is the analysis side's check (its upload form probes it)."""

from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .storage_quota import human_size


def too_large_message() -> str:
    return f"This file is larger than the {human_size(settings.VIDEO_MAX_UPLOAD_BYTES)} limit."


def file_refusal(upload: UploadedFile) -> str | None:
    """Why this file cannot be stored, for the user; None if it can."""
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    if extension not in settings.VIDEO_EXTENSIONS:
        allowed = ", ".join(settings.VIDEO_EXTENSIONS)
        return f"Unsupported file type “.{extension}”. Upload one of: {allowed}."
    if upload.size == 0:
        return "The file is empty."
    if upload.size > settings.VIDEO_MAX_UPLOAD_BYTES:
        return too_large_message()
    return None
