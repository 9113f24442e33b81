from django.contrib import admin, messages

from analysis.admin import report_reprocessed
from analysis.models import AnalysisRun
from analysis.runs import cancel, reprocess

from .models import Video


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
