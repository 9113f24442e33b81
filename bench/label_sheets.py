"""Contact sheets of every frame's eyes and mouth, for labelling blinks and talking by eye.

    .venv/bin/python -m bench.label_sheets ../shared/data/videos/WolfgangLanger_Pexels.mp4
    .venv/bin/python -m bench.label_sheets CLIP --full --first 100 --last 140   # whole frames, for context

Decodes every frame with PyAV and captions each tile with its frame number (from 0) and its
presentation time from the stream (`frame.time`, so variable-frame-rate files are timed right). The
face is found in each frame with OpenCV's YuNet (analysis/weights); its five points place an eye strip
(both eyes) and a mouth box, which are cropped, enlarged and laid out in a grid, one PNG per sheet
(6 columns x 8 rows by default) under --out (/tmp/labels/<clip>/). A frame with no face reuses the last
face's boxes and is captioned "no face". Nothing here measures eyes or mouths: the sheets are for a
person to look at (docs/clip-labels.md holds the labels made with them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import cv2
import numpy as np

YUNET = Path(__file__).resolve().parent.parent / "analysis" / "weights" / "face_detection_yunet_2023mar.onnx"
TILE_W = 240
EYE_H, MOUTH_H, CAPTION_H = 80, 80, 18


def decode(path: Path):
    """Yields (index, time in s, BGR frame) for every frame of the file."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for index, frame in enumerate(container.decode(stream)):
            yield index, float(frame.time), frame.to_ndarray(format="bgr24")


def largest_face(detector, image: np.ndarray) -> np.ndarray | None:
    """YuNet's row (x, y, w, h, 5 points, score) for the largest face, or None."""
    height, width = image.shape[:2]
    detector.setInputSize((width, height))
    _, faces = detector.detect(image)
    if faces is None or len(faces) == 0:
        return None
    return max(faces, key=lambda f: f[2] * f[3])


def crop(image: np.ndarray, centre: tuple[float, float], size: tuple[float, float], out: tuple[int, int]) -> np.ndarray:
    """An axis-aligned box around `centre`, padded with grey where it leaves the frame, resized to `out`."""
    (cx, cy), (w, h) = centre, size
    x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
    x1, y1 = x0 + max(int(round(w)), 2), y0 + max(int(round(h)), 2)
    pad = max(0, -x0, -y0, x1 - image.shape[1], y1 - image.shape[0])
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(90, 90, 90))
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    return cv2.resize(image[y0:y1, x0:x1], out, interpolation=cv2.INTER_CUBIC)


def face_tile(image: np.ndarray, face: np.ndarray) -> np.ndarray:
    """Eye strip above mouth box, from YuNet's points (right eye, left eye, nose, mouth right, mouth left)."""
    points = face[4:14].reshape(5, 2)
    eyes, mouth = points[:2], points[3:5]
    span = float(np.linalg.norm(eyes[1] - eyes[0]))
    eye_strip = crop(image, tuple(eyes.mean(0)), (2.1 * span, 2.1 * span * EYE_H / TILE_W), (TILE_W, EYE_H))
    mouth_w = 1.8 * max(float(np.linalg.norm(mouth[1] - mouth[0])), 0.6 * span)
    centre = tuple(mouth.mean(0) + [0, 0.1 * span])
    mouth_box = crop(image, centre, (mouth_w, mouth_w * MOUTH_H / TILE_W), (TILE_W, MOUTH_H))
    return np.vstack([eye_strip, mouth_box])


def captioned(tile: np.ndarray, text: str) -> np.ndarray:
    bar = np.full((CAPTION_H, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (3, CAPTION_H - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    framed = np.vstack([bar, tile])
    return cv2.copyMakeBorder(framed, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def sheets(tiles: list[np.ndarray], cols: int, rows: int):
    per = cols * rows
    for start in range(0, len(tiles), per):
        batch = tiles[start : start + per]
        blank = np.full_like(batch[0], 255)
        batch += [blank] * (per - len(batch))
        yield start, np.vstack([np.hstack(batch[r * cols : (r + 1) * cols]) for r in range(rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default /tmp/labels/<clip stem>)")
    parser.add_argument("--cols", type=int, default=6)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--first", type=int, default=0, help="first frame (from 0)")
    parser.add_argument("--last", type=int, default=10**9, help="last frame, included")
    parser.add_argument("--full", action="store_true", help="whole frames (scaled to the tile width) instead of crops")
    args = parser.parse_args()
    out = args.out or Path("/tmp/labels") / (args.clip.stem + ("_full" if args.full else ""))
    out.mkdir(parents=True, exist_ok=True)
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (320, 320), 0.6)
    tiles, last_face, index = [], None, -1
    for index, time, image in decode(args.clip):
        if index < args.first or index > args.last:
            continue
        if args.full:
            height = round(image.shape[0] * TILE_W * 1.5 / image.shape[1])
            tile, note = cv2.resize(image, (round(TILE_W * 1.5), height), interpolation=cv2.INTER_AREA), ""
        else:
            face = largest_face(detector, image)
            note = "" if face is not None else " no face"
            last_face = face if face is not None else last_face
            if last_face is None:
                tile = np.full((EYE_H + MOUTH_H, TILE_W, 3), 90, np.uint8)
            else:
                tile = face_tile(image, last_face)
        tiles.append(captioned(tile, f"#{index}  {time:.3f}s{note}"))
    if not tiles:
        print(f"no frames in {args.clip} between {args.first} and {args.last}", file=sys.stderr)
        return 1
    for start, sheet in sheets(tiles, args.cols, args.rows):
        name = out / f"{args.clip.stem}_{args.first + start:04d}.png"
        cv2.imwrite(str(name), sheet)
        print(name)
    print(f"{len(tiles)} frames, {index + 1} in the file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
