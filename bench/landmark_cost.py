"""What the 68 landmarks cost a face-sample, one thread, against dlib's 5-point predictor in the same run.

    .venv/bin/python -m bench.landmark_cost [--every 3] [--rounds 5]

Faces are real: YuNet (the pipeline's detector, boxes in dlib's framing) finds them on every
`--every`-th frame of the shared clips below; each face-sample is then given to
analysis.core.face_landmarks.DlibLandmarks68 (the 68 points as a float array, as facial_states reads
them) and to the 5-point predictor the identity encoder runs today (face_models.FaceEncoder.landmarks),
in alternating order, `--rounds` times each. Per face-sample: the CPU time of the calling thread (ms
of one core), the median over its rounds. Printed: the median and p90 over face-samples, and the
68-point / 5-point ratio of the medians. Issue 33's budget: <= 2 ms of one core per face-sample.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # one thread, set before numpy and dlib load
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import BenchError, data_file, machine_header  # noqa: E402

CLIPS = (
    "videos/single_face.mp4",  # one face, 640x360
    "videos/WolfgangLanger_Pexels.mp4",  # one face, 640x360, moving, crying then laughing
    "videos/face_noface.mov",  # one face, 960x540
    "videos/street_1080p.mp4",  # 2-6 small faces, 1920x1080
)
SMALLEST_FACE_PX = 24  # YuNet finds smaller faces; the pipeline tracks from about this size


def face_samples(every: int) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """(RGB frame, box) for each face YuNet finds on every `every`-th frame of the clips."""
    from analysis.core.yunet import YuNetLocator

    locate = YuNetLocator()
    samples = []
    for clip in CLIPS:
        video = cv2.VideoCapture(str(data_file(clip)))
        index = 0
        while True:
            ok, frame = video.read()
            if not ok:
                break
            if index % every == 0:
                rgb = None
                for found in locate(frame):
                    if min(found.box[2:]) >= SMALLEST_FACE_PX:
                        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if rgb is None else rgb
                        samples.append((rgb, found.box))
            index += 1
        video.release()
    if not samples:
        raise BenchError("no faces found in the clips")
    return samples


def thread_ms(predict, image: np.ndarray, box) -> float:
    started = time.thread_time()
    predict(image, box)
    return (time.thread_time() - started) * 1000


def measure(samples, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Per face-sample: the median CPU ms of the 68-point and of the 5-point predictor."""
    from analysis.core.face_landmarks import DlibLandmarks68
    from analysis.core.face_models import FaceEncoder

    sixty_eight, five = DlibLandmarks68(), FaceEncoder(threads=1)
    for image, box in samples[:20]:  # warm-up: fault in both models' trees
        sixty_eight(image, box), five.landmarks(image, box)
    costs_68, costs_5 = [], []
    for number, (image, box) in enumerate(samples):
        times_68, times_5 = [], []
        for round_ in range(rounds):
            first_68 = (number + round_) % 2 == 0  # alternate which runs first: neither gets the warmer cache
            if first_68:
                times_68.append(thread_ms(sixty_eight, image, box))
            times_5.append(thread_ms(five.landmarks, image, box))
            if not first_68:
                times_68.append(thread_ms(sixty_eight, image, box))
        costs_68.append(np.median(times_68))
        costs_5.append(np.median(times_5))
    return np.array(costs_68), np.array(costs_5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=int, default=3, help="take faces on every N-th frame (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per face-sample and predictor")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    machine_header("bench.landmark_cost")
    try:
        samples = face_samples(args.every)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sides = np.array([box[2] for _, box in samples])
    print(f"{len(samples)} face-samples from {len(CLIPS)} clips; face side {sides.min()}-{sides.max()} px")
    costs_68, costs_5 = measure(samples, args.rounds)
    for name, costs in (("68-point (face_landmarks)", costs_68), ("5-point (identity encoder's)", costs_5)):
        median, p90 = np.median(costs), np.percentile(costs, 90)
        print(f"{name:30} {median:.2f} ms per face-sample (median), p90 {p90:.2f} ms, one core")
    ratio = np.median(costs_68) / np.median(costs_5)
    verdict = "within" if np.median(costs_68) <= 2.0 else "over"
    print(f"68-point / 5-point: {ratio:.1f}x; the 68 points are {verdict} issue 33's 2 ms budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
