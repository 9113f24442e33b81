"""Calibrated probabilities: a temperature and a per-class bias on the model's log-probabilities.

A network trained with label smoothing, soft targets and class weights is not calibrated: its
probabilities are too flat or too sharp, and its class priors are those of its weighted training
set. `emotion_training.calibration` fits both on PublicTest; the fit lives in the model card
(`inference.calibration`), and serving applies it after the test-time views are averaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOOR = 1e-7  # the smallest probability taken to the log domain


@dataclass(frozen=True)
class Calibration:
    temperature: float = 1.0
    class_bias: tuple[float, ...] = ()  # added to each class's log-probability; empty: none

    @classmethod
    def from_card(cls, section: dict | None) -> Calibration:
        if not section:
            return cls()
        return cls(temperature=float(section["temperature"]), class_bias=tuple(float(b) for b in section["class_bias"]))

    def to_card(self) -> dict:
        return {"temperature": self.temperature, "class_bias": list(self.class_bias)}

    @property
    def is_identity(self) -> bool:
        return self.temperature == 1.0 and not any(self.class_bias)

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        if self.is_identity:
            return probabilities
        logits = np.log(np.clip(probabilities, FLOOR, 1.0)) / self.temperature
        if self.class_bias:
            logits = logits + np.asarray(self.class_bias, dtype=logits.dtype)
        return softmax(logits)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)
