"""Which face crop suits an emotion model on real footage: a box widened by a margin, or aligned?

FER2013 faces are framed tightly, roughly brow to chin, eyes level. The face detector's boxes are
framed a little differently, so at inference we either widen each box by a margin on every side
before resizing, or align the face from its 5 landmarks onto FER2013's median framing
(analysis/core/face_alignment.py). This scores the candidates on labelled real data in
../shared/data: both halves of WolfgangLanger_Pexels.mp4 (a negative emotion 0-9 s, happy
12-19.7 s), single_face.mp4 (happy), every face of street_1080p.mp4 (calm pedestrians: neutral)
and the stills whose expression is known. For each it prints the mean probability of the
expected emotion and how often it is the top one. `--fer` also scores PublicTest faces as given
against the same faces aligned from their own landmarks (where dlib finds exactly one face).

    .venv/bin/python -m bench.emotion_crop --model emotion-net-v3 --margins 0,0.1,0.2,0.3 --fer
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

import cv2
import numpy as np

from analysis.core.emotion_classifier import (
    DEFAULT_MODEL,
    EmotionClassifier,
    crop_faces,
    model_spec,
    to_model_range,
)
from analysis.core.emotions import EMOTIONS
from analysis.core.face_alignment import aligned_crop
from analysis.core.face_detection import DetectorConfig, FaceDetector
from analysis.core.face_models import FaceEncoder, FaceLocator
from analysis.core.video_source import iter_sampled_frames
from bench.common import DATA_DIR
from emotion_training.fer_dataset import load_split
from emotion_training.framing import BORDER, UPSCALE

NEGATIVE = "angry+disgust+fear+sad"
DETECTOR, ENCODER, LOCATOR = FaceDetector(DetectorConfig()), FaceEncoder(), FaceLocator("hog")

# (name, file, expected emotions joined by "+", start s, end s); stills have no times.
CASES = [
    ("Wolfgang 0-9 s", "videos/WolfgangLanger_Pexels.mp4", NEGATIVE, 0.0, 9.0),
    ("Wolfgang 12-19.7 s", "videos/WolfgangLanger_Pexels.mp4", "happy", 12.0, 20.0),
    ("single_face.mp4", "videos/single_face.mp4", "happy", 0.0, 10.0),
    ("street, every face", "videos/street_1080p.mp4", "neutral", 0.0, 10.0),
    ("astronaut.png", "images/astronaut.png", "happy", None, None),
    ("happy_black.jpg", "images/happy_black.jpg", "happy", None, None),
    ("angry_black.jpg", "images/angry_black.jpg", "angry", None, None),
    ("surprise_white.jpg", "images/surprise_white.jpg", "surprise", None, None),
]


def face_boxes(rgb: np.ndarray, every_face: bool) -> list[tuple[int, int, int, int]]:
    if every_face:  # small faces in a large frame: the pipeline's detector at its fine scale
        return [face.box for face in DETECTOR.full_frame(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))]
    import face_recognition

    locations = face_recognition.face_locations(rgb)
    boxes = [(left, top, right - left, bottom - top) for top, right, bottom, left in locations]
    return [max(boxes, key=lambda box: box[2] * box[3])] if boxes else []


def case_faces(path: Path, start: float | None, end: float | None, fps: float, every_face: bool) -> list[tuple]:
    """(grayscale image, face box, landmarks) for the largest face (or every face) of each frame or still."""
    if start is None:
        images = [cv2.imread(str(path), cv2.IMREAD_COLOR)]
    else:
        images = [f.image for f in iter_sampled_frames(str(path), fps) if start <= f.t < end]
    found = []
    for image in images:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        for box in face_boxes(rgb, every_face):
            points = ENCODER.points(ENCODER.landmarks(rgb, box))
            found.append((cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), box, points))
    return found


def fer_alignment(classifier: EmotionClassifier, data: Path) -> None:
    """PublicTest accuracy on the faces as given and aligned from their own landmarks."""
    faces = load_split(data, "PublicTest")
    side = 48 * UPSCALE
    detected, aligned = [], []
    for face in faces.faces:
        big = cv2.copyMakeBorder(
            cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC), *[BORDER] * 4, cv2.BORDER_REPLICATE
        )
        rgb = cv2.cvtColor(big, cv2.COLOR_GRAY2RGB)
        boxes = LOCATOR(rgb)
        detected.append(len(boxes) == 1)
        aligned.append(
            aligned_crop(big, ENCODER.points(ENCODER.landmarks(rgb, boxes[0].box)), 48) if len(boxes) == 1 else face
        )
    detected = np.array(detected)
    as_given = classifier.predict(to_model_range(faces.faces)).argmax(1) == faces.labels
    as_aligned = classifier.predict(to_model_range(np.array(aligned))).argmax(1) == faces.labels
    print(
        f"PublicTest: one face found in {detected.sum()} of {len(detected)}; on those, accuracy as given "
        f"{as_given[detected].mean():.4f}, aligned {as_aligned[detected].mean():.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--margins", default="0,0.05,0.1,0.15,0.2,0.3")
    parser.add_argument("--fps", type=float, default=5.0, help="frames sampled per second of video")
    parser.add_argument("--fer", action="store_true", help="also score PublicTest as given and aligned")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    margins = [float(m) for m in args.margins.split(",")]
    base = model_spec(args.model)
    classifier = EmotionClassifier(base)

    faces = {
        name: case_faces(DATA_DIR / file, start, end, args.fps, every_face=name.endswith("every face"))
        for name, file, _, start, end in CASES
    }
    crops = {
        f"m={m}": (lambda gray, box, points, m=m: crop_faces(gray, [box], dataclasses.replace(base, crop_margin=m)))
        for m in margins
    }
    crops["aligned"] = lambda gray, box, points: to_model_range(aligned_crop(gray, points, base.input_size)[np.newaxis])
    results: dict[str, dict] = {}
    print(f"{args.model}: mean p(expected) / share of faces where it is the top emotion")
    print(f"{'case':<20} {'expected':<9} {'faces':>5} " + " ".join(f"{name:>12}" for name in crops))
    totals = {name: [] for name in crops}
    for name, _, expected, _, _ in CASES:
        targets = [EMOTIONS.index(emotion) for emotion in expected.split("+")]
        row = {}
        for crop_name, crop in crops.items():
            batch = np.concatenate([crop(*face) for face in faces[name]])
            probabilities = classifier.predict(batch)
            p_expected = probabilities[:, targets].sum(axis=1)
            row[crop_name] = (float(p_expected.mean()), float(np.isin(probabilities.argmax(1), targets).mean()))
            totals[crop_name].append(row[crop_name][0])
        results[name] = {crop_name: {"p_expected": p, "top1": t} for crop_name, (p, t) in row.items()}
        cells = " ".join(f"{p:>5.2f} / {t:>4.0%}" for p, t in row.values())
        print(f"{name:<20} {expected[:9]:<9} {len(faces[name]):>5} {cells}")
    print(f"{'mean p(expected)':<36} " + " ".join(f"{np.mean(v):>12.3f}" for v in totals.values()))
    if args.fer:
        fer_alignment(
            classifier, Path(os.environ.get("FER2013_PATH", DATA_DIR / "fer2013" / "fer2013_train_publictest.npz"))
        )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"model": args.model, "cases": results}, indent=2))


if __name__ == "__main__":
    main()
