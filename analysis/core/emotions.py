"""The seven FER2013 emotion classes, in the order every model and export uses."""

from collections.abc import Sequence

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def dominant(probabilities: Sequence[float]) -> str:
    """Name of the most probable emotion."""
    best = max(range(len(EMOTIONS)), key=lambda i: probabilities[i])
    return EMOTIONS[best]
