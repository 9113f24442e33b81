"""Chart series shaping (analysis.core.series)."""

import numpy as np

from analysis.core.series import downsample, smooth


def test_smooth_keeps_length_and_averages_neighbours():
    values = np.zeros((9, 7))
    values[4, 3] = 1.0
    smoothed = smooth(values, 3)
    assert smoothed.shape == values.shape
    assert np.allclose(smoothed[3:6, 3], 1 / 3) and smoothed[0, 3] == 0


def test_smooth_with_a_window_longer_than_the_series():
    assert smooth(np.ones((3, 7)), 11).shape == (3, 7)
    assert np.allclose(smooth(np.ones((3, 7)), 11), 1.0)


def test_downsample_bounds_points_and_keeps_means():
    t = np.arange(5000) / 5.0
    values = np.tile(np.linspace(0, 1, 5000)[:, None], (1, 7))
    t_out, v_out = downsample(t, values, 600)
    assert len(t_out) == len(v_out) == 600
    assert abs(v_out.mean() - values.mean()) < 1e-3
    assert t_out[0] < t_out[-1] and t_out[-1] <= t[-1]
