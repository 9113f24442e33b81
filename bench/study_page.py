"""How a study's page holds up for a big study: 100 videos of 1 hour with 20 persons each.

Makes that study in a throwaway SQLite database (bench/study_rows.py: runs, persons, timelines
with 1200 bins of 3 s, markers, participant labels; no samples), then times, as its logged-in
owner gets them, the study page (its default view, lines per condition aligned on "slide 4", and
intervals over participants; best of 5 each), the JSON export (best of 5) and the CSV export
streamed to its end (best of --csv-rounds), beside a reference study of 2 videos of 1 minute with
2 persons in the same run. The issue's budget: the page in under 1 s. Each request is also made
once under CaptureQueriesContext: none may query the sample table (the bench fails if one does).

    .venv/bin/python -m bench.study_page [--videos 100] [--minutes 60] [--persons 20]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 5
VIEWS = [
    ("page: default view", "studies:detail", ""),
    ("page: lines=condition, align", "studies:detail", "?lines=condition&align=slide%204"),
    ("page: unit=participants", "studies:detail", "?unit=participants"),
    ("JSON export", "studies:export_json", ""),
    ("CSV export (streamed)", "studies:export_csv", ""),
]


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fetch(client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def measure(client, url: str, rounds: int) -> tuple[float, bytes, int]:
    """(best seconds, the body, queries of one more request); fails if any query reads samples."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        status, body = fetch(client, url)
        best = min(best, time.perf_counter() - began)
        assert status == 200, (url, status)
    with CaptureQueriesContext(connection) as queries:
        fetch(client, url)
    sample_queries = [q["sql"] for q in queries.captured_queries if "analysis_sample" in q["sql"]]
    assert not sample_queries, f"{url} queried the sample table: {sample_queries[0][:200]}"
    return best, body, len(queries.captured_queries)


def chart_bytes(body: bytes) -> int | None:
    found = re.search(rb'<script id="study-charts" type="application/json">(.*?)</script>', body, re.S)
    return len(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--persons", type=int, default=20)
    parser.add_argument("--participants", type=int, default=20, help="participant labels P01... (default 20)")
    parser.add_argument("--csv-rounds", type=int, default=1, help="CSV export streams timed (default 1)")
    parser.add_argument("--profile", metavar="OUT", help="also cProfile one default-view GET into OUT")
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as directory:
        setup_django(Path(directory) / "bench.sqlite3")
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from bench.study_rows import make_study

        owner = get_user_model().objects.create_user("bench", password="bench-pass-phrase-1")
        began = time.perf_counter()
        big = make_study(owner, "big", args.videos, args.minutes, args.persons, args.participants, seed=1)
        print(
            f"made {args.videos} videos x {args.minutes:g} min x {args.persons} persons "
            f"in {time.perf_counter() - began:.0f} s"
        )
        small = make_study(owner, "reference", 2, 1, 2, args.participants, seed=2)
        client = Client(HTTP_HOST="localhost")
        client.force_login(owner)
        fetch(client, reverse("studies:detail", args=[small.pk]))  # imports, templates, first queries

        big_label = f"{args.videos} x {args.minutes:g} min x {args.persons}"
        print(
            f"\n{'request':<30} {'reference s':>11} {big_label + ' s':>22} {'ratio':>7} "
            f"{'bytes':>12} {'chart JSON':>11} {'queries':>7}"
        )
        seconds = {}
        for name, route, query in VIEWS:
            rounds = args.csv_rounds if route == "studies:export_csv" else ROUNDS
            ref_s, _, _ = measure(client, reverse(route, args=[small.pk]) + query, rounds)
            big_s, body, count = measure(client, reverse(route, args=[big.pk]) + query, rounds)
            seconds[name] = big_s
            charts = chart_bytes(body)
            print(
                f"{name:<30} {ref_s:>11.3f} {big_s:>22.3f} {big_s / ref_s:>6.0f}x "
                f"{len(body):>12,} {f'{charts:,}' if charts else '':>11} {count:>7}"
            )
        slowest = max(seconds[name] for name, route, _ in VIEWS if route == "studies:detail")
        print(
            f"\nbudget (under 1 s on 2 cores): slowest page view {slowest:.2f} s: "
            f"{'MET' if slowest < 1 else 'NOT MET'}; no request queried analysis_sample"
        )
        if args.profile:
            import cProfile

            profile = cProfile.Profile()
            profile.runcall(fetch, client, reverse("studies:detail", args=[big.pk]))
            profile.dump_stats(args.profile)
            print(f"profile of one default-view GET: {args.profile}", file=sys.stderr)


if __name__ == "__main__":
    main()
