"""Paths and small helpers shared by the bench modules (no project imports: the bench runs whole commands)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The real test data lives beside the project, never inside it.
DATA_DIR = Path(os.environ.get("EMOTION_TEST_DATA", PROJECT_ROOT.parent / "shared" / "data"))
OUT_DIR = PROJECT_ROOT / "bench" / "out"  # gitignored: clips, logs, side environments
LOG_DIR = OUT_DIR / "logs"
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
# The project's interpreter even when a bench module is started with another python.
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))


class BenchError(RuntimeError):
    """A precondition the bench cannot fix itself (a missing tool or input); printed, not traced."""


def require_ffmpeg() -> None:
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        raise BenchError(
            f"{' and '.join(missing)} not found: the bench makes its clips with ffmpeg. "
            "Install it (Debian: `apt-get install -y ffmpeg`) and run again."
        )


def data_file(relative: str) -> Path:
    path = DATA_DIR / relative
    if not path.is_file():
        raise BenchError(f"Test data missing: {path} (set EMOTION_TEST_DATA to the data folder).")
    return path


def probe_video(path: Path) -> dict:
    """Duration (s), frame count, size and rate as ffprobe reads them from the stream (packets counted)."""
    entries = "stream=width,height,avg_frame_rate,nb_read_packets:format=duration"
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", entries]
    out = subprocess.run([*command, "-of", "json", str(path)], check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    stream = info["streams"][0]
    num, den = (int(x) for x in stream["avg_frame_rate"].split("/"))
    return {
        "duration_s": float(info["format"]["duration"]),
        "frames": int(stream["nb_read_packets"]),
        "width": int(stream["width"]),
        "height": int(stream["height"]),
        "fps": num / den if den else 0.0,
    }


def bench_env() -> dict[str, str]:
    """The environment for measured commands: a local Ray (never a configured cluster), quiet TensorFlow."""
    env = dict(os.environ)
    env.pop("RAY_ADDRESS", None)  # a cluster address would measure that cluster, not this machine
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    return env


def manage_py(*args: str) -> list[str]:
    return [PYTHON, str(PROJECT_ROOT / "manage.py"), *args]


def machine_header(script: str) -> dict:
    """Print and return what a bench ran on: the commit, the CPUs and their load (they are shared)."""
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    machine = {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "commit": commit, "date": time.ctime()}
    print(
        f"{script} at {commit or 'unknown commit'}, {machine['date']}; {machine['cpus']} CPUs, "
        f"load average {' '.join(f'{x:.1f}' for x in machine['load_avg'])} (shared CPUs: figures vary run to run)"
    )
    return machine
