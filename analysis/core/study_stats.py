"""The statistics of a study: group means with bootstrap intervals, and series put on one time axis.

A study compares units (videos, or participants when the user has labelled them) grouped by a
variable's value. Each group's mean comes with a 95% percentile bootstrap interval over its units:
units are drawn with replacement RESAMPLES times, and the interval is the 2.5th to 97.5th
percentile of the resampled means. A group of fewer than MIN_UNITS units gets no interval: with
two, the resampled means only span the two values (the "interval" is their range, nearly always
95% of it), which says nothing about the population. Such a group keeps each unit's value,
labelled (`Interval.each`), to be shown instead.
"""

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
MIN_UNITS = 3


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float | None
    high: float | None
    units: int
    # Where there is no interval (fewer than MIN_UNITS units): each unit's (name, value), in the units' order.
    each: tuple[tuple[str, float], ...] = ()


def _each(names: list[str] | None, values: np.ndarray) -> tuple[tuple[str, float], ...]:
    if names is None:
        names = [str(i + 1) for i in range(len(values))]
    return tuple((name, float(value)) for name, value in zip(names, values))


def bootstrap_mean(
    values: np.ndarray, seed: int = 0, resamples: int = RESAMPLES, names: list[str] | None = None
) -> Interval:
    """The mean of `values` (one per unit, named by `names`) with its 95% bootstrap interval; units
    whose value is NaN are left out. Fewer than MIN_UNITS units: no interval, each unit's value."""
    values = np.asarray(values, dtype=float)
    known = ~np.isnan(values)
    names = None if names is None else [name for name, keep in zip(names, known) if keep]
    values = values[known]
    if len(values) == 0:
        return Interval(mean=float("nan"), low=None, high=None, units=0)
    mean = float(values.mean())
    if len(values) < MIN_UNITS:
        return Interval(mean=mean, low=None, high=None, units=len(values), each=_each(names, values))
    draws = np.random.default_rng(seed).integers(0, len(values), size=(resamples, len(values)))
    means = values[draws].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(mean=mean, low=float(low), high=float(high), units=len(values))


def bootstrap_columns(
    rows: np.ndarray, seed: int = 0, resamples: int = RESAMPLES, names: list[str] | None = None
) -> list[Interval]:
    """bootstrap_mean for each column of (units, k) rows, drawing the same units for every column
    (so that shares which sum to 1 are resampled together)."""
    rows = np.asarray(rows, dtype=float)
    rows = rows[:, np.newaxis] if rows.ndim == 1 else rows
    known = ~np.isnan(rows).any(axis=1)
    names = None if names is None else [name for name, keep in zip(names, known) if keep]
    rows = rows[known]
    if len(rows) < MIN_UNITS:
        mean = rows.mean(axis=0) if len(rows) else np.full(rows.shape[1], np.nan)
        return [Interval(float(m), None, None, len(rows), _each(names, rows[:, k])) for k, m in enumerate(mean)]
    draws = np.random.default_rng(seed).integers(0, len(rows), size=(resamples, len(rows)))
    means = rows[draws].mean(axis=1)  # (resamples, k)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    return [Interval(float(m), float(lo), float(hi), len(rows)) for m, lo, hi in zip(rows.mean(axis=0), low, high)]


def shifted(times: np.ndarray, origin_s: float) -> np.ndarray:
    """Times measured from `origin_s` (a marker's time when series are aligned on a marker)."""
    return np.asarray(times, dtype=float) - origin_s


def common_grid(series: list[tuple[np.ndarray, np.ndarray]], step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Series (times, values) put on one grid of `step_s`: (grid times, (series, grid) values, NaN where a
    series has no value). Each value is the mean of the series' values falling in the grid cell."""
    starts = [t[0] for t, _ in series if len(t)]
    ends = [t[-1] for t, _ in series if len(t)]
    if not starts:
        return np.zeros(0), np.zeros((len(series), 0))
    first = np.floor(min(starts) / step_s) * step_s
    cells = int(np.floor((max(ends) - first) / step_s)) + 1
    out = np.full((len(series), cells), np.nan)
    for row, (t, v) in enumerate(series):
        keep = ~np.isnan(v)
        index = ((t[keep] - first) // step_s).astype(int)
        total = np.bincount(index, weights=v[keep], minlength=cells)
        count = np.bincount(index, minlength=cells)
        np.divide(total, count, out=out[row], where=count > 0)
    return first + np.arange(cells) * step_s, out
