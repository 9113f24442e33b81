"""How true the results page's "about N s left" is: the estimate at each progress report against
the time the run really took from there, new (core/time_left.py: the speed over the later half of
the time since the first report) beside old (elapsed since the start / done x left, start-up
included).

    .venv/bin/python -m bench.time_left [--clips room60,long10]

Each clip is analysed once in this process as the one-off command does (LocalExecutor, a thread per
core), with a sink that notes when each progress report came. The estimates are then computed from
those reports as the server computes them; "actual" is the end of the run minus the report's time.
The issue's bar: within 25% from the first fifth of the run on.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")

from bench import clips  # noqa: E402
from bench.common import machine_header  # noqa: E402

CLIPS = {"room60": clips.many_faces_clip, "long10": lambda: clips.long_clip(10)}


class TimingSink:
    def __init__(self, started: float):
        self.started = started
        self.reports: list[tuple[float, int, int]] = []  # (seconds since start, done, total)

    def add(self, faces) -> None:
        pass

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        self.reports.append((time.monotonic() - self.started, done, total))

    def finish(self, persons) -> None:
        pass


def measure(path) -> dict:
    from django.conf import settings

    from analysis.core.executors import LocalExecutor
    from analysis.core.face_detection import DetectorConfig
    from analysis.core.lite_model import usable_cores
    from analysis.core.pipeline import analyze_video
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.core.time_left import ProgressReport, measured_speed, seconds_left
    from analysis.core.video_source import probe

    info = probe(str(path))
    config = AnalyzerConfig(
        detector=DetectorConfig(model=settings.FACE_DETECTOR, min_face_px=settings.FACE_MIN_SIZE),
        emotion_model=settings.EMOTION_MODEL,
    )
    started = time.monotonic()
    sink = TimingSink(started)
    analyze_video(str(path), info, 5.0, LocalExecutor(config, workers=usable_cores()), sink)
    end = time.monotonic() - started
    reports = [ProgressReport(at, done) for at, done, _ in sink.reports]
    rows = []
    for i, (at, done, total) in enumerate(sink.reports):
        if done < total / 5 or done >= total:
            continue
        actual = end - at
        speed = measured_speed(reports[: i + 1]) or done / at
        new = seconds_left(speed, done, total, since_last_report_s=0.0)
        old = at / done * (total - done)
        rows.append((done / total, actual, new, old))
    return {"end": end, "first_report": reports[0].at_s, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default=",".join(CLIPS))
    args = parser.parse_args()
    import django

    django.setup()
    print(machine_header("time_left"))
    # The bar, 25%, is judged while at least a tenth of the run is left: at its very end a few
    # tenths of a second are a large share of what is left, and no display shows them.
    worst = {"new": 0.0, "old": 0.0}
    for name in args.clips.split(","):
        result = measure(CLIPS[name]())
        print(f"\n{name}: run {result['end']:.1f} s, first progress report at {result['first_report']:.1f} s")
        print("  done   actual left   new estimate (error)   old estimate (error)")
        for fraction, actual, new, old in result["rows"]:
            new_error, old_error = (new - actual) / actual, (old - actual) / actual
            if actual >= result["end"] / 10:
                worst["new"] = max(worst["new"], abs(new_error))
                worst["old"] = max(worst["old"], abs(old_error))
            estimates = f"{new:8.1f} s ({new_error:+5.0%})   {old:8.1f} s ({old_error:+5.0%})"
            print(f"  {fraction:5.0%}  {actual:8.1f} s   {estimates}")
    print(
        f"\nworst error from the first fifth of a run to its last tenth: new {worst['new']:.0%}, "
        f"old {worst['old']:.0%} (bar: 25%)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
