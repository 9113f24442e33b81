"""The upload form, shared by the upload page and the API: a video file to store, how densely to
analyse it, and the study it joins (if any). The file is checked by videos.upload_checks, then
probed (it must decode); the owner's limits are analysis.runs.limits; save() stores it and queues
its run (analysis.runs.launch)."""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from analysis.core.video_source import VideoError, VideoInfo, probe
from analysis.models import Study
from analysis.runs.launch import store_and_start
from analysis.runs.limits import UploadRefused, upload_refusals
from analysis.studies.membership import add_videos
from videos.models import Video
from videos.upload_checks import file_refusal, too_large_message

log = logging.getLogger(__name__)

SAMPLING_CHOICES = [
    ("1", "1 frame per second"),
    ("2", "2 frames per second"),
    ("5", "5 frames per second (recommended)"),
    ("10", "10 frames per second"),
    ("all", "Every frame (slowest)"),
]


def sample_fps_from_choice(choice: str) -> float | None:
    return None if choice == "all" else float(choice)


class VideoUploadForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(label="Video file", help_text="mp4, mov, webm, mkv or avi")
    sampling = forms.ChoiceField(choices=SAMPLING_CHOICES, initial="5", label="Frames analysed")
    study = forms.ModelChoiceField(
        queryset=Study.objects.none(),
        required=False,
        empty_label="(none)",
        help_text="optional: compare it with others",
    )

    def __init__(self, *args, owner: AbstractBaseUser | None = None, upload_too_large: bool = False, **kwargs):
        """`owner`, whose limits a bound form checks, is who save() stores the video for;
        `upload_too_large`: the upload handler stopped reading the request (videos.upload_handlers)."""
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.upload_too_large = upload_too_large
        self.video_info: VideoInfo | None = None
        accept = ",".join(f".{ext}" for ext in settings.VIDEO_EXTENSIONS)
        if owner is not None and owner.is_authenticated:
            self.fields["study"].queryset = Study.objects.filter(owner=owner)
        self.fields["file"].widget.attrs["accept"] = accept

    def clean(self):
        if self.upload_too_large:
            self.add_error("file", too_large_message())
        cleaned_data = super().clean()
        if "file" in cleaned_data:  # only a file that passed its own checks, its size first, meets the limits
            self._add_refusals(upload_refusals(self.owner, cleaned_data["file"].size))
        return cleaned_data

    def _add_refusals(self, refusals: list[tuple[str | None, str]]) -> None:
        for field, message in refusals:
            self.add_error(field, message)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if message := file_refusal(upload):
            raise forms.ValidationError(message)
        try:
            self.video_info = probe(upload.temporary_file_path())
        except VideoError as error:
            raise forms.ValidationError(f"This is not a video we can read: {error}") from error
        except Exception as error:  # a decoder's surprise must be a refusal, not a server error
            log.exception("Probing upload %r failed", upload.name)
            raise forms.ValidationError("This is not a video we can read.") from error
        return upload

    @property
    def sample_fps(self) -> float | None:
        return sample_fps_from_choice(self.cleaned_data["sampling"])

    def save(self) -> Video | None:
        """Store the valid upload for the owner and queue its analysis (the page and the API both call this).

        None, with the form's errors, when a concurrent request took the owner past a limit since
        validation.
        """
        try:
            video = store_and_start(
                self.owner, self.cleaned_data["title"], self.cleaned_data["file"], self.video_info, self.sample_fps
            )
        except UploadRefused as refused:
            self._add_refusals(refused.refusals)
            return None
        if study := self.cleaned_data.get("study"):
            add_videos(study, [video])
        return video
