"""What the room view says with each emotion model: persons, dominant emotions, valence and highlights.

    .venv/bin/python -m bench.room_mood --model emotion-net-v3 --model emotion-net-v5

Analyses, in one process at 5 frames/s, street_1080p.mp4 (2-6 calm pedestrians) and the four-person
room clip (bench/room_clip.py) with each model, and prints per person the dominant emotion and the
share of time neutral leads, the room's mean valence and spread, and the highlights the results
page would show (analysis/core/highlights.py). Models change what the room says; this puts them
side by side on the same detections.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from analysis.core.emotion_classifier import DEFAULT_MODEL
from analysis.core.emotion_summary import summarize
from analysis.core.executors import LocalExecutor
from analysis.core.group_mood import PersonSeries, group_mood, person_bins
from analysis.core.highlights import find_highlights
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import probe
from bench.common import DATA_DIR
from bench.room_clip import room_mosaic

SAMPLE_FPS = 5.0


def room_report(model: str, video: Path) -> list[str]:
    info = probe(str(video))
    sink = CollectingSink()
    analyze_video(str(video), info, SAMPLE_FPS, LocalExecutor(AnalyzerConfig(emotion_model=model)), sink)
    series, lines = [], []
    for number, person in enumerate(sink.persons, start=1):
        t = np.array([s["t"] for s in person["samples"]])
        p = np.array([s["p"] for s in person["samples"]])
        q = np.array([s["q"] for s in person["samples"]])
        summary = summarize(t, p, q)
        series.append(PersonSeries(number, t, p, q))
        lines.append(
            f"    person {number}: {len(t)} samples, dominant {summary.dominant}, "
            f"neutral leads {summary.shares['neutral']:.0%}, sad {summary.shares['sad']:.0%}"
        )
    if series:
        bin_s, per_person = person_bins(series, info.duration_s)
        mood = group_mood([s.number for s in series], per_person, bin_s)
        seen = mood.visible > 0
        lines.append(
            f"    room: valence {np.nanmean(mood.valence[seen]):+.2f} (spread {np.nanmean(mood.spread[seen]):.2f}), "
            f"up to {mood.visible.max()} faces at once"
        )
        highlights = find_highlights(mood)
        lines += [f"    highlight: {h.text}" for h in highlights] or ["    no highlights"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="model name or .tflite path; repeatable")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        clips = {
            "street_1080p.mp4": DATA_DIR / "videos" / "street_1080p.mp4",
            "room clip (bench/room_clip.py)": room_mosaic(DATA_DIR / "videos", Path(work) / "room.webm"),
        }
        for name, video in clips.items():
            print(name)
            for model in options.model or [DEFAULT_MODEL]:
                print(f"  {model}")
                print("\n".join(room_report(model, video)), flush=True)


if __name__ == "__main__":
    main()
