import logging
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from analysis.core.video_source import VideoError, VideoInfo, probe
from analysis.runs import start_analysis

from .limits import active_runs_refusal, human_size, lock_owner, storage_refusal
from .models import Video

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

    def __init__(self, *args, owner: AbstractBaseUser | None = None, upload_too_large: bool = False, **kwargs):
        """`owner`, whose limits (videos.limits) a bound form checks, is who save() stores the video for."""
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.upload_too_large = upload_too_large
        self.video_info: VideoInfo | None = None
        accept = ",".join(f".{ext}" for ext in settings.VIDEO_EXTENSIONS)
        self.fields["file"].widget.attrs["accept"] = accept

    def clean(self):
        if self.upload_too_large:
            limit = human_size(settings.VIDEO_MAX_UPLOAD_BYTES)
            self.add_error("file", f"This file is larger than the {limit} limit.")
        cleaned_data = super().clean()
        if "file" in cleaned_data:  # only a file that passed its own checks, its size first, meets the limits
            self._refused_by_limits()
        return cleaned_data

    def _refused_by_limits(self) -> bool:
        """Adds the owner's limits' messages to the form; True if any refuses this upload."""
        refusals = [
            ("file", storage_refusal(self.owner, self.cleaned_data["file"].size)),
            (None, active_runs_refusal(self.owner, "uploading another")),
        ]
        for field, message in refusals:
            if message:
                self.add_error(field, message)
        return any(message for _, message in refusals)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in settings.VIDEO_EXTENSIONS:
            allowed = ", ".join(settings.VIDEO_EXTENSIONS)
            raise forms.ValidationError(f"Unsupported file type “.{extension}”. Upload one of: {allowed}.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > settings.VIDEO_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is larger than the {human_size(settings.VIDEO_MAX_UPLOAD_BYTES)} limit."
            )
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
        validation. The row and the queued run commit together, the job is enqueued on commit, and a
        failure or refusal leaves no file behind.
        """
        info = self.video_info
        uploaded = self.cleaned_data["file"]
        video = Video(
            owner=self.owner,
            title=self.cleaned_data["title"],
            original_name=uploaded.name[:255],
            size_bytes=uploaded.size,
            duration_s=info.duration_s,
            fps=info.fps,
            width=info.width,
            height=info.height,
            frame_count=info.frame_count,
        )
        # Stored before the transaction: the owner's row stays locked only while counting and inserting.
        video.file.save(uploaded.name, uploaded, save=False)
        try:
            with transaction.atomic():
                lock_owner(self.owner)
                if self._refused_by_limits():  # counted again, now under the lock
                    video.file.delete(save=False)
                    return None
                video.save()
                start_analysis(video, self.sample_fps)
        except Exception:
            video.file.delete(save=False)
            raise
        return video
