"""Training an emotion network on a FER2013-shaped npz: augmentation, class weights, checkpoints.

`train_emotion_net` trains on one split and validates on another, keeping in `work_dir`:
  backup/            the latest epoch's weights and optimizer state (resumed from on a rerun)
  best.weights.h5    the best epoch so far by validation accuracy
  history.csv        one row per epoch
It returns the best model (no optimizer), ready to save and evaluate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .emotion_net import NUM_CLASSES, EmotionNetConfig, build_emotion_net
from .fer_dataset import FaceSet


@dataclass(frozen=True)
class AugmentConfig:
    max_rotation_deg: float = 15.0
    max_shift: float = 0.1  # share of the image side
    scale_range: tuple[float, float] = (0.85, 1.15)
    flip: bool = True
    max_brightness: float = 0.2  # on the [-1, 1] scale
    contrast_range: tuple[float, float] = (0.7, 1.3)


# "light" is for fine-tuning a trained net: the standard warps keep a 540k-parameter net at about
# 76% training accuracy, well short of fitting the data.
AUGMENT_PRESETS = {
    "standard": AugmentConfig(),
    "light": AugmentConfig(
        max_rotation_deg=10.0, max_shift=0.08, scale_range=(0.9, 1.1), max_brightness=0.15, contrast_range=(0.8, 1.2)
    ),
}


@dataclass(frozen=True)
class TrainingConfig:
    net: EmotionNetConfig = field(default_factory=EmotionNetConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    # Start from these weights (a .keras file of the same network) instead of a random init.
    init_weights: str | None = None
    # Knowledge distillation: the training target is (1 - share) * label + share * the teachers'
    # mean probabilities for the face (computed once, on the unaugmented faces).
    teachers: tuple[str, ...] = ()
    teacher_share: float = 0.0
    epochs: int = 60
    batch_size: int = 128
    learning_rate: float = 3e-3
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    # Class weight = (median count / class count) ** power: 0 ignores imbalance, 1 fully inverts
    # it. A half power lifts the rare classes (disgust has 436 training faces against 7,215
    # happy) without giving up much overall accuracy.
    class_weight_power: float = 0.5
    early_stop_patience: int = 12
    seed: int = 20131

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainingResult:
    model: object  # keras.Model, inference only
    best_epoch: int
    epochs_run: int
    history: list[dict]


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    counts = np.bincount(labels, minlength=NUM_CLASSES).astype(np.float64)
    counts = np.maximum(counts, 1.0)
    return (np.median(counts) / counts) ** power


def _augment_batch(images, config: AugmentConfig):
    """One random affine warp (rotation, scale, shift, flip) plus brightness/contrast per face."""
    import tensorflow as tf

    batch = tf.shape(images)[0]
    size = tf.cast(tf.shape(images)[1], tf.float32)
    angle = tf.random.uniform([batch], -1.0, 1.0) * (config.max_rotation_deg * math.pi / 180.0)
    scale = tf.random.uniform([batch], *config.scale_range)
    shift_x = tf.random.uniform([batch], -1.0, 1.0) * config.max_shift * size
    shift_y = tf.random.uniform([batch], -1.0, 1.0) * config.max_shift * size
    if config.flip:
        flip = tf.where(tf.random.uniform([batch]) < 0.5, -1.0, 1.0)
    else:
        flip = tf.ones([batch])
    # The transform maps each output pixel to the input pixel it samples: the inverse of
    # "flip, rotate and scale about the centre, then shift".
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1 = flip * cos, flip * sin
    b0, b1 = -sin, cos
    centre = (size - 1.0) / 2.0
    cx, cy = centre + shift_x, centre + shift_y
    a2 = centre - (a0 * cx + a1 * cy)
    b2 = centre - (b0 * cx + b1 * cy)
    zeros = tf.zeros([batch])
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    images = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )
    contrast = tf.random.uniform([batch, 1, 1, 1], *config.contrast_range)
    brightness = tf.random.uniform([batch, 1, 1, 1], -config.max_brightness, config.max_brightness)
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return tf.clip_by_value((images - mean) * contrast + mean + brightness, -1.0, 1.0)


def _to_input(faces):
    """emotion_classifier.to_model_range as graph ops, for the tf.data pipeline."""
    import tensorflow as tf

    return tf.cast(faces, tf.float32)[..., tf.newaxis] / 127.5 - 1.0


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


def training_targets(label_targets: np.ndarray, teacher_probabilities: np.ndarray | None, share: float) -> np.ndarray:
    """Each face's label target (one-hot, or the FER+ vote distribution), blended with the teachers'
    probabilities when there are any."""
    targets = label_targets.astype(np.float32)
    if teacher_probabilities is None or share == 0:
        return targets
    if teacher_probabilities.shape != targets.shape:
        raise ValueError(f"teacher probabilities {teacher_probabilities.shape} do not match {targets.shape}")
    return ((1.0 - share) * targets + share * teacher_probabilities).astype(np.float32)


def _training_dataset(train: FaceSet, config: TrainingConfig, targets: np.ndarray):
    import tensorflow as tf

    weights = class_weights(train.labels, config.class_weight_power).astype(np.float32)
    data = tf.data.Dataset.from_tensor_slices((train.faces, train.labels, targets))
    data = data.shuffle(len(train), seed=config.seed, reshuffle_each_iteration=True)
    data = data.batch(config.batch_size, drop_remainder=True)

    def prepare(faces, labels, target):
        images = _augment_batch(_to_input(faces), config.augment)
        return images, target, tf.gather(weights, labels)

    return data.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def _validation_dataset(val: FaceSet, batch_size: int):
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((val.faces, val.labels)).batch(batch_size)
    return data.map(lambda f, y: (_to_input(f), tf.one_hot(y, NUM_CLASSES))).cache()


def _compile(model, config: TrainingConfig, steps_per_epoch: int) -> None:
    import keras

    total = max(1, config.epochs * steps_per_epoch)
    warmup = min(total - 1, config.warmup_epochs * steps_per_epoch)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 20,
        decay_steps=total - warmup,
        alpha=0.01,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=["accuracy"],
    )


class _EpochLog:
    """A Keras callback printing one line per epoch: the time it took, the losses and accuracies."""

    def __new__(cls, total_epochs: int, write: Callable[[str], None]):
        import keras

        class EpochLog(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                write(
                    f"epoch {epoch + 1}/{total_epochs}  {time.monotonic() - self.started:.0f} s  "
                    f"loss {logs.get('loss', float('nan')):.4f}  acc {logs.get('accuracy', float('nan')):.4f}  "
                    f"val_loss {logs.get('val_loss', float('nan')):.4f}  "
                    f"val_acc {logs.get('val_accuracy', float('nan')):.4f}"
                )

        return EpochLog()


class _BestCheckpoint:
    """Saves the weights whenever validation accuracy beats every earlier epoch, resumed runs included."""

    def __new__(cls, path: Path, history_path: Path):
        import keras

        class BestCheckpoint(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                # Keras' ModelCheckpoint forgets the best score of an interrupted run.
                earlier = [row["val_accuracy"] for row in _read_history(history_path)]
                self.best = max(earlier) if earlier and path.exists() else -1.0

            def on_epoch_end(self, epoch, logs=None):
                score = (logs or {}).get("val_accuracy", -1.0)
                if score > self.best:
                    self.best = score
                    self.model.save_weights(str(path), overwrite=True)

        return BestCheckpoint()


def train_emotion_net(
    train: FaceSet,
    val: FaceSet,
    config: TrainingConfig,
    work_dir: Path,
    write: Callable[[str], None] = print,
    progress_bar: bool = False,
    teacher_probabilities: np.ndarray | None = None,
    label_targets: np.ndarray | None = None,
) -> TrainingResult:
    """Train; `teacher_probabilities` (N, 7) for the training faces is needed when config.teacher_share > 0.

    `label_targets` (N, 7), such as FER+ vote distributions, replace the one-hot labels as targets;
    `train.labels` still sets the class weights and `val.labels` the validation accuracy.
    """
    import keras

    if config.teacher_share and teacher_probabilities is None:
        raise ValueError("teacher_share is set but no teacher probabilities were given")
    work_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    model = build_emotion_net(config.net)
    if config.init_weights:
        # A resumed run then overwrites these with its backup, as it should.
        model.set_weights(keras.models.load_model(config.init_weights, compile=False).get_weights())
    steps = len(train) // config.batch_size
    if steps == 0:
        raise ValueError(f"{len(train)} training faces are fewer than one batch of {config.batch_size}")
    _compile(model, config, steps)
    best_path = work_dir / "best.weights.h5"
    history_path = work_dir / "history.csv"
    callbacks = [
        # Restores weights, optimizer state and the epoch counter from the last finished epoch.
        keras.callbacks.BackupAndRestore(str(work_dir / "backup"), delete_checkpoint=False),
        _BestCheckpoint(best_path, history_path),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=config.early_stop_patience),
        keras.callbacks.CSVLogger(str(history_path), append=True),
        _EpochLog(config.epochs, write),
    ]
    model.fit(
        _training_dataset(
            train,
            config,
            training_targets(
                one_hot(train.labels) if label_targets is None else label_targets,
                teacher_probabilities,
                config.teacher_share,
            ),
        ),
        validation_data=_validation_dataset(val, 512),
        epochs=config.epochs,
        shuffle=False,  # the dataset shuffles itself
        callbacks=callbacks,
        verbose=1 if progress_bar else 0,
    )
    history = _read_history(history_path)
    if not best_path.exists():
        raise RuntimeError("Training ended before any epoch finished; nothing to save.")
    best = build_emotion_net(config.net)
    best.load_weights(best_path)
    # Every finished epoch wrote a history row, so there is one for the best weights.
    best_epoch = 1 + int(np.argmax([row["val_accuracy"] for row in history]))
    return TrainingResult(best, best_epoch, len(history), history)


def _read_history(path: Path) -> list[dict]:
    import csv

    if not path.exists():
        return []
    with open(path) as handle:
        rows = [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]
    # A resumed run appends; keep the last row written for each epoch.
    by_epoch = {int(row["epoch"]): row for row in rows}
    return [by_epoch[epoch] for epoch in sorted(by_epoch)]
