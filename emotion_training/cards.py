"""Writing model cards: the weights' and the LiteRT file's hashes, and the machine that made them."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from analysis.core.model_card import card_path, read_card

from .fer_dataset import file_sha256


def write_card(weights_path: str | Path, card: dict, tflite_path: str | Path | None = None) -> Path:
    """Write `card` beside the weights, stamping the hashes of the weights file and of its `.tflite` export."""
    card = {**card, "weights_file": Path(weights_path).name, "weights_sha256": file_sha256(weights_path)}
    if tflite_path is not None:
        card.update(tflite_fields(tflite_path))
    return _dump(card_path(weights_path), card)


def stamp_tflite(tflite_path: str | Path, extra: dict | None = None) -> Path:
    """Record the `.tflite` file's name and hash in the existing card beside it (the rest kept as it is)."""
    card = read_card(tflite_path)
    if card is None:
        raise FileNotFoundError(f"No model card beside {tflite_path} ({card_path(tflite_path)})")
    card.update(extra or {})
    card.update(tflite_fields(tflite_path))
    return _dump(card_path(tflite_path), card)


def write_tflite_card(tflite_path: str | Path, card: dict) -> Path:
    """Write `card` beside a `.tflite` that has no Keras weights of ours (the fer mini-Xception's export)."""
    return _dump(card_path(tflite_path), {**card, **tflite_fields(tflite_path)})


def tflite_fields(tflite_path: str | Path) -> dict:
    return {"tflite_file": Path(tflite_path).name, "tflite_sha256": file_sha256(tflite_path)}


def _dump(path: Path, card: dict) -> Path:
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
