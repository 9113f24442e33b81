"""Chart series shaping (analysis.core.series)."""

import numpy as np

from analysis.core.series import downsample, smooth


def test_smooth_keeps_length_and_averages_neighbours_within_the_window():
    t = np.arange(9) * 0.2  # 5 fps: a 0.4 s window holds a sample and its two neighbours
    values = np.zeros((9, 7))
    values[4, 3] = 1.0
    smoothed = smooth(t, values, window_s=0.4 + 1e-9)
    assert smoothed.shape == values.shape
    assert np.allclose(smoothed[3:6, 3], 1 / 3) and smoothed[0, 3] == 0


def test_smooth_with_a_window_longer_than_the_series():
    t = np.array([0.0, 0.2, 0.4])
    assert smooth(t, np.ones((3, 7)), window_s=10).shape == (3, 7)
    assert np.allclose(smooth(t, np.ones((3, 7)), window_s=10), 1.0)


def test_smooth_does_not_blend_across_a_gap():
    t = np.array([0.0, 0.2, 0.4, 5.0, 5.2])  # the person left the frame for 4.6 s
    values = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 2)
    smoothed = smooth(t, values)
    assert np.allclose(smoothed[:3], [1.0, 0.0]) and np.allclose(smoothed[3:], [0.0, 1.0])


def test_smooth_weighs_samples_by_quality():
    t = np.array([0.0, 0.2])
    values = np.array([[1.0, 0.0], [0.0, 1.0]])
    smoothed = smooth(t, values, weights=np.array([0.9, 0.1]))
    assert np.allclose(smoothed, [[0.9, 0.1], [0.9, 0.1]])


def test_downsample_bounds_points_and_keeps_means():
    t = np.arange(5000) / 5.0
    values = np.tile(np.linspace(0, 1, 5000)[:, None], (1, 7))
    t_out, v_out = downsample(t, values, 600)
    assert len(t_out) == len(v_out) == 600
    assert abs(v_out.mean() - values.mean()) < 1e-3
    assert t_out[0] < t_out[-1] and t_out[-1] <= t[-1]
