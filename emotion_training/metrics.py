"""Classification metrics for the seven emotions: accuracy, per-class recall/precision, macro-F1."""

from __future__ import annotations

import numpy as np

from analysis.core.emotions import EMOTIONS


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = len(EMOTIONS)) -> np.ndarray:
    """Rows are true classes, columns predicted classes."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def classification_report(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """Everything the evaluation prints and the model card stores, as plain JSON-ready types."""
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(labels, predicted)
    true_counts = matrix.sum(axis=1)
    predicted_counts = matrix.sum(axis=0)
    hits = np.diag(matrix)
    recall = np.divide(hits, true_counts, out=np.zeros(len(hits)), where=true_counts > 0)
    precision = np.divide(hits, predicted_counts, out=np.zeros(len(hits)), where=predicted_counts > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(len(hits)), where=denominator > 0)
    return {
        "faces": int(len(labels)),
        "accuracy": float(hits.sum() / max(1, len(labels))),
        "macro_f1": float(f1.mean()),
        "per_class": {
            emotion: {
                "recall": float(recall[i]),
                "precision": float(precision[i]),
                "f1": float(f1[i]),
                "support": int(true_counts[i]),
            }
            for i, emotion in enumerate(EMOTIONS)
        },
        "confusion_matrix": matrix.tolist(),
    }


def format_report(name: str, report: dict) -> str:
    """A fixed-width table of one model's report, with its confusion matrix."""
    lines = [
        f"{name}: accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}  "
        f"on {report['faces']} faces" + (f"  {report['faces_per_s']:.0f} faces/s" if "faces_per_s" in report else ""),
        f"  {'class':<9} {'recall':>7} {'precision':>9} {'f1':>6} {'support':>8}",
    ]
    for emotion, row in report["per_class"].items():
        lines.append(
            f"  {emotion:<9} {row['recall']:>7.3f} {row['precision']:>9.3f} {row['f1']:>6.3f} {row['support']:>8d}"
        )
    lines.append("  confusion matrix (rows: true class, columns: predicted class)")
    lines.append(f"  {'':<9}" + "".join(f"{e[:7]:>8}" for e in EMOTIONS))
    for emotion, row in zip(EMOTIONS, report["confusion_matrix"]):
        lines.append(f"  {emotion:<9}" + "".join(f"{count:>8d}" for count in row))
    return "\n".join(lines)
