import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse


def video_upload_path(video: "Video", filename: str) -> str:
    # A random name: the user's file name never reaches the storage path.
    return f"videos/{video.owner_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class PreviewStatus(models.TextChoices):
    """The browser preview: an H.264 copy of a source browsers cannot play (HEVC, ProRes, mkv...)."""

    NOT_NEEDED = "", "Not needed: browsers play the source"
    MAKING = "making", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Video(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=video_upload_path, max_length=500)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    duration_s = models.FloatField()
    fps = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    frame_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # "Delete the video, keep the results": when the source file (and the persons' thumbnails) went.
    source_deleted_at = models.DateTimeField(null=True, blank=True)
    # A source browsers cannot play gets a playable H.264 copy, stored beside it and deleted with it, that
    # the player streams; analyses and downloads keep reading the source (`file`).
    preview = models.FileField(max_length=500, blank=True)
    preview_status = models.CharField(max_length=8, choices=PreviewStatus.choices, default="", blank=True)
    preview_reason = models.CharField(max_length=200, blank=True, help_text="why browsers cannot play the source")
    preview_error = models.CharField(max_length=300, blank=True, help_text="why the preview could not be made")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("analysis:results", args=[self.pk])

    @property
    def latest_run(self):
        return self.runs.order_by("-created_at", "-id").first()

    @property
    def playable_file(self) -> FieldFile:
        """What the player streams: the preview when there is one, else the source."""
        return self.preview if self.preview else self.file

    @property
    def playable_content_type(self) -> str:
        return "video/mp4" if self.preview else self.content_type

    @property
    def content_type(self) -> str:
        suffix = PurePath(self.file.name).suffix.lower()
        return {
            ".mp4": "video/mp4",
            ".mov": "video/quicktime",
            ".webm": "video/webm",
            ".mkv": "video/x-matroska",
            ".avi": "video/x-msvideo",
        }.get(suffix, "application/octet-stream")


class PartialUpload(models.Model):
    """A resumable upload in progress (tus): the bytes received so far are in a file of the partial
    upload area (videos.partial_uploads); it becomes a Video when its last byte arrives."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partial_uploads")
    filename = models.CharField(max_length=255)
    # What the uploader said besides the file (the upload form's other fields: title, sampling).
    metadata = models.JSONField(default=dict)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    # Set when the last byte made it a video: kept until it expires, so that a client whose
    # connection broke as the last chunk went in learns from HEAD that it is stored.
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.length} bytes)"


class RetentionPolicy(models.Model):
    """A user's default retention: their source videos are deleted this many days after analysis
    (the results stay). Empty: kept until the user deletes them."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention")
    delete_sources_after_days = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        days = self.delete_sources_after_days
        return f"{self.owner}: sources kept {days} days" if days else f"{self.owner}: sources kept"


class AccessEvent(models.Model):
    """Who did what to which video, and when. Kept when the video is deleted (its id and title stay,
    never its content)."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed the results"
        STREAM = "stream", "Streamed the video"
        EXPORT = "export", "Exported the results"
        BLUR = "blur", "Made a blurred copy"
        DOWNLOAD = "download", "Downloaded a blurred copy"
        SHARE = "share", "Shared"
        ERASE = "erase", "Erased a person"
        DELETE_SOURCE = "delete_source", "Deleted the source video"
        DELETE = "delete", "Deleted the video"
        # A participant of a session link (analysis.sessions): no account, `username` empty, via "session".
        CONSENT = "consent", "A participant consented"
        CAMERA_CHECK = "check", "A participant's camera check"
        RECORD = "record", "A participant's recording arrived"
        WITHDRAW = "withdraw", "A participant withdrew"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="kept if the account is deleted")
    # The video's owner, copied: after the video is deleted its FK is NULL, and this keeps the event
    # visible to the owner (their /videos/access/ page and API).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events")
    video_ref = models.PositiveIntegerField(db_index=True, help_text="the video's id, kept after it is deleted")
    video_title = models.CharField(max_length=200)
    action = models.CharField(max_length=16, choices=Action.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="what exactly: a format, a person number")
    via = models.CharField(max_length=8, default="page", help_text="page, api or system")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.action} video {self.video_ref} at {self.at:%Y-%m-%d %H:%M}"
