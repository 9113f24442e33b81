"""The API's representations: videos (status and progress of the latest run), markers and persons; request bodies."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis.core.markers import MAX_LABEL
from analysis.models import AnalysisRun, Marker, Person
from analysis.pages.forms import MAX_MARKER_FILE_BYTES
from videos.ids import MAX_ID
from videos.models import PreviewStatus, Video

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


class PreviewSerializer(serializers.Serializer):
    """The browser preview: an H.264 copy made of a source browsers cannot play (HEVC, ProRes, mkv...)."""

    status = serializers.ChoiceField(
        choices=[choice for choice in PreviewStatus.choices if choice[0]],
        help_text="making, ready (the video's file/ streams it) or failed",
    )
    reason = serializers.CharField(help_text="Why browsers cannot play the source")
    error = serializers.CharField(help_text="Why the preview could not be made; empty unless failed")


class VideoSerializer(serializers.ModelSerializer):
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    status = serializers.SerializerMethodField(help_text="The latest run's status; null before any run")
    status_label = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(help_text="Why the latest run failed or was cancelled")
    progress = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField(help_text="The browser preview; null when browsers play the source")
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
            "source_deleted_at",
            "status",
            "status_label",
            "error",
            "progress",
            "preview",
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

    @extend_schema_field(PreviewSerializer(allow_null=True))
    def get_preview(self, video: Video) -> dict | None:
        if not video.preview_status:
            return None
        return PreviewSerializer(
            {"status": video.preview_status, "reason": video.preview_reason, "error": video.preview_error}
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

    # For the schema only: the view validates with analysis.pages.upload_form.VideoUploadForm, for the same messages.

    title = serializers.CharField(max_length=200)
    file = serializers.FileField(help_text="mp4, mov, webm, mkv or avi")
    sample_fps = serializers.ChoiceField(
        choices=SAMPLE_FPS_CHOICES,
        default=DEFAULT_SAMPLE_FPS,
        required=False,
        help_text="Frames analysed per second, or `all` for every frame",
    )
    study = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The id of one of your studies to put the video in"
    )


# Event markers


@extend_schema_field({"oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "example": "1:15.5"}]})
class MarkerTimeField(serializers.Field):
    """Seconds as a number, or a string: "75.5", "1:15.5" or "0:01:15.5"."""


class MarkerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Marker
        fields = ["id", "t", "label"]
        read_only_fields = fields


class MarkerCreateSerializer(serializers.Serializer):
    """A marker to add, checked as on the results page."""

    # For the schema only: the view validates with analysis.pages.forms.MarkerForm, for the same messages.

    t = MarkerTimeField(help_text='Seconds from the start (12.5), or m:ss / h:mm:ss as a string ("0:12.5")')
    label = serializers.CharField(max_length=MAX_LABEL)


class MarkerImportSerializer(serializers.Serializer):
    """The import's multipart field, checked as on the results page."""

    # For the schema only: the view validates with analysis.pages.forms.MarkerImportForm.

    file = serializers.FileField(
        help_text=f"UTF-8 CSV of `time,label` lines (an optional header row `time,label`), up to "
        f"{MAX_MARKER_FILE_BYTES // 1024} KB"
    )


# Persons of the shown results (identity review)


class FacialStatesSerializer(serializers.Serializer):
    """A person's facial states over the video (docs/facial-states.md), each against their own usual face."""

    measured = serializers.FloatField(help_text="Share of samples with facial measures (others: face under 40 px)")
    eyes_closed = serializers.FloatField(help_text="Share of measured samples with both eyes closed")
    long_closures = serializers.IntegerField(help_text="Eye closures of 1 s or more")
    blink_rate = serializers.FloatField(
        allow_null=True, help_text="Blinks a minute while the face was seen; null: sampled under 10 fps"
    )
    talking = serializers.FloatField(help_text="Share of measured samples whose mouth moved like speech")
    smiling = serializers.FloatField(help_text="Share with the smile measure 0.15 over their median")
    brows_raised = serializers.FloatField(help_text="Share with the brows raised against their median")
    brows_lowered = serializers.FloatField(help_text="Share with the brows lowered or pulled together")


class PersonSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text='"Ada (person 1)", or "Person 1" without a name')
    dominant = serializers.CharField(read_only=True, help_text="The emotion leading most samples")
    shares = serializers.DictField(
        child=serializers.FloatField(), read_only=True, help_text="Per emotion: the share of samples it leads"
    )
    mean = serializers.DictField(
        child=serializers.FloatField(), read_only=True, help_text="Per emotion: the mean probability"
    )
    valence = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Mean valence, -1 (negative) to 1 (happy), 0 for a calm face; null: no samples",
    )
    calm_from_s = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Start of the calm stretch the user chose; null: the app's estimate"
    )
    calm_to_s = serializers.FloatField(read_only=True, allow_null=True, help_text="End of that stretch")
    looking_down = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Share of samples with the head pitched down past 20 degrees (they weigh less); null: no pose",
    )
    attention = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=(
            "Share of samples attending: facing the camera (yaw and pitch within ATTENTION_MAX_DEG) with the "
            "eyes open (a closure longer than a blink counts against it); head pose only where `facial` is "
            "null; null: no pose"
        ),
    )
    facial = FacialStatesSerializer(
        read_only=True, allow_null=True, help_text="The facial states summed up; null: not measured"
    )

    class Meta:
        model = Person
        fields = [
            "number",
            "name",
            "label",
            "hidden",
            "first_s",
            "last_s",
            "sample_count",
            "dominant",
            "shares",
            "mean",
            "valence",
            "calm_from_s",
            "calm_to_s",
            "looking_down",
            "attention",
            "facial",
        ]
        read_only_fields = fields


CALM_HELP = (
    "The person's calm stretch, in seconds (both, or both null for the app's estimate from their neutral "
    "moments): their valence's 0"
)
MAX_SECONDS = 366 * 24 * 3600.0  # a time in a video: no video is longer than a year


class PersonUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=Person._meta.get_field("name").max_length,
        allow_blank=True,
        required=False,
        help_text="Empty: back to the number",
    )
    hidden = serializers.BooleanField(
        required=False, help_text="true hides a false face from charts and exports (its samples are kept)"
    )
    calm_from_s = serializers.FloatField(
        min_value=0, max_value=MAX_SECONDS, allow_null=True, required=False, help_text=CALM_HELP
    )
    calm_to_s = serializers.FloatField(
        min_value=0, max_value=MAX_SECONDS, allow_null=True, required=False, help_text=CALM_HELP
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError(
                "Give name, hidden, the calm stretch (calm_from_s and calm_to_s) or more."
            )
        calm = [attrs.get(key) for key in ("calm_from_s", "calm_to_s") if key in attrs]
        if calm:
            if len(calm) == 1 or (calm[0] is None) != (calm[1] is None):
                raise serializers.ValidationError(
                    "Give calm_from_s and calm_to_s together (both null: the app's estimate)."
                )
            if calm[0] is not None and calm[1] <= calm[0]:
                raise serializers.ValidationError("The calm stretch must end after it starts.")
        return attrs


class PersonMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The number of the person who keeps the samples"
    )


class PersonSplitSerializer(serializers.Serializer):
    at_s = serializers.FloatField(min_value=0, help_text="Samples from this time on become a new person")
