"""The study's statistics: bootstrap intervals over units and series on one time grid."""

import numpy as np

from analysis.core.study_stats import bootstrap_columns, bootstrap_mean, common_grid


def test_the_interval_holds_the_true_mean_about_95_times_in_100():
    rng = np.random.default_rng(1)
    covered = 0
    for trial in range(200):
        interval = bootstrap_mean(rng.normal(0.3, 1.0, size=30), seed=trial)
        covered += interval.low <= 0.3 <= interval.high
    assert 0.88 <= covered / 200 <= 0.99  # percentile bootstrap runs a little narrow at n = 30


def test_the_interval_narrows_with_more_units():
    rng = np.random.default_rng(2)
    small, large = bootstrap_mean(rng.normal(size=10)), bootstrap_mean(rng.normal(size=1000))
    assert (large.high - large.low) < (small.high - small.low) / 5


def test_one_unit_has_no_interval_and_nan_is_left_out():
    interval = bootstrap_mean(np.array([0.4, np.nan]))
    assert (interval.mean, interval.low, interval.high, interval.units) == (0.4, None, None, 1)
    assert bootstrap_mean(np.array([])).units == 0


def test_columns_are_resampled_together():
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    first, second = bootstrap_columns(rows, seed=3)
    assert first.mean + second.mean == 1.0
    # The same units were drawn for both columns, so the bounds mirror each other.
    assert first.low + second.high == 1.0 and first.high + second.low == 1.0


def test_series_on_one_grid_average_within_a_cell_and_leave_gaps():
    a = (np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, np.nan, 5.0]))
    b = (np.array([-2.0, 0.0]), np.array([2.0, 4.0]))
    grid, values = common_grid([a, b], 2.0)
    assert grid.tolist() == [-2.0, 0.0, 2.0]
    assert np.allclose(values[0], [np.nan, 2.0, 5.0], equal_nan=True)
    assert np.allclose(values[1], [2.0, 4.0, np.nan], equal_nan=True)
