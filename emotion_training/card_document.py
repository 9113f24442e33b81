"""The generated part of docs/model-card.md: a model's inference settings and measured figures, from its card.

`python -m emotion_training.evaluate --write-card` writes the card and rewrites this part of the
document, so the document never says what the card does not (a test renders the card and compares).
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.core.emotions import EMOTIONS


def markers(name: str) -> tuple[str, str]:
    return f"<!-- generated from {name}'s card: begin -->", f"<!-- generated from {name}'s card: end -->"


def render(name: str, card: dict) -> str:
    inference = card["inference"]
    calibration = inference.get("calibration") or {}
    metrics = card["metrics"]
    split = card.get("evaluated_on", "PublicTest")
    report, calibration_report = metrics[split], metrics.get(f"{split}_calibration", {})
    bias = ", ".join(f"{e} {b:+.3f}" for e, b in zip(EMOTIONS, calibration.get("class_bias", []))) or "none"
    lines = [
        f"Written by `{card['inference_command']}`.",
        "",
        "| inference setting | value |",
        "|---|---|",
        f"| crop margin | {inference['crop_margin']} |",
        f"| aligned crops | {'yes' if inference.get('align') else 'no'} |",
        f"| test-time views | zooms {', '.join(str(z) for z in inference['tta_zooms'])}"
        f"{', each mirrored too' if inference['flip_tta'] else ''} |",
        f"| temperature | {calibration.get('temperature', 1.0)} |",
        f"| class bias | {bias} |",
        "",
        f"On {split}, calibrated as served, against the {report.get('scored_against', 'labels')} "
        f"({report['faces']} faces): accuracy **{report['accuracy']:.4f}**, macro-F1 {report['macro_f1']:.4f}, "
        f"{report['faces_per_s']:,.0f} faces/s on this machine's cores.",
        "",
    ]
    if "vote_cross_entropy" in report:
        fer2013 = metrics[f"{split}_fer2013"]
        lines += [
            f"Against the vote distributions: cross-entropy {report['vote_cross_entropy']:.4f}, expected "
            f"calibration error {report['ece']:.4f}. On the faces whose top vote is not tied: accuracy "
            f"{report['accuracy_untied']:.4f}. Against FER2013's own labels ({fer2013['faces']} faces), for "
            f"continuity: accuracy {fer2013['accuracy']:.4f}, macro-F1 {fer2013['macro_f1']:.4f}.",
            "",
        ]
    lines += [
        "| class | recall | precision | support |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {emotion} | {row['recall']:.3f} | {row['precision']:.3f} | {row['support']} |"
        for emotion, row in report["per_class"].items()
    ]
    lines += ["", "Confusion matrix (rows: true class, columns: predicted class):", ""]
    lines += ["| | " + " | ".join(EMOTIONS) + " |", "|---" * (len(EMOTIONS) + 1) + "|"]
    lines += [
        f"| {e} | " + " | ".join(str(c) for c in row) + " |" for e, row in zip(EMOTIONS, report["confusion_matrix"])
    ]
    if calibration_report:
        lines += [
            "",
            "Calibration, cross-fitted (fitted on one half of the split, measured on the other):",
            "",
            "| probabilities | expected calibration error | negative log-likelihood | accuracy |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {kind.replace('_', ' ')} | {row['ece']:.4f} | {row['nll']:.4f} | {row['accuracy']:.4f} |"
            for kind, row in calibration_report.items()
        ]
    return "\n".join(lines)


def replace_block(document: Path, begin: str, end: str, body: str, append: bool = True) -> None:
    """Put `body` between the `begin` and `end` marker lines of `document`: the generated part of a
    doc a command rewrites. A document without the markers gets the block at its end, or, with
    `append=False`, a ValueError."""
    block = f"{begin}\n{body}\n{end}"
    text = document.read_text() if document.exists() else ""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    elif append:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    else:
        raise ValueError(f"{document} has no block {begin} ... {end}")
    document.write_text(text)


def rewrite(document: Path, name: str, card: dict) -> None:
    """Replace the block between `name`'s markers (appended at the end when missing)."""
    begin, end = markers(name)
    replace_block(document, begin, end, render(name, card))


def generated_block(document: Path, name: str) -> str | None:
    begin, end = markers(name)
    match = re.search(re.escape(begin) + r"\n(.*?)\n" + re.escape(end), document.read_text(), re.DOTALL)
    return match.group(1) if match else None
