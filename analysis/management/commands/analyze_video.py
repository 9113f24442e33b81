"""Analyse a local video file with the same pipeline as the web app: no server, Redis or database."""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analysis.core.emotions import EMOTIONS
from analysis.core.executors import LocalExecutor
from analysis.core.face_detection import DETECTORS, DetectorConfig
from analysis.core.lite_model import usable_cores
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink, export_document
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import VideoError, probe
from analysis.results.downloads import video_dict

# Without a Ray cluster (RAY_ADDRESS) this command analyses in one process, a thread per core, each
# with its own models (LocalExecutor): a local Ray would cost ~7-8 s more here (ray.init ~4.7 s, the
# actors ~1 s, the shutdown ~1.5 s) to run the same work in two processes, no faster on one machine
# (2 cores, 10-minute 720p clip: 33.9 s of analysis in one process, 33.0 s on two actors; bench/README.md).


class ProgressSink(CollectingSink):
    def __init__(self, bar: tqdm):
        super().__init__(settings.ATTENTION_MAX_DEG)
        self.bar = bar

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        self.bar.total = total
        self.bar.update(done - self.bar.n)


class Command(BaseCommand):
    help = "Analyse a video file and print each person's emotions; --json writes the export format."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--json", dest="json_out", metavar="OUT", help="write the results as JSON")
        rate = parser.add_mutually_exclusive_group()
        rate.add_argument("--sample-fps", type=float, default=5.0, help="frames analysed per second (default 5)")
        rate.add_argument("--every-frame", action="store_true", help="analyse every frame")
        parser.add_argument("--detector", choices=DETECTORS, default=settings.FACE_DETECTOR)
        parser.add_argument("--model", default=settings.EMOTION_MODEL, help="emotion model name or path")
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.ANALYSIS_WORKERS,
            help="Ray actors, or threads in one process (0: one per CPU)",
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--no-ray", action="store_true", help="analyse in this process instead of on Ray")
        where.add_argument(
            "--ray",
            action="store_true",
            help="analyse on a local Ray even without RAY_ADDRESS (by default this command then analyses in one "
            "process, a thread per core: starting Ray costs more than it saves on one machine)",
        )

    def handle(self, *args, path, json_out, sample_fps, every_frame, detector, model, workers, no_ray, ray, **options):
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
        if not every_frame and sample_fps <= 0:
            raise CommandError("--sample-fps must be positive.")
        try:
            info = probe(path)
        except VideoError as error:
            raise CommandError(str(error)) from error
        rate = None if every_frame else sample_fps
        no_ray = no_ray or not (ray or settings.RAY_ADDRESS)
        config = AnalyzerConfig(
            detector=DetectorConfig(model=detector, min_face_px=settings.FACE_MIN_SIZE), emotion_model=model
        )
        started_at = datetime.now(UTC)
        with tqdm(unit="frame", desc="Analysing", disable=options["verbosity"] == 0) as bar:
            sink = ProgressSink(bar)
            try:
                if no_ray:
                    executor = LocalExecutor(config, workers=workers or usable_cores())
                    stats = analyze_video(path, info, rate, executor, sink)
                else:
                    from analysis.runs.ray_executor import RayExecutor

                    with RayExecutor(config, workers=workers, address=settings.RAY_ADDRESS) as executor:
                        stats = analyze_video(path, info, rate, executor, sink)
            except VideoError as error:
                raise CommandError(str(error)) from error
        finished_at = datetime.now(UTC)

        self.stdout.write(
            f"{Path(path).name}: {info.duration_s:.1f} s, {info.width}x{info.height}, {info.fps:.2f} fps; "
            f"{stats.frames_analyzed} frames analysed in {stats.elapsed_s:.1f} s "
            f"({info.duration_s / max(stats.elapsed_s, 1e-9):.2f}x realtime); {len(sink.persons)} person(s); "
            f"{stats.faces} face samples, {stats.encodings} identity encodings; "
            f"{'in one process' if no_ray else f'on Ray, {len(stats.workers)} worker node(s)'}"
        )
        for person in sink.persons:
            top = sorted(zip(EMOTIONS, person["mean"].values()), key=lambda item: -item[1])[:3]
            shares = ", ".join(f"{name} {p:.0%}" for name, p in top)
            basis = "attending" if person["facial"] else "facing the camera (head pose only)"
            facing = "" if person["attention"] is None else f"; {basis} {person['attention']:.0%}"
            self.stdout.write(
                f"  person {person['id']}: {person['first_s']:.1f}-{person['last_s']:.1f} s, "
                f"{len(person['samples'])} samples, dominant {person['dominant']} ({shares}){facing}"
            )
        if json_out:
            document = export_document(
                video_dict(
                    None,
                    title=Path(path).name,
                    duration_s=round(info.duration_s, 4),
                    fps=round(info.fps, 4),
                    width=info.width,
                    height=info.height,
                ),
                {
                    "status": "succeeded",
                    "sample_fps": rate,
                    "frames_analyzed": stats.frames_analyzed,
                    "detector": detector,
                    "model": model,
                    "started_at": started_at.isoformat(),
                    "finished_at": finished_at.isoformat(),
                },
                sink.persons,
            )
            Path(json_out).write_text(json.dumps(document))
            self.stdout.write(f"Wrote {json_out}")
