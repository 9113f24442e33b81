"""Shaping emotion time series: the smoothing every chart and summary shares, and downsampling for drawing."""

import numpy as np

SMOOTHING_S = 1.0  # the moving average's window, in seconds of video, centred on each sample


def smooth(t: np.ndarray, values: np.ndarray, weights: np.ndarray | None = None, window_s: float = SMOOTHING_S):
    """Weighted moving average of `values` (N, K) over a centred time window, per sample.

    Windows are in seconds, not samples, so a gap in a person's samples (they left the frame)
    does not blend what came before with what came after. `weights` (N,) are the samples'
    face qualities; None weighs all alike. `t` must be sorted.
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return values.reshape(0, values.shape[-1] if values.ndim == 2 else 0)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    lo = np.searchsorted(t, t - window_s / 2, side="left")
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    weighted = np.vstack([np.zeros(values.shape[1]), np.cumsum(values * weights[:, None], axis=0)])
    total = np.concatenate([[0.0], np.cumsum(weights)])
    return (weighted[hi] - weighted[lo]) / (total[hi] - total[lo])[:, None]


def downsample(t: np.ndarray, values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` points, each the mean of a run of consecutive samples."""
    if len(t) <= max_points:
        return t, values
    edges = np.linspace(0, len(t), max_points + 1).astype(int)
    # Every run holds at least one sample (more samples than points): sums of runs at once, not a loop of means.
    starts, counts = edges[:-1], np.diff(edges)
    t_out = np.add.reduceat(np.asarray(t, dtype=float), starts) / counts
    v_out = np.add.reduceat(np.asarray(values, dtype=float), starts, axis=0) / counts[:, None]
    return t_out, v_out
