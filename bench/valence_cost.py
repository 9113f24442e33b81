"""What the calm-anchored valence (analysis/core/valence.py) costs where it runs: once per person and per room.

    .venv/bin/python -m bench.valence_cost [--persons 20] [--minutes 60] [--rounds 5]

The per-face path (detection, identity, the classifier) does not change with the scale: valence is
computed from the stored probabilities when a run's summaries and timeline are made. This times those
two steps for a synthetic room (N persons seen at 5 samples/s for M minutes), the app's way (each
person's calm level, heads looking down weighted, the anchored scale) against the raw scale it
replaced (happy minus the negative emotions, one weight per sample), taking turns, and prints the
ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from analysis.core import valence as scale
from analysis.core.emotion_summary import summarize
from analysis.core.group_mood import PersonSeries, group_mood, person_bins
from analysis.core.series import smooth

SAMPLE_FPS = 5.0


def room(persons: int, minutes: float, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per person: times, probabilities (N, 7), qualities, pitches (some looking down)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, minutes * 60, 1 / SAMPLE_FPS)
    out = []
    for _ in range(persons):
        p = rng.dirichlet(np.array([1, 0.3, 0.3, 2, 2, 0.5, 6.0]), size=len(t))
        out.append((t, p, rng.uniform(0.2, 1.0, len(t)), rng.normal(-5, 15, len(t))))
    return out


def with_scale(data, duration_s: float) -> float:
    """The app's way: summaries and the room, each person against their own calm level."""
    series = []
    for number, (t, p, q, pitch) in enumerate(data, start=1):
        summarize(t, p, q, pitch)
        weights = scale.mood_weights(q, pitch)
        series.append(PersonSeries(number, t, p, weights, None, scale.person_calm(p, weights)))
    bin_s, per_person = person_bins(series, duration_s)
    mood = group_mood([s.number for s in series], per_person, bin_s, None, np.array([s.calm for s in series]))
    return float(np.nanmean(mood.valence))


def raw_reference(data, duration_s: float) -> float:
    """The summaries as they were made before (shares, mean, the raw valence of the mean, quality weights)."""
    series = []
    for number, (t, p, q, _) in enumerate(data, start=1):
        smoothed = smooth(t, p, q)
        np.bincount(smoothed.argmax(axis=1), weights=q, minlength=7) / q.sum()
        mean = (smoothed * q[:, None]).sum(axis=0) / q.sum()
        float(scale.raw_valence(mean))
        series.append(PersonSeries(number, t, p, q))
    bin_s, per_person = person_bins(series, duration_s)
    return float(np.nanmean(scale.raw_valence(np.nan_to_num(per_person))))


def timed(function, *args) -> float:
    began = time.perf_counter()
    function(*args)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    data = room(options.persons, options.minutes)
    duration_s = options.minutes * 60
    new, old = [], []
    for _ in range(options.rounds):  # taking turns: both see the same machine load
        new.append(timed(with_scale, data, duration_s))
        old.append(timed(raw_reference, data, duration_s))
    samples = options.persons * len(data[0][0])
    new_s, old_s = statistics.median(new), statistics.median(old)
    print(f"{options.persons} persons x {options.minutes:g} min at {SAMPLE_FPS:g} samples/s = {samples:,} samples")
    print(f"summaries and room, calm-anchored scale: {new_s:.3f} s (median of {options.rounds})")
    print(f"summaries and room, raw scale (reference): {old_s:.3f} s")
    print(f"ratio new/reference: {new_s / old_s:.2f}; per sample: {(new_s - old_s) / samples * 1e6:+.2f} us")


if __name__ == "__main__":
    main()
