"""The real-face check set: our own labels for faces in ../shared/data, checked through the whole pipeline.

`real_face_checks.csv` beside this file has one row per check: a file (a video, or a still made
into a 2-second video), a time range (videos), an optional box (x,y,w,h) picking one face, the
expected emotion(s) (several joined by "|"), and why. A check passes when the expected emotion
leads the person's smoothed, quality-weighted signal (emotion_summary.py) in at least half of
the samples in range, pooled over the faces it covers.

    python -m emotion_training.real_faces [--model NAME_OR_TFLITE] [--data DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from analysis.core.emotion_classifier import DEFAULT_MODEL
from analysis.core.emotion_summary import summarize
from analysis.core.emotions import EMOTIONS
from analysis.core.executors import LocalExecutor
from analysis.core.face_detection import iou
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import probe

CHECKS_CSV = Path(__file__).with_name("real_face_checks.csv")
PASS_SHARE = 0.5
SAMPLE_FPS = 5.0
STILL_SECONDS, STILL_FPS = 2, 10
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Check:
    file: str
    start_s: float | None
    end_s: float | None
    box: tuple[int, int, int, int] | None
    expected: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class CheckResult:
    check: Check
    faces: int  # persons the check covers
    samples: int
    share: float  # of the samples in range (quality-weighted), where an expected emotion leads
    leading: dict[str, float]  # each emotion's share, the same way

    @property
    def passed(self) -> bool:
        return self.samples > 0 and self.share >= PASS_SHARE


def load_checks(path: Path = CHECKS_CSV) -> list[Check]:
    checks = []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            expected = tuple(row["expected"].split("|"))
            unknown = set(expected) - set(EMOTIONS)
            if unknown:
                raise ValueError(f"{path}: unknown emotion(s) {sorted(unknown)} in {row}")
            checks.append(
                Check(
                    file=row["file"],
                    start_s=float(row["start_s"]) if row["start_s"] else None,
                    end_s=float(row["end_s"]) if row["end_s"] else None,
                    box=tuple(int(v) for v in row["box"].split(",")) if row["box"] else None,
                    expected=expected,
                    why=row["why"],
                )
            )
    return checks


def still_video(image_path: Path, directory: Path) -> Path:
    """A still as a short video, so it goes through the same pipeline as footage."""
    image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot read {image_path}")
    height, width = (image.shape[0] // 2) * 2, (image.shape[1] // 2) * 2
    out = directory / f"{image_path.stem}.mp4"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), STILL_FPS, (width, height))
    for _ in range(STILL_SECONDS * STILL_FPS):
        writer.write(image[:height, :width])
    writer.release()
    return out


class CheckRunner:
    """Runs the checks with one model; the analyzer (and its model) is loaded once."""

    def __init__(self, model: str, data_dir: Path):
        self.executor = LocalExecutor(AnalyzerConfig(emotion_model=model))
        self.data_dir = data_dir
        self._persons: dict[str, list[dict]] = {}

    def persons(self, file: str) -> list[dict]:
        if file not in self._persons:
            path = self.data_dir / file
            with tempfile.TemporaryDirectory() as directory:
                video = path if file.startswith("videos/") else still_video(path, Path(directory))
                sink = CollectingSink()
                analyze_video(str(video), probe(str(video)), SAMPLE_FPS, self.executor, sink)
            self._persons[file] = sink.persons
        return self._persons[file]

    def run(self, check: Check) -> CheckResult:
        leading = np.zeros(len(EMOTIONS))
        faces = samples = 0
        for person in self.persons(check.file):
            chosen = [
                s
                for s in person["samples"]
                if (check.start_s is None or check.start_s <= s["t"] <= check.end_s)
                and (check.box is None or iou(tuple(s["box"]), check.box) >= 0.3)
            ]
            if not chosen:
                continue
            summary = summarize(
                np.array([s["t"] for s in chosen]),
                np.array([s["p"] for s in chosen]),
                np.array([s["q"] for s in chosen]),
            )
            weight = sum(s["q"] for s in chosen)
            leading += weight * np.array([summary.shares[name] for name in EMOTIONS])
            faces, samples = faces + 1, samples + len(chosen)
        total = leading.sum()
        shares = leading / total if total else leading
        share = float(sum(shares[EMOTIONS.index(name)] for name in check.expected))
        return CheckResult(check, faces, samples, share, {n: round(float(s), 3) for n, s in zip(EMOTIONS, shares)})


def format_results(model: str, results: list[CheckResult]) -> str:
    lines = [
        f"{model}: {sum(r.passed for r in results)} of {len(results)} checks pass (expected leads >= {PASS_SHARE:.0%})"
    ]
    for r in results:
        span = f" {r.check.start_s:g}-{r.check.end_s:g} s" if r.check.start_s is not None else ""
        top = max(r.leading, key=r.leading.get) if r.samples else "-"
        lines.append(
            f"  {'pass' if r.passed else 'FAIL'}  {r.check.file}{span}: expected {'|'.join(r.check.expected)} "
            f"{r.share:.0%} of {r.samples} samples, {r.faces} face(s); leading most: {top}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="model name or .tflite path; repeatable")
    parser.add_argument("--data", default=os.environ.get("EMOTION_TEST_DATA", str(DEFAULT_DATA)))
    options = parser.parse_args(argv)
    checks = load_checks()
    for model in options.model or [DEFAULT_MODEL]:
        runner = CheckRunner(model, Path(options.data))
        print(format_results(model, [runner.run(check) for check in checks]))


if __name__ == "__main__":
    main()
