"""Fitting a model's calibration on labelled faces, and measuring calibration error.

The calibrated logits are `a * log(p) + b` (a = 1 / temperature, b a bias per class). Their
negative log-likelihood is convex in (a, b), so plain gradient descent finds the best fit.
Reported errors are cross-fitted: fitted on one half of the split and measured on the other,
so the figures are not measured on the faces the fit saw.

Every function takes the truth as class indices (N,) or as distributions (N, C), such as the FER+
votes: then "correct" is the share of annotators who chose the predicted class, the NLL is the
cross-entropy against the votes, and the calibration is fitted to the votes.
"""

from __future__ import annotations

import numpy as np

from analysis.core.calibration import FLOOR, Calibration, softmax

ECE_BINS = 15


def as_distributions(truth: np.ndarray, classes: int) -> np.ndarray:
    """Class indices as one-hot rows; distributions as they are."""
    if truth.ndim == 2:
        return truth.astype(np.float64)
    return np.eye(classes)[truth]


def expected_calibration_error(probabilities: np.ndarray, truth: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the confidence-weighted gap between confidence and accuracy, in equal-width bins."""
    confidence = probabilities.max(axis=1)
    predicted = probabilities.argmax(axis=1)
    correct = as_distributions(truth, probabilities.shape[1])[np.arange(len(predicted)), predicted]
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def negative_log_likelihood(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Mean cross-entropy against the truth (the NLL of the labels when they are class indices)."""
    targets = as_distributions(truth, probabilities.shape[1])
    return float(-(targets * np.log(np.clip(probabilities, FLOOR, 1.0))).sum(axis=1).mean())


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float((probabilities.argmax(axis=1) == labels).mean())


def fit_calibration(
    probabilities: np.ndarray, truth: np.ndarray, with_bias: bool = True, steps: int = 3000
) -> Calibration:
    """The temperature (and class bias) minimising the cross-entropy against `truth`."""
    log_p = np.log(np.clip(probabilities.astype(np.float64), FLOOR, 1.0))
    classes = probabilities.shape[1]
    onehot = as_distributions(truth, classes)
    scale, bias = 1.0, np.zeros(classes)
    rate = 0.5
    for _ in range(steps):
        q = softmax(scale * log_p + bias).astype(np.float64)
        residual = (q - onehot) / len(onehot)
        grad_scale = float((residual * log_p).sum())
        scale -= rate * grad_scale
        if with_bias:
            bias -= rate * residual.sum(axis=0)
            bias -= bias.mean()  # softmax ignores a shared shift: keep the bias centred
    return Calibration(
        temperature=round(1.0 / scale, 4), class_bias=tuple(round(float(b), 4) for b in bias) if with_bias else ()
    )


def cross_fitted(probabilities: np.ndarray, truth: np.ndarray, with_bias: bool, seed: int = 20131) -> np.ndarray:
    """Each half of the faces calibrated by a fit on the other half."""
    order = np.random.default_rng(seed).permutation(len(truth))
    halves = np.array_split(order, 2)
    calibrated = np.empty_like(probabilities, dtype=np.float32)
    for held, fitted in ((halves[0], halves[1]), (halves[1], halves[0])):
        calibration = fit_calibration(probabilities[fitted], truth[fitted], with_bias)
        calibrated[held] = calibration.apply(probabilities[held])
    return calibrated


def calibration_report(probabilities: np.ndarray, truth: np.ndarray, labels: np.ndarray | None = None) -> dict:
    """ECE, NLL (cross-entropy) and accuracy of the raw probabilities and of both calibrations (cross-fitted).

    Accuracy is against `labels` (default: `truth` when it holds class indices): with vote
    distributions, pass the majority, whose ties are broken the way the benchmark breaks them.
    """
    labels = truth if labels is None else labels
    report = {}
    for name, calibrated in (
        ("raw", probabilities),
        ("temperature", cross_fitted(probabilities, truth, with_bias=False)),
        ("temperature_and_bias", cross_fitted(probabilities, truth, with_bias=True)),
    ):
        report[name] = {
            "ece": expected_calibration_error(calibrated, truth),
            "nll": negative_log_likelihood(calibrated, truth),
            "accuracy": accuracy(calibrated, labels),
        }
    return report
