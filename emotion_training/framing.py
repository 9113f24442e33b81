"""Measure how FER2013 frames its faces: the median eye centres and nose base, as fractions of the side.

    python -m emotion_training.framing [--data NPZ] [--faces 600]

prints the figures `analysis.core.face_alignment.FER_FRAMING` holds. The faces are upscaled 4x and
given a border, so that dlib's HOG detector and 5-point predictor work on them as on video frames;
faces where the detector does not find exactly one face are left out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from analysis.core.face_alignment import key_points
from analysis.core.face_models import FaceEncoder, FaceLocator

from .fer_dataset import load_split
from .paths import FER2013_PATH

UPSCALE = 4
BORDER = 48


def measure_framing(faces: np.ndarray) -> tuple[np.ndarray, int]:
    """Median (3, 2) key points in unit coordinates, and how many faces they come from."""
    locate, encoder = FaceLocator("hog"), FaceEncoder()
    side = faces.shape[1] * UPSCALE
    found = []
    for face in faces:
        big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        big = cv2.copyMakeBorder(big, BORDER, BORDER, BORDER, BORDER, cv2.BORDER_REPLICATE)
        rgb = cv2.cvtColor(big, cv2.COLOR_GRAY2RGB)
        boxes = locate(rgb)
        if len(boxes) != 1:
            continue
        points = encoder.points(encoder.landmarks(rgb, boxes[0].box))
        found.append((key_points(points) - BORDER) / side)
    return np.median(np.array(found), axis=0), len(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emotion_training.framing", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(FER2013_PATH), help="FER2013-shaped npz (default: %(default)s)")
    parser.add_argument("--faces", type=int, default=600, help="the first N Training faces")
    options = parser.parse_args(argv)
    faces = load_split(Path(options.data), "Training").faces[: options.faces]
    framing, count = measure_framing(faces)
    print(f"{count} of {len(faces)} faces with one detected face")
    print("FER_FRAMING =", [tuple(round(float(v), 3) for v in point) for point in framing])


if __name__ == "__main__":
    main()
