"""Previews for the videos stored before previews existed: each source is probed (its header only) and
one browsers cannot play is marked and its preview queued on the `copies` queue, as at upload."""

from django.core.management.base import BaseCommand
from django.db import transaction

from analysis.core.browser_playback import browser_obstacle, read_format
from analysis.runs.preview_launch import mark_for_preview
from analysis.runs.video_files import local_video_path
from videos.models import PreviewStatus, Video


class Command(BaseCommand):
    help = (
        "Queue a browser preview for each stored video whose source browsers cannot play (HEVC, ProRes, "
        "mkv, avi...). Sources deleted, and videos with a preview (made, being made or failed: a failed "
        "one is made again from its results page), are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say which would get one; change nothing")

    def handle(self, *args, dry_run: bool, **options):
        candidates = Video.objects.filter(
            source_deleted_at__isnull=True, preview_status=PreviewStatus.NOT_NEEDED, preview=""
        ).exclude(file="")
        queued = 0
        for video in candidates.order_by("pk").iterator():
            try:
                with local_video_path(video.file) as path:
                    obstacle = browser_obstacle(read_format(path))
            except Exception as error:  # missing or unreadable: say so, go on with the others
                self.stderr.write(f"video {video.pk}: its source could not be read ({type(error).__name__}), skipped")
                continue
            if not obstacle:
                continue
            if not dry_run:
                with transaction.atomic():
                    if not mark_for_preview(video, obstacle):
                        continue  # its source was deleted, or a preview started, since it was listed
            queued += 1
            self.stdout.write(f"video {video.pk}: {obstacle}, {'would be queued' if dry_run else 'queued'}")
        verb = "would be queued" if dry_run else "queued"
        self.stdout.write(self.style.SUCCESS(f"{queued} preview(s) {verb}."))
