"""Time of one 128-d face encoding (face_recognition.face_encodings) in one thread, per dlib build.

    .venv/bin/python -m bench.face_encoding                 # the venv's dlib, and the OpenBLAS build if made
    .venv/bin/python -m bench.face_encoding --this-python   # only the dlib this interpreter imports

The face is found once (HOG); the timed call is `face_encodings(image, known_face_locations=[box])`,
5-point landmarks plus dlib's ResNet descriptor, no jitter; beside it, the pipeline's encoder
(analysis/core/face_models.py: the same landmarks, chip and weights, the ResNet run by LiteRT).
One thread (OPENBLAS_NUM_THREADS=1), as each Ray actor runs on one core.
Each dlib is measured in its own child process, so two builds of dlib never share one interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import dlib_openblas
from bench.common import PROJECT_ROOT, PYTHON, BenchError, data_file

FACE_IMAGE = "images/obama.jpg"
ROUNDS = 30


def _time_here(rounds: int) -> dict:
    """Runs in the child: the timings of the dlib that this interpreter imports."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # read when the library loads, so before the import
        os.environ.setdefault(var, "1")
    import dlib
    import face_recognition

    image = face_recognition.load_image_file(str(data_file(FACE_IMAGE)))
    boxes = face_recognition.face_locations(image)
    if not boxes:
        raise BenchError(f"no face found in {FACE_IMAGE}")
    for _ in range(3):  # warm-up: first calls allocate and fault in the network's weights
        face_recognition.face_encodings(image, known_face_locations=boxes[:1])
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        face_recognition.face_encodings(image, known_face_locations=boxes[:1])
        times.append((time.perf_counter() - started) * 1000)
    # The pipeline's encoder: the same landmarks and ResNet weights, the network run by LiteRT.
    from analysis.core.face_models import FaceEncoder

    encoder = FaceEncoder(threads=1)
    top, right, bottom, left = boxes[0]
    box = (left, top, right - left, bottom - top)
    litert = []
    for round_ in range(rounds + 3):
        started = time.perf_counter()
        encoder.encode(image, encoder.landmarks(image, box))
        if round_ >= 3:
            litert.append((time.perf_counter() - started) * 1000)
    return {
        "litert_median_ms": statistics.median(litert),
        "dlib": str(Path(dlib.__file__).parent),
        "version": dlib.__version__,
        "blas": bool(dlib.DLIB_USE_BLAS),
        "avx": bool(dlib.USE_AVX_INSTRUCTIONS),
        "median_ms": statistics.median(times),
        "min_ms": min(times),
    }


def measure(site: Path | None = None, rounds: int = ROUNDS) -> dict:
    """The figure for the venv's dlib (site=None) or for a dlib installed in `site`, from a child process."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    child = [PYTHON, "-m", "bench.face_encoding", "--this-python", "--rounds", str(rounds), "--json-line"]
    done = subprocess.run(child, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BenchError(f"face encoding timing failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe(result: dict) -> str:
    blas = "OpenBLAS" if result["blas"] else "no BLAS"
    return (
        f"{result['median_ms']:.1f} ms per encoding (min {result['min_ms']:.1f}); "
        f"dlib {result['version']}, {blas}, AVX {'on' if result['avx'] else 'off'}, {result['dlib']}; "
        f"the pipeline's (the same ResNet through LiteRT): {result['litert_median_ms']:.1f} ms"
    )


def compare(rounds: int = ROUNDS) -> dict[str, dict | None]:
    """venv dlib and the OpenBLAS build (None while not built)."""
    results: dict[str, dict | None] = {"venv": measure(None, rounds)}
    results["openblas"] = measure(dlib_openblas.SITE, rounds) if dlib_openblas.built() else None
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description="Time one face encoding per dlib build, one thread.")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"timed encodings (default {ROUNDS})")
    parser.add_argument("--this-python", action="store_true", help="time only the dlib this interpreter imports")
    parser.add_argument("--json-line", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args()
    try:
        if args.this_python:
            result = _time_here(args.rounds)
            print(json.dumps(result) if args.json_line else describe(result))
            return 0
        for name, result in compare(args.rounds).items():
            print(f"{name:9} " + (describe(result) if result else dlib_openblas.status()))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
