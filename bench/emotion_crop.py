"""Which face-crop margin suits an emotion model on real footage?

FER2013 faces are framed tightly, roughly brow to chin. The face detector's boxes are framed a
little differently, so at inference we widen each box by a margin on every side before resizing.
This scores candidate margins on the labelled real data in ../shared/data: both halves of
WolfgangLanger_Pexels.mp4 (a negative emotion 0-9 s, happy 12-19.7 s), single_face.mp4 (happy)
and the stills whose expression is known. For each it prints the mean probability of the expected emotion and
how often it is the top one.

    python bench/emotion_crop.py --model emotion-net-v3 --margins 0,0.1,0.2,0.3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from analysis.core.emotion_classifier import DEFAULT_MODEL, EmotionClassifier, crop_faces, model_spec  # noqa: E402
from analysis.core.emotions import EMOTIONS  # noqa: E402
from analysis.core.video_source import iter_sampled_frames  # noqa: E402

DATA = Path(os.environ.get("EMOTION_TEST_DATA", PROJECT_ROOT.parent / "shared" / "data"))

NEGATIVE = "angry+disgust+fear+sad"

# (name, file, expected emotions joined by "+", start s, end s); stills have no times.
CASES = [
    ("Wolfgang 0-9 s", "videos/WolfgangLanger_Pexels.mp4", NEGATIVE, 0.0, 9.0),
    ("Wolfgang 12-19.7 s", "videos/WolfgangLanger_Pexels.mp4", "happy", 12.0, 20.0),
    ("single_face.mp4", "videos/single_face.mp4", "happy", 0.0, 10.0),
    ("astronaut.png", "images/astronaut.png", "happy", None, None),
    ("happy_black.jpg", "images/happy_black.jpg", "happy", None, None),
    ("angry_black.jpg", "images/angry_black.jpg", "angry", None, None),
    ("surprise_white.jpg", "images/surprise_white.jpg", "surprise", None, None),
]


def largest_face(image: np.ndarray) -> tuple[int, int, int, int] | None:
    import face_recognition

    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    locations = face_recognition.face_locations(rgb)
    boxes = [(left, top, right - left, bottom - top) for top, right, bottom, left in locations]
    return max(boxes, key=lambda box: box[2] * box[3]) if boxes else None


def case_faces(path: Path, start: float | None, end: float | None, fps: float) -> list[tuple[np.ndarray, tuple]]:
    """(grayscale image, face box) for each frame (or the still) where a face is found."""
    if start is None:
        images = [cv2.imread(str(path), cv2.IMREAD_COLOR)]
    else:
        images = [f.image for f in iter_sampled_frames(str(path), fps) if start <= f.t < end]
    found = []
    for image in images:
        box = largest_face(image)
        if box is not None:
            found.append((cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), box))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--margins", default="0,0.05,0.1,0.15,0.2,0.3")
    parser.add_argument("--fps", type=float, default=5.0, help="frames sampled per second of video")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    margins = [float(m) for m in args.margins.split(",")]
    base = model_spec(args.model)
    classifier = EmotionClassifier(base)

    faces = {name: case_faces(DATA / file, start, end, args.fps) for name, file, _, start, end in CASES}
    results: dict[str, dict] = {}
    print(f"{args.model}: mean p(expected) / share of faces where it is the top emotion")
    print(f"{'case':<20} {'expected':<9} {'faces':>5} " + " ".join(f"{'m=' + str(m):>12}" for m in margins))
    totals = {m: [] for m in margins}
    for name, _, expected, _, _ in CASES:
        targets = [EMOTIONS.index(emotion) for emotion in expected.split("+")]
        row = {}
        for margin in margins:
            spec = dataclasses.replace(base, crop_margin=margin)
            batch = np.concatenate([crop_faces(gray, [box], spec) for gray, box in faces[name]])
            probabilities = classifier.predict(batch)
            p_expected = probabilities[:, targets].sum(axis=1)
            row[margin] = (float(p_expected.mean()), float(np.isin(probabilities.argmax(1), targets).mean()))
            totals[margin].append(row[margin][0])
        results[name] = {str(m): {"p_expected": p, "top1": t} for m, (p, t) in row.items()}
        cells = " ".join(f"{p:>5.2f} / {t:>4.0%}" for p, t in row.values())
        print(f"{name:<20} {expected[:9]:<9} {len(faces[name]):>5} {cells}")
    print(f"{'mean p(expected)':<36} " + " ".join(f"{np.mean(v):>12.3f}" for v in totals.values()))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"model": args.model, "cases": results}, indent=2))


if __name__ == "__main__":
    main()
