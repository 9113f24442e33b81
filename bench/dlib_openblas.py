"""dlib compiled from source against OpenBLAS, built beside the venv (never into it) for bench/face_encoding.py.

    nice -n 15 .venv/bin/python -m bench.dlib_openblas            # build once; ~25 min with 1 job on 2 cores
    .venv/bin/python -m bench.dlib_openblas --jobs 2              # faster, takes both cores (~12 min)

The `dlib-bin` wheel in the venv is built without BLAS, so its 128-d face encoding (a ResNet run by
dlib's own matrix code) is several times slower than with OpenBLAS. This makes a wheel with
`pip wheel --no-binary dlib dlib==VERSION` into bench/out/dlib-openblas/wheels and unpacks it into
bench/out/dlib-openblas/site, which bench/face_encoding.py puts ahead of the venv on PYTHONPATH.
`make dlib-openblas` does the same build into the venv itself; the Dockerfile builds it in a stage.
Needs a C++ compiler, CMake and OpenBLAS headers (Debian: `apt-get install -y libopenblas-dev`).
dlib's setup enables AVX when the building machine has it, so the wheel is for machines like this one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bench.common import OUT_DIR, PYTHON, BenchError

DLIB_VERSION = "20.0.1"  # the release the venv's dlib-bin 20.0.1.post1 packages
BUILD_DIR = OUT_DIR / "dlib-openblas"
WHEELS = BUILD_DIR / "wheels"
SITE = BUILD_DIR / "site"
LOG = BUILD_DIR / "build.log"


def built() -> bool:
    return any(SITE.glob("_dlib_pybind11*.so"))


def status() -> str:
    if built():
        return f"built in {SITE}"
    if LOG.exists():
        return f"not built (log: {LOG})"
    return "not built"


def _has_openblas() -> bool:
    found = subprocess.run(["pkg-config", "--exists", "openblas"], capture_output=True)
    return found.returncode == 0


def build(jobs: int = 1) -> None:
    """Wheel from the sdist, then unpacked into SITE; the compiler's output goes to LOG."""
    if not _has_openblas():
        raise BenchError("OpenBLAS headers not found: `apt-get install -y libopenblas-dev` (and pkg-config)")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    # dlib's setup.py runs `make -jN` with N from this variable (else from the CPU count and RAM).
    env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(jobs)}
    wheel = [PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-binary", "dlib", f"dlib=={DLIB_VERSION}", "-w", WHEELS]
    print(f"building dlib {DLIB_VERSION} against OpenBLAS with {jobs} job(s); log: {LOG}", flush=True)
    with open(LOG, "a") as log:
        if subprocess.run([str(arg) for arg in wheel], env=env, stdout=log, stderr=subprocess.STDOUT).returncode:
            raise BenchError(f"the dlib build failed: see {LOG}")
        wheels = sorted(WHEELS.glob(f"dlib-{DLIB_VERSION}-*.whl"))
        install = [PYTHON, "-m", "pip", "install", "--no-deps", "--upgrade", "--target", str(SITE), str(wheels[-1])]
        if subprocess.run(install, stdout=log, stderr=subprocess.STDOUT).returncode:
            raise BenchError(f"installing the built wheel into {SITE} failed: see {LOG}")
    print(status())


def main() -> int:
    parser = argparse.ArgumentParser(description="Build dlib against OpenBLAS into bench/out/dlib-openblas.")
    parser.add_argument("--jobs", type=int, default=1, help="parallel compile jobs (default 1, to share the CPU)")
    args = parser.parse_args()
    try:
        if built():
            print(status())
        else:
            build(args.jobs)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
