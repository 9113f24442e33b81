"""Shaping emotion time series for drawing: light smoothing and downsampling."""

import numpy as np


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along axis 0 (edges use the samples available)."""
    window = min(window, len(values))  # a longer kernel would return more points than it was given
    if window <= 1:
        return values.astype(float)
    kernel = np.ones(window)
    counts = np.convolve(np.ones(len(values)), kernel, mode="same")
    columns = [np.convolve(values[:, i], kernel, mode="same") / counts for i in range(values.shape[1])]
    return np.stack(columns, axis=1)


def downsample(t: np.ndarray, values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` points, each the mean of a run of consecutive samples."""
    if len(t) <= max_points:
        return t, values
    edges = np.linspace(0, len(t), max_points + 1).astype(int)
    t_out = np.array([t[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])
    v_out = np.stack([values[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    return t_out, v_out
