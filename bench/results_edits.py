"""The results page of a 10-person, 10-minute room and its edits, old code beside new (issue 32).

For each code tree (`--base REV`, checked out once into bench/out/base-REV by `git worktree`, and the
working tree), a child process makes the room in a throwaway PostgreSQL database (bench.results_page's
rows), then, as its owner, times:

- the results page (server time: the Django test client's request, nothing drawn), `--rounds` times;
- in Chromium (Playwright, Debian's chromium, 1280x800, served by Django's live server thread in the same
  process), from navigation start: **interactive** = the first frame in which the charts on screen are drawn
  and the player's script is ready (window.resultsPlayer); **all drawn** = every chart that comes with the
  page drawn; `--rounds` times;
- each edit as a browser without JavaScript makes it: the POST and the page it redirects to;
- each edit as the page's script makes it (`Accept: application/json`: the POST answers the parts of
  the page that changed), where the tree has it.

Edits: rename a person (alternating two names), add a marker then delete it, set a calm stretch and go
back to the estimate, split a person then merge the two back. Medians (and minima) in ms.

    .venv/bin/python -m bench.results_edits [--base 3be0df8] [--rounds 9] [--persons 10] [--minutes 10]
"""

# ruff: noqa: B023 (each lambda is called at once, in its own round)
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASE = "3be0df8"  # main before issue 32's in-place edits
DATABASE = "bench_results_edits"
PARTIAL = {"HTTP_ACCEPT": "application/json"}


def base_tree(rev: str) -> Path:
    tree = PROJECT_ROOT / "bench" / "out" / f"base-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=PROJECT_ROOT, check=True)
    return tree


def _ms(samples: list[float]) -> dict:
    return {"median": statistics.median(samples) * 1000, "min": min(samples) * 1000}


def _timed(call) -> tuple[float, object]:
    began = time.perf_counter()
    response = call()
    return time.perf_counter() - began, response


# Runs in the page before its own scripts. Notes (performance.now(), ms since navigation start) the first
# frame in which the charts on screen and the player's seek script (window.resultsPlayer) are ready:
# "interactive"; and the first in which every chart that comes with the page is drawn: "all drawn".
INTERACTIVE_PROBE = """
(() => {
  const drawn = (e) => e.querySelector('.main-svg');
  const onScreen = (e) => { const b = e.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; };
  function check() {
    const data = document.getElementById('charts-data');
    if (data && window.resultsPlayer && document.getElementById('player')) {
      const persons = Object.keys(JSON.parse(data.textContent).persons);
      const ids = ['chart-distribution', 'chart-group', 'chart-heatmap'];
      for (const id of persons) ids.push(`chart-emotions-${id}`, `chart-dominant-${id}`);
      const charts = ids.map((id) => document.getElementById(id)).filter(Boolean);
      if (window.__interactive_ms === undefined && charts.filter(onScreen).every(drawn)) {
        window.__interactive_ms = performance.now();
      }
      if (charts.every(drawn)) { window.__all_drawn_ms = performance.now(); return; }
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""
CHROMIUM = "/usr/bin/chromium"


def time_to_interactive(page_url: str, session_cookie: str, rounds: int) -> dict | None:
    """The page's time to interactive and to all its charts drawn in Chromium, served by Django's
    live server thread (threaded WSGI, static files through StaticFilesHandler) in this process."""
    if not Path(CHROMIUM).exists():
        return None
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    server = LiveServerThread("localhost", StaticFilesHandler, connections_override={})
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    interactive, all_drawn = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            # The probe is injected before the page's scripts; the page's Content-Security-Policy would refuse it.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
            context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": base}])
            context.add_init_script(INTERACTIVE_PROBE)
            page = context.new_page()
            for round_number in range(rounds + 1):  # the first warms the server's threads and the cache
                page.goto(base + page_url, wait_until="load")
                deadline = time.monotonic() + 60
                while page.evaluate("window.__all_drawn_ms") is None:
                    assert time.monotonic() < deadline, "the page's charts were never all drawn"
                    page.wait_for_timeout(20)
                if round_number:
                    interactive.append(page.evaluate("window.__interactive_ms") / 1000)
                    all_drawn.append(page.evaluate("window.__all_drawn_ms") / 1000)
            browser.close()
    finally:
        server.terminate()
        connections.close_all()
    return {"interactive": _ms(interactive), "all drawn": _ms(all_drawn)}


def measure_here(server: str, persons: int, minutes: float, rounds: int) -> dict:
    """Runs inside the tree being measured (its code first on sys.path): the figures as a dict."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotion_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from analysis.models import Marker, Person
    from analysis.results.timeline_store import build_timeline
    from bench.results_page import make_run

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user("bench", password="bench-pass-phrase-1")
    video, run, samples = make_run(owner, "room", persons, minutes, seed=1)
    build_timeline(run)
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    page_url = reverse("analysis:results", args=[video.pk])
    client.get(page_url)  # warm: templates, the connection
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page_url)
    figures: dict = {"samples": samples, "page_bytes": len(response.content), "page_queries": len(captured)}
    page_times = [_timed(lambda: client.get(page_url))[0] for _ in range(rounds)]
    figures["page"] = _ms(page_times)
    figures["browser"] = time_to_interactive(page_url, client.cookies["sessionid"].value, rounds)

    first = Person.objects.get(run=run, number=1)
    url = lambda name, *args: reverse(f"analysis:{name}", args=[video.pk, *args])  # noqa: E731

    def reload_after(post) -> float:
        seconds, response = _timed(post)
        assert response.status_code == 302, response.status_code
        return seconds + _timed(lambda: client.get(response["Location"]))[0]

    def partial(post) -> float:
        seconds, response = _timed(post)
        assert response.status_code == 200 and response["Content-Type"] == "application/json", response
        return seconds

    has_partial = client.post(url("rename_person", first.pk), {"name": "warm"}, **PARTIAL).status_code == 200
    ways = {"reload": (reload_after, {})}
    if has_partial:
        ways["partial"] = (partial, PARTIAL)
    for way, (finish, headers) in ways.items():
        times: dict[str, list[float]] = {"rename": [], "add marker": [], "delete marker": [], "calm stretch": []}
        times.update({"split": [], "merge": []})
        for round_number in range(rounds):
            name = f"Ada {round_number}"
            times["rename"].append(
                finish(lambda: client.post(url("rename_person", first.pk), {"name": name}, **headers))
            )
            times["add marker"].append(
                finish(lambda: client.post(url("add_marker"), {"t": "90", "label": "slide 4"}, **headers))
            )
            marker = Marker.objects.filter(video=video).latest("id")
            times["delete marker"].append(finish(lambda: client.post(url("delete_marker", marker.pk), **headers)))
            calm = {"from_s": f"{first.first_s + 10:.1f}", "to_s": f"{first.first_s + 40:.1f}"}
            times["calm stretch"].append(finish(lambda: client.post(url("calm_stretch", first.pk), calm, **headers)))
            client.post(url("calm_stretch", first.pk), {**calm, "estimate": "1"})
            middle = f"{(first.first_s + first.last_s) / 2:.1f}"
            times["split"].append(
                finish(lambda: client.post(url("split_person", first.pk), {"at_s": middle}, **headers))
            )
            other = Person.objects.filter(run=run).latest("number")
            times["merge"].append(
                finish(lambda: client.post(url("merge_person", other.pk), {"into": first.pk}, **headers))
            )
        figures[way] = {edit: _ms(values) for edit, values in times.items()}
    return figures


def run_tree(tree: Path, args: argparse.Namespace) -> dict:
    """This file's measure_here, run by a child interpreter with `tree`'s code first on its path."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "--here", "--postgres", args.postgres]
    command += ["--persons", str(args.persons), "--minutes", str(args.minutes), "--rounds", str(args.rounds)]
    result = subprocess.run(command, cwd=tree, env=environment, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(results: dict[str, dict]) -> None:
    names = list(results)
    print(f"{'':<32}" + "".join(f"{name:>26}" for name in names))
    cell = lambda figure: f"{figure['median']:>17.1f} (min {figure['min']:.0f})"  # noqa: E731
    print(f"{'results page, server ms':<32}" + "".join(cell(r["page"]) for r in results.values()))
    sizes = (f"{r['page_bytes']:>20,} / {r['page_queries']:<3}" for r in results.values())
    print(f"{'page bytes / queries':<32}" + "".join(sizes))
    for figure in ("interactive", "all drawn"):
        ready = (cell(r["browser"][figure]) if r.get("browser") else f"{'no chromium':>26}" for r in results.values())
        print(f"{f'Chromium: {figure}, ms':<32}" + "".join(ready))
    for way in ("reload", "partial"):
        for edit in results[names[-1]]["reload"]:
            cells = []
            for r in results.values():
                figure = r.get(way, {}).get(edit)
                cells.append(cell(figure) if figure else f"{'-':>26}")
            print(f"{f'{edit}, {way}':<32}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=BASE, help=f"the old code (default {BASE})")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--persons", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.here:
        print(json.dumps(measure_here(args.postgres.rstrip("/"), args.persons, args.minutes, args.rounds)))
        return
    print(f"CPUs {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    results = {f"old ({args.base})": run_tree(base_tree(args.base), args), "new": run_tree(PROJECT_ROOT, args)}
    report(results)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
