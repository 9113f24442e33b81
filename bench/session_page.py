"""How a study page holds up with a participant session of 50 participants watching a 10-minute stimulus.

Makes, in a throwaway SQLite database, a study with one session link whose stimulus lasts --minutes, and
--participants recordings of it (each a video of the stimulus plus 30 s with one person, a succeeded run,
a timeline of 1 s bins and its markers, made as bench/study_rows.py makes them; no samples), each with
its stimulus start 1-5 s into the recording. Then times the study page, as its logged-in owner gets it
(best of 5), beside a reference study of 3 participants of a 1-minute stimulus in the same run, and the
link's own page. The issue's budget: the page in under 1 s. No request may query the sample table.

    .venv/bin/python -m bench.session_page [--participants 50] [--minutes 10]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from pathlib import Path

from bench.study_page import chart_bytes, measure, setup_django

ROUNDS = 5


def make_session_study(owner, name: str, participants: int, minutes: float, seed: int):
    """A study with one session link and `participants` analysed recordings of its stimulus."""
    import numpy as np
    from django.utils import timezone

    from analysis.models import Marker, SessionRecording, Study
    from analysis.sessions import links
    from bench.study_rows import _add_video, placeholder_video

    rng = np.random.default_rng(seed)
    study = Study.objects.create(owner=owner, name=name)
    stimulus = placeholder_video(owner, f"{name} stimulus", minutes * 60)
    link = links.create_link(study, "Wave 1", stimulus, "Consent.", participants, None)
    for index in range(participants):
        code = f"P{index + 1:02d}"
        _add_video(owner, study, index, f"{name} · {code}", minutes + 0.5, 1, rng)
        video = study.videos.get(title=f"{name} · {code}")
        start = float(rng.uniform(1, 5))
        Marker.objects.create(video=video, t=start, label="stimulus start")
        SessionRecording.objects.create(
            link=link,
            participant_code=code,
            key=secrets.token_urlsafe(24),
            withdrawal_code=secrets.token_hex(8).upper(),
            consent_text="Consent.",
            consent_version=1,
            consented_at=timezone.now(),
            state=SessionRecording.State.UPLOADED,
            video=video,
            stimulus_start_s=start,
            stimulus_end_s=start + minutes * 60,
        )
    return study, link


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as directory:
        setup_django(Path(directory) / "bench.sqlite3")
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        owner = get_user_model().objects.create_user("bench", password="bench-pass-phrase-1")
        began = time.perf_counter()
        big, big_link = make_session_study(owner, "big", args.participants, args.minutes, seed=1)
        made_s = time.perf_counter() - began
        print(f"made {args.participants} recordings of a {args.minutes:g} min stimulus in {made_s:.0f} s")
        small, small_link = make_session_study(owner, "reference", 3, 1, seed=2)
        client = Client(HTTP_HOST="localhost")
        client.force_login(owner)
        measure(client, reverse("studies:detail", args=[small.pk]), 1)  # imports, templates, first queries
        label = f"{args.participants} x {args.minutes:g} min"
        print(f"\n{'request':<22} {'reference s':>11} {label + ' s':>16} {'ratio':>6} {'bytes':>11} {'chart JSON':>11}")
        seconds = {}
        for name, route, ids in (
            ("study page", "studies:detail", lambda study, link: [study.pk]),
            ("session link page", "studies:session_link", lambda study, link: [study.pk, link.pk]),
        ):
            ref_s, _, _ = measure(client, reverse(route, args=ids(small, small_link)), ROUNDS)
            big_s, body, _ = measure(client, reverse(route, args=ids(big, big_link)), ROUNDS)
            seconds[name] = big_s
            charts = chart_bytes(body)
            print(
                f"{name:<22} {ref_s:>11.3f} {big_s:>16.3f} {big_s / ref_s:>5.1f}x {len(body):>11,} "
                f"{f'{charts:,}' if charts else '':>11}"
            )
        body = client.get(reverse("studies:detail", args=[big.pk])).content.decode()
        assert f"{args.participants} participants, each on the stimulus" in body, "the responses are not on the page"
        verdict = "MET" if seconds["study page"] < 1 else "NOT MET"
        print(f"\nbudget (the study page under 1 s on 2 cores): {seconds['study page']:.2f} s: {verdict}")


if __name__ == "__main__":
    main()
