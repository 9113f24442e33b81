"""How the results page holds up for a big room: 50 persons over a 1-hour video (5 samples a second).

Generates that run in a throwaway SQLite database (about 900,000 samples, people coming and going
with changing emotions), then measures the results page as a logged-in user gets it: the bytes
of its chart data (the issue's budget: 2 MB) and the server's time to render it (budget: 1 s),
the best of 5, beside a reference run of 1 person for 1 minute in the same database. Also the
one-off cost of building the run's timeline (done once, when a run completes).

    .venv/bin/python -m bench.results_page [--persons 50] [--minutes 60]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

SAMPLE_FPS = 5.0
ROUNDS = 5


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_run(owner, title: str, persons: int, minutes: float, seed: int):
    import numpy as np

    from analysis.core.emotions import EMOTIONS
    from analysis.models import AnalysisRun, Person, Sample
    from analysis.results.timeline_store import summary_fields
    from bench.study_rows import placeholder_video

    rng = np.random.default_rng(seed)
    duration = minutes * 60
    video = placeholder_video(owner, title, duration)
    run = AnalysisRun.objects.create(
        video=video,
        status=AnalysisRun.Status.SUCCEEDED,
        sample_fps=SAMPLE_FPS,
        detector="hog",
        model="emotion-net-v3",
        frames_total=int(duration * SAMPLE_FPS),
        frames_done=int(duration * SAMPLE_FPS),
        persons_count=persons,
    )
    total = 0
    for number in range(1, persons + 1):
        stay = duration * rng.uniform(0.3, 1.0)
        start = rng.uniform(0, duration - stay)
        t = np.arange(start, start + stay, 1 / SAMPLE_FPS)
        # A slowly wandering mood: a random walk over the 7 logits, softmaxed.
        logits = np.cumsum(rng.normal(0, 0.08, size=(len(t), 7)), axis=0)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        quality = rng.uniform(0.3, 1.0, len(t))
        person = Person.objects.create(
            run=run,
            track_key=number,
            number=number,
            first_s=float(t[0]),
            last_s=float(t[-1]),
            sample_count=len(t),
            thumbnail_jpeg=b"",
        )
        x0 = int(rng.integers(0, 1100))
        Sample.objects.bulk_create(
            (
                Sample(
                    person=person,
                    t=float(ti),
                    frame=int(ti * 25),
                    x=x0,
                    y=300,
                    w=80,
                    h=80,
                    quality=float(q),
                    **dict(zip(EMOTIONS, map(float, pi))),
                )
                for ti, pi, q in zip(t, p, quality)
            ),
            batch_size=5000,
        )
        Person.objects.filter(pk=person.pk).update(**summary_fields(person.pk))
        total += len(t)
    return video, run, total


def measure_page(client, video) -> tuple[int, int, float]:
    """(page bytes, chart-data bytes, best render seconds)."""
    from django.urls import reverse

    url = reverse("analysis:results", args=[video.pk])
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        response = client.get(url)
        best = min(best, time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    content = response.content.decode()
    charts = re.search(r'<script id="charts-data" type="application/json">(.*?)</script>', content, re.S)
    return len(response.content), len(charts.group(1).encode()), best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        setup_django(Path(directory) / "bench.sqlite3")
        from django.contrib.auth import get_user_model
        from django.test import Client

        from analysis.results.timeline_store import build_timeline

        owner = get_user_model().objects.create_user("bench", password="bench-pass-phrase-1")
        began = time.perf_counter()
        big, big_run, samples = make_run(owner, "room", args.persons, args.minutes, seed=1)
        print(
            f"generated {args.persons} persons x {args.minutes:g} min: {samples:,} samples "
            f"in {time.perf_counter() - began:.0f} s"
        )
        small, small_run, _ = make_run(owner, "reference", 1, 1, seed=2)
        began = time.perf_counter()
        build_timeline(big_run)
        print(f"timeline built once at completion: {time.perf_counter() - began:.2f} s")
        build_timeline(small_run)
        client = Client(HTTP_HOST="localhost")
        client.force_login(owner)
        page, charts, seconds = measure_page(client, big)
        ref_page, ref_charts, ref_seconds = measure_page(client, small)
        print(f"{'run':<28} {'page bytes':>12} {'chart data':>12} {'render s':>9}")
        print(f"{'reference: 1 person, 1 min':<28} {ref_page:>12,} {ref_charts:>12,} {ref_seconds:>9.3f}")
        print(f"{f'{args.persons} persons, {args.minutes:g} min':<28} {page:>12,} {charts:>12,} {seconds:>9.3f}")
        print(
            f"ratio to the reference: page x{page / ref_page:.1f}, render x{seconds / ref_seconds:.1f}; "
            f"budget: chart data {charts / 2_000_000:.0%} of 2 MB, render {seconds:.2f} s of 1 s"
        )


if __name__ == "__main__":
    main()
