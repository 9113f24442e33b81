"""Fitting a model's calibration on labelled faces, and measuring calibration error.

The calibrated logits are `a * log(p) + b` (a = 1 / temperature, b a bias per class). Their
negative log-likelihood is convex in (a, b), so plain gradient descent finds the best fit.
Reported errors are cross-fitted: fitted on one half of the split and measured on the other,
so the figures are not measured on the faces the fit saw.
"""

from __future__ import annotations

import numpy as np

from analysis.core.calibration import FLOOR, Calibration, softmax

ECE_BINS = 15


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the confidence-weighted gap between confidence and accuracy, in equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.log(np.clip(probabilities[np.arange(len(labels)), labels], FLOOR, 1.0)).mean())


def fit_calibration(
    probabilities: np.ndarray, labels: np.ndarray, with_bias: bool = True, steps: int = 3000
) -> Calibration:
    """The temperature (and class bias) minimising the negative log-likelihood of `labels`."""
    log_p = np.log(np.clip(probabilities.astype(np.float64), FLOOR, 1.0))
    classes = probabilities.shape[1]
    onehot = np.eye(classes)[labels]
    scale, bias = 1.0, np.zeros(classes)
    rate = 0.5
    for _ in range(steps):
        q = softmax(scale * log_p + bias).astype(np.float64)
        residual = (q - onehot) / len(labels)
        grad_scale = float((residual * log_p).sum())
        scale -= rate * grad_scale
        if with_bias:
            bias -= rate * residual.sum(axis=0)
            bias -= bias.mean()  # softmax ignores a shared shift: keep the bias centred
    return Calibration(
        temperature=round(1.0 / scale, 4), class_bias=tuple(round(float(b), 4) for b in bias) if with_bias else ()
    )


def cross_fitted(probabilities: np.ndarray, labels: np.ndarray, with_bias: bool, seed: int = 20131) -> np.ndarray:
    """Each half of the faces calibrated by a fit on the other half."""
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = np.array_split(order, 2)
    calibrated = np.empty_like(probabilities, dtype=np.float32)
    for held, fitted in ((halves[0], halves[1]), (halves[1], halves[0])):
        calibration = fit_calibration(probabilities[fitted], labels[fitted], with_bias)
        calibrated[held] = calibration.apply(probabilities[held])
    return calibrated


def calibration_report(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """ECE, NLL and accuracy of the raw probabilities and of both calibrations (cross-fitted)."""
    report = {}
    for name, calibrated in (
        ("raw", probabilities),
        ("temperature", cross_fitted(probabilities, labels, with_bias=False)),
        ("temperature_and_bias", cross_fitted(probabilities, labels, with_bias=True)),
    ):
        report[name] = {
            "ece": expected_calibration_error(calibrated, labels),
            "nll": negative_log_likelihood(calibrated, labels),
            "accuracy": float((calibrated.argmax(axis=1) == labels).mean()),
        }
    return report
