"""The API's video representation (status and progress of the latest run) and the upload's fields."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis.models import AnalysisRun
from videos.models import Video

from .uploads import DEFAULT_SAMPLE_FPS, SAMPLE_FPS_CHOICES


def latest_run(video: Video) -> AnalysisRun | None:
    # The views prefetch the runs newest first (one query for a whole page); a fresh video has none.
    runs = getattr(video, "runs_newest_first", None)
    if runs is None:
        return video.latest_run
    return runs[0] if runs else None


def has_results(video: Video) -> bool:
    runs = getattr(video, "runs_newest_first", None)
    if runs is None:
        return video.runs.filter(status=AnalysisRun.Status.SUCCEEDED).exists()
    return any(run.status == AnalysisRun.Status.SUCCEEDED for run in runs)


class ProgressSerializer(serializers.Serializer):
    """The latest run's progress, as the results page's progress.json reports it."""

    frames_done = serializers.IntegerField()
    frames_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    eta_s = serializers.FloatField(allow_null=True, help_text="Seconds left, while running; else null")
    sample_fps = serializers.FloatField(allow_null=True, help_text="Frames analysed per second; null: every frame")


class VideoSerializer(serializers.ModelSerializer):
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    status = serializers.SerializerMethodField(help_text="The latest run's status; null before any run")
    status_label = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(help_text="Why the latest run failed or was cancelled")
    progress = serializers.SerializerMethodField()
    has_results = serializers.SerializerMethodField(help_text="Whether results/ and results.csv answer (not 404)")
    url = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()
    results_csv_url = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = [
            "id",
            "title",
            "original_name",
            "uploaded_at",
            "duration_s",
            "fps",
            "width",
            "height",
            "size_bytes",
            "status",
            "status_label",
            "error",
            "progress",
            "has_results",
            "url",
            "results_url",
            "results_csv_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=AnalysisRun.Status.choices, allow_null=True))
    def get_status(self, video: Video) -> str | None:
        run = latest_run(video)
        return run.status if run else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status_label(self, video: Video) -> str | None:
        run = latest_run(video)
        return run.get_status_display() if run else None

    def get_error(self, video: Video) -> str:
        run = latest_run(video)
        return run.error if run else ""

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, video: Video) -> dict | None:
        run = latest_run(video)
        if run is None:
            return None
        return ProgressSerializer(
            {
                "frames_done": run.frames_done,
                "frames_total": run.frames_total,
                "percent": run.percent,
                "eta_s": run.eta_s,
                "sample_fps": run.sample_fps,
            }
        ).data

    def get_has_results(self, video: Video) -> bool:
        return has_results(video)

    def _absolute(self, name: str, video: Video) -> str:
        path = reverse(name, args=[video.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, video: Video) -> str:
        return self._absolute("api:video-detail", video)

    @extend_schema_field(OpenApiTypes.URI)
    def get_results_url(self, video: Video) -> str:
        return self._absolute("api:video-results", video)

    @extend_schema_field(OpenApiTypes.URI)
    def get_results_csv_url(self, video: Video) -> str:
        return self._absolute("api:video-results-csv", video)


class VideoUploadSerializer(serializers.Serializer):
    """The upload's multipart fields, checked as on the upload page."""

    # For the schema only: the view validates with videos.forms.VideoUploadForm, for the same messages.

    title = serializers.CharField(max_length=200)
    file = serializers.FileField(help_text="mp4, mov, webm, mkv or avi")
    sample_fps = serializers.ChoiceField(
        choices=SAMPLE_FPS_CHOICES,
        default=DEFAULT_SAMPLE_FPS,
        required=False,
        help_text="Frames analysed per second, or `all` for every frame",
    )
