"""What the access log costs the results page: the page with recording on and off, in the same run.

Makes a realistic room (10 persons over 10 minutes, as bench.results_page makes them) in a throwaway
database, then times the results page as its owner gets it, alternating rounds with `record` on and
replaced by a no-op, best of N each; prints both, their ratio and the difference in ms per request.
Also times `record` alone (the one INSERT), which is steadier than a difference of two page times.

    .venv/bin/python -m bench.access_log [--postgres URL | --sqlite] [--persons 10] [--minutes 10] [--rounds 15]

PostgreSQL by default (the server's database; a database `bench_access_log` is made and dropped).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.results_page import make_run, setup_django

BENCH_DB = "bench_access_log"


@contextmanager
def throwaway_postgres(server: str):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        yield f"{server}/{BENCH_DB}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def page_seconds(client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return elapsed


def measure(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    import analysis.pages.result_views as result_views
    from analysis.results.timeline_store import build_timeline
    from videos.access_log import record
    from videos.models import AccessEvent

    owner = get_user_model().objects.create_user("bench", password="bench-pass-phrase-1")
    video, run, samples = make_run(owner, "room", args.persons, args.minutes, seed=1)
    build_timeline(run)
    print(f"room: {args.persons} persons x {args.minutes:g} min, {samples:,} samples")
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    url = reverse("analysis:results", args=[video.pk])
    page_seconds(client, url)  # warm: templates, caches, the connection

    on, off = [], []
    for _ in range(args.rounds):  # alternated, so a busy moment of the machine hits both alike
        result_views.record = record
        on.append(page_seconds(client, url))
        result_views.record = lambda *a, **k: None
        off.append(page_seconds(client, url))
    result_views.record = record
    recorded = AccessEvent.objects.filter(action="view").count()

    calls = 200
    began = time.perf_counter()
    for _ in range(calls):
        record(owner, video, "view")
    insert_ms = (time.perf_counter() - began) / calls * 1000

    best_on, best_off = min(on), min(off)
    print(f"events recorded by the timed pages: {recorded} ({args.rounds} rounds + warm-up)")
    print(f"results page, best of {args.rounds}: recording on {best_on * 1000:.1f} ms, off {best_off * 1000:.1f} ms")
    print(f"ratio on/off: x{best_on / best_off:.3f}; difference {(best_on - best_off) * 1000:+.2f} ms per request")
    print(f"record() alone, mean of {calls}: {insert_ms:.2f} ms ({insert_ms / (best_off * 1000):.1%} of the page)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    where.add_argument("--sqlite", action="store_true")
    parser.add_argument("--persons", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(f"CPUs {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    if args.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            setup_django(Path(directory) / "bench.sqlite3")
            print("database: SQLite")
            measure(args)
        return
    with throwaway_postgres(args.postgres.rstrip("/")) as url:
        setup(url)
        print("database: PostgreSQL")
        measure(args)


if __name__ == "__main__":
    main()
