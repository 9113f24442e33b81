"""Model cards: the JSON file beside a trained model's weights saying what it is and how it scored."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from .fer_dataset import file_sha256


def card_path(weights_path: str | Path) -> Path:
    """`emotion_net.keras` -> `emotion_net.card.json`."""
    path = Path(weights_path)
    return path.with_name(path.stem + ".card.json")


def read_card(weights_path: str | Path) -> dict | None:
    path = card_path(weights_path)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def write_card(weights_path: str | Path, card: dict) -> Path:
    """Write `card` beside the weights, stamping the weights file's hash into it."""
    card = {**card, "weights_file": Path(weights_path).name, "weights_sha256": file_sha256(weights_path)}
    path = card_path(weights_path)
    path.write_text(json.dumps(card, indent=2) + "\n")
    return path


def machine_description() -> dict:
    import tensorflow as tf

    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "gpus": [device.name for device in tf.config.list_physical_devices("GPU")],
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
