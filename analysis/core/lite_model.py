"""Running an exported emotion model (a `.tflite` LiteRT flatbuffer) through the LiteRT interpreter.

The `.tflite` files are written from the Keras models by the training package
(`python -m emotion_training.litert_export`, and `python -m emotion_training.train` after training),
so serving never imports TensorFlow or Keras: a process that classifies faces loads only the small
LiteRT runtime. For our small convolutional nets LiteRT's XNNPACK kernels classify about twice as
many faces per second as Keras' predict_on_batch on the same cores (bench/emotion_speed.py), with
outputs equal to within 1e-5.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Faces per interpreter call (see predict_on_batch).
CALL_SIZE = 128


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), else every core."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class LiteModel:
    """A `.tflite` model with Keras' predict_on_batch interface. Not thread-safe: one per thread.

    `threads` is the interpreter's thread count: by default every usable core; a process that
    runs one model per core (a Ray actor with one CPU) passes 1.
    """

    def __init__(self, path: str | Path, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        path = Path(path)
        if path.suffix != ".tflite":
            raise ValueError(f"{path} is not a .tflite file")
        if threads is None:
            threads = usable_cores()
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        self.path = path
        self.threads = threads
        self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self._input = self._interpreter.get_input_details()[0]
        output = self._interpreter.get_output_details()[0]
        self._output = output["index"]
        self.input_shape = tuple(int(d) for d in self._input["shape"])
        self.output_shape = tuple(int(d) for d in output["shape"])
        self._batch = 0

    def predict_on_batch(self, batch: np.ndarray) -> np.ndarray:
        # Sub-batches keep the activations in the CPU's cache: 128 faces a call cost 175 us a face
        # here, 1,024 faces a call 242 us.
        outputs = [self._invoke(batch[start : start + CALL_SIZE]) for start in range(0, len(batch), CALL_SIZE)]
        return np.concatenate(outputs) if outputs else np.zeros((0, *self.output_shape[1:]), np.float32)

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) != self._batch:
            # Reallocating costs about a millisecond; most calls repeat the full sub-batch size.
            self._interpreter.resize_tensor_input(self._input["index"], [len(batch), *self.input_shape[1:]])
            self._interpreter.allocate_tensors()
            self._batch = len(batch)
        self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(batch, dtype=np.float32))
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output).copy()
