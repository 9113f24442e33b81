from django.core.management.base import BaseCommand, CommandError

from analysis.models import AnalysisRun
from analysis.runs.launch import reprocess
from videos.models import Video


class Command(BaseCommand):
    help = "Queue new analysis runs: for the given video ids, videos whose last run failed, or all videos."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="video ids")
        parser.add_argument("--failed", action="store_true", help="videos whose latest run failed or was cancelled")
        parser.add_argument("--all", action="store_true", help="every video")

    def handle(self, *args, ids, failed, all, **options):
        if not (ids or failed or all):
            raise CommandError("Name video ids, or use --failed or --all.")
        videos = Video.objects.all() if all else Video.objects.filter(pk__in=ids)
        if ids and videos.count() != len(set(ids)):
            missing = sorted(set(ids) - set(videos.values_list("pk", flat=True)))
            raise CommandError(f"No video with id {', '.join(map(str, missing))}.")
        if failed and not all:
            ended = (AnalysisRun.Status.FAILED, AnalysisRun.Status.CANCELLED)
            videos = [v for v in Video.objects.all() if (run := v.latest_run) and run.status in ended] + list(videos)
        queued = 0
        for video in {v.pk: v for v in videos}.values():
            run = reprocess(video)
            if run is None:
                why = "source deleted" if video.source_deleted_at else "already being analysed"
                self.stdout.write(f"video {video.pk}: {why}, skipped")
                continue
            queued += 1
            self.stdout.write(f"video {video.pk}: queued run {run.pk}")
        self.stdout.write(self.style.SUCCESS(f"{queued} run(s) queued."))
