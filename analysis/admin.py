"""The admin's pages for videos, runs, persons and studies. The Video admin is here, not in videos/, because
it lists each video's runs and reprocesses or cancels them (videos imports nothing of analysis)."""

from django.contrib import admin, messages

from analysis.models import AnalysisRun, Person, Study, StudyVariable, StudyVideo
from analysis.runs.launch import reprocess
from analysis.runs.lifecycle import cancel
from videos.models import Video


def report_reprocessed(request, runs: list[AnalysisRun | None]) -> None:
    """The admin actions' message: how many were queued, how many skipped as already analysing."""
    queued = sum(run is not None for run in runs)
    skipped = len(runs) - queued
    text = f"Queued {queued} video(s) for analysis."
    if skipped:
        text += f" Skipped {skipped} already being analysed."
    messages.success(request, text)


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "video",
        "status",
        "sample_fps",
        "frames_done",
        "frames_total",
        "persons_count",
        "created_at",
        "started_at",
        "finished_at",
        "duration_s",
    )
    list_filter = ("status", "detector", "model")
    search_fields = ("video__title", "rq_job_id", "error")
    readonly_fields = [f.name for f in AnalysisRun._meta.fields]
    actions = ["reprocess_runs", "cancel_runs"]

    @admin.display(description="Took (s)")
    def duration_s(self, run: AnalysisRun):
        return round(run.duration_s, 1) if run.duration_s is not None else None

    @admin.action(description="Reprocess the selected runs' videos")
    def reprocess_runs(self, request, queryset):
        videos = {run.video for run in queryset.select_related("video")}
        report_reprocessed(request, [reprocess(video) for video in videos])

    @admin.action(description="Cancel the selected runs")
    def cancel_runs(self, request, queryset):
        cancelled = sum(cancel(run) for run in queryset.filter(status__in=AnalysisRun.ACTIVE))
        messages.success(request, f"Cancelled {cancelled} run(s).")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "number", "dominant", "first_s", "last_s", "sample_count")
    list_filter = ("dominant",)
    exclude = ("thumbnail_jpeg",)
    readonly_fields = ("run", "track_key", "number", "first_s", "last_s", "sample_count", "dominant", "mean")


class RunInline(admin.TabularInline):
    model = AnalysisRun
    fields = (
        "status",
        "sample_fps",
        "frames_done",
        "frames_total",
        "persons_count",
        "started_at",
        "finished_at",
        "error",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "duration_s", "width", "height", "size_bytes", "created_at")
    list_filter = ("created_at",)
    search_fields = ("title", "original_name", "owner__username")
    readonly_fields = ("file", "size_bytes", "duration_s", "fps", "width", "height", "frame_count", "created_at")
    inlines = [RunInline]
    actions = ["reprocess_videos", "cancel_analyses"]

    @admin.action(description="Reprocess the selected videos")
    def reprocess_videos(self, request, queryset):
        report_reprocessed(request, [reprocess(video) for video in queryset])

    @admin.action(description="Cancel running analyses of the selected videos")
    def cancel_analyses(self, request, queryset):
        runs = AnalysisRun.objects.filter(video__in=queryset, status__in=AnalysisRun.ACTIVE)
        cancelled = sum(cancel(run) for run in runs)
        messages.success(request, f"Cancelled {cancelled} analysis run(s).")


class StudyVariableInline(admin.TabularInline):
    model = StudyVariable
    extra = 0


class StudyVideoInline(admin.TabularInline):
    model = StudyVideo
    extra = 0
    raw_id_fields = ["video"]
    fields = ["video", "values", "added_at"]
    readonly_fields = ["added_at"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    list_filter = ["owner"]
    search_fields = ["name", "owner__username"]
    inlines = [StudyVariableInline, StudyVideoInline]
