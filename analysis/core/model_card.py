"""Model cards: the JSON file beside a model's weights saying what it is, how to feed it and how it scored.

Serving only reads cards; they are written by the training package (`emotion_training.cards`).
"""

from __future__ import annotations

import json
from pathlib import Path


def card_path(weights_path: str | Path) -> Path:
    """`emotion_net.keras` or `emotion_net.tflite` -> `emotion_net.card.json`."""
    path = Path(weights_path)
    return path.with_name(path.stem + ".card.json")


def read_card(weights_path: str | Path) -> dict | None:
    path = card_path(weights_path)
    if not path.exists():
        return None
    return json.loads(path.read_text())
