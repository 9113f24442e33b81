"""Measure emotion models on FER2013's faces against the FER+ votes: accuracy against the majority, per-class
recall/precision, macro-F1, cross-entropy and calibration against the vote distributions, speed; and, for
continuity, accuracy against FER2013's own labels.

    python -m emotion_training.evaluate [--model NAME_OR_PATH] [--split PublicTest] [--compare] ...

Prints the figures and writes them as JSON (--json, default under var/evaluations/). --calibrate
--write-card records the inference settings, the calibration and the figures in the model's card
and in docs/model-card.md. `--help` lists the options.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from analysis.core.calibration import Calibration
from analysis.core.emotion_classifier import (
    DEFAULT_MODEL,
    REFERENCE_MODEL,
    EmotionClassifier,
    EmotionModelSpec,
    model_spec,
)

from . import card_document
from .calibration import calibration_report, expected_calibration_error, fit_calibration, negative_log_likelihood
from .cards import stamp_tflite
from .cli import UsageError, run, say
from .evaluation import measure_speed, predict_batched, resize_faces
from .fer_dataset import file_sha256, fixed_rows, load_split
from .ferplus import load_vote_labels
from .metrics import classification_report, format_report
from .paths import EMOTION_MODEL, FER2013_PATH, FERPLUS_VOTES_PATH, MODEL_CARD_DOC, REPO_DIR

PROG = "python -m emotion_training.evaluate"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Evaluate an emotion model on a FER2013-shaped split against the FER+ votes and print accuracy "
        "against their majority, per-class recall and precision, macro-F1, the confusion matrix, cross-entropy and "
        "calibration error against the vote distributions, accuracy against FER2013's own labels and faces/s; "
        "--compare puts our model and the fer mini-Xception side by side. --calibrate fits a temperature and "
        "class bias to the votes; --write-card records the inference settings, the calibration and the figures "
        "in the model's card and in docs/model-card.md. Models run through LiteRT, as in the app.",
    )
    parser.add_argument("--model", help="model name or .tflite path (default: $EMOTION_MODEL, as the app)")
    parser.add_argument("--data", default=str(FER2013_PATH), help="FER2013-shaped npz")
    parser.add_argument("--votes", default=str(FERPLUS_VOTES_PATH), help="FER+ votes npz aligned with --data")
    parser.add_argument("--split", default="PublicTest")
    parser.add_argument("--limit", type=int, help="evaluate a fixed random sample of this many faces")
    parser.add_argument(
        "--compare",
        action="store_true",
        help=f"evaluate {DEFAULT_MODEL} (or --model) and {REFERENCE_MODEL} in one run",
    )
    parser.add_argument(
        "--compare-with",
        action="append",
        default=[],
        help="also evaluate this model (a name or .tflite path) in the same run; repeatable",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", dest="json_out", help="where to write the JSON (default: under var/evaluations/)")
    settings_group = parser.add_argument_group("inference settings (default: the model card's)")
    settings_group.add_argument("--crop-margin", type=float, help="share of the box added on each side")
    settings_group.add_argument("--tta-zooms", help="comma-separated centre zooms, e.g. 1.0,0.9")
    settings_group.add_argument("--flip-tta", action=argparse.BooleanOptionalAction, help="also average mirrored views")
    settings_group.add_argument(
        "--align", action=argparse.BooleanOptionalAction, help="crop faces aligned by landmarks"
    )
    parser.add_argument("--calibrate", action="store_true", help="fit the calibration on this split")
    parser.add_argument(
        "--class-bias",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="with --calibrate: fit a bias per class besides the temperature",
    )
    parser.add_argument(
        "--write-card", action="store_true", help="write settings, calibration and figures into the card"
    )
    parser.add_argument(
        "--card-document",
        default=str(MODEL_CARD_DOC),
        help="the document whose model section --write-card rewrites",
    )
    return parser


def handle(options: argparse.Namespace) -> None:
    if options.write_card and (options.limit or not options.calibrate):
        raise UsageError("--write-card needs --calibrate and the whole split (no --limit)")
    names = [options.model or (DEFAULT_MODEL if options.compare else EMOTION_MODEL)]
    names += [name for name in options.compare_with if name not in names]
    if options.compare and REFERENCE_MODEL not in names:
        names.append(REFERENCE_MODEL)
    data = Path(options.data)
    try:
        faces = load_split(data, options.split)
        votes = load_vote_labels(data, options.votes, options.split)
        specs = [model_spec(name) for name in names]
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from error
    if options.limit:
        rows = fixed_rows(len(faces), options.limit)
        faces, votes = faces.subset(rows), votes.subset(rows)
    specs[0] = with_overrides(specs[0], options)
    # Scored against the FER+ majority on the faces whose majority is one of our classes.
    voted = votes.usable
    majority, distribution = votes.majority[voted], votes.distribution[voted]
    say(
        f"{options.split}: {len(faces)} faces, {int(voted.sum())} with a FER+ majority among our classes "
        f"({int(votes.ties.sum())} of them tied at the top; left out: {len(faces) - int(voted.sum())} whose "
        "majority is contempt, unknown or not a face, or that FER+ dropped)"
    )

    batch_size = options.batch_size
    results, predictors = {}, {}
    for name, spec in zip(names, specs):
        # The raw (uncalibrated) probabilities once; the calibration is applied to them afterwards.
        raw_classifier = EmotionClassifier(dataclasses.replace(spec, calibration=Calibration()))
        batch = resize_faces(faces.faces, spec.input_size)
        raw, _ = predict_batched(raw_classifier.predict, batch, batch_size)
        if options.calibrate and name == names[0]:
            fitted = fit_calibration(raw[voted], distribution, options.class_bias)
            spec = dataclasses.replace(spec, calibration=fitted)
        served = spec.calibration.apply(raw)
        served_voted, raw_voted = served[voted], raw[voted]
        report = classification_report(majority, served_voted)
        fer2013 = classification_report(faces.labels, served)
        report.update(
            input_size=spec.input_size,
            crop_margin=spec.crop_margin,
            align=spec.align,
            flip_tta=spec.flip_tta,
            tta_zooms=list(spec.tta_zooms),
            calibration=spec.calibration.to_card(),
            scored_against="FER+ majority",
            vote_cross_entropy=negative_log_likelihood(served_voted, distribution),
            ece=expected_calibration_error(served_voted, distribution),
            ece_uncalibrated=expected_calibration_error(raw_voted, distribution),
            calibration_report=calibration_report(raw_voted, distribution, majority),
            accuracy_untied=float((served_voted.argmax(axis=1) == majority)[~votes.ties[voted]].mean()),
            fer2013={key: fer2013[key] for key in ("faces", "accuracy", "macro_f1", "per_class", "confusion_matrix")},
            weights=str(spec.path),
        )
        results[name] = report
        predictors[name] = (EmotionClassifier(spec).predict, batch[:2048])
        specs[names.index(name)] = spec
    # Speed again, the models taking turns, so that both see the same machine load.
    for name, faces_per_s in measure_speed(predictors, batch_size).items():
        results[name]["faces_per_s"] = faces_per_s
        say(format_report(f"{name}, against the FER+ majority", results[name]) + "\n")
        say(_calibration_lines(results[name]) + "\n")
        say(
            f"  on the faces whose top vote is not tied: accuracy {results[name]['accuracy_untied']:.4f}\n"
            f"  against FER2013's own labels ({results[name]['fer2013']['faces']} faces): accuracy "
            f"{results[name]['fer2013']['accuracy']:.4f}, macro-F1 {results[name]['fer2013']['macro_f1']:.4f}\n"
        )
    first = names[0]
    for second in names[1:]:
        say(
            f"{first} vs {second}: accuracy {results[first]['accuracy'] - results[second]['accuracy']:+.4f}, "
            f"speed x{results[first]['faces_per_s'] / results[second]['faces_per_s']:.2f}"
        )
    if options.write_card:
        write_card(
            names[0],
            specs[0],
            results[names[0]],
            options.split,
            data,
            Path(options.votes),
            Path(options.card_document),
        )

    document = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": str(data),
        "data_sha256": file_sha256(data),
        "split": options.split,
        "faces": len(faces),
        "batch_size": batch_size,
        "models": results,
    }
    out = Path(
        options.json_out
        or REPO_DIR / "var" / "evaluations" / f"{options.split}-{'-vs-'.join(Path(n).stem for n in names)}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    say(f"Wrote {out}")


def with_overrides(spec: EmotionModelSpec, options: argparse.Namespace) -> EmotionModelSpec:
    """The card's inference settings, with those given on the command line instead."""
    changes = {}
    if options.crop_margin is not None:
        changes["crop_margin"] = options.crop_margin
    if options.tta_zooms:
        changes["tta_zooms"] = tuple(float(zoom) for zoom in options.tta_zooms.split(","))
    if options.flip_tta is not None:
        changes["flip_tta"] = options.flip_tta
    if options.align is not None:
        changes["align"] = options.align
    return dataclasses.replace(spec, **changes)


def write_card(
    name: str, spec: EmotionModelSpec, report: dict, split: str, data: Path, votes: Path, document: Path
) -> None:
    """Record the settings, calibration and figures in the model's card and in `document`'s section for it."""
    inference = {
        "input_size": spec.input_size,
        "crop_margin": spec.crop_margin,
        "align": spec.align,
        "flip_tta": spec.flip_tta,
        "tta_zooms": list(spec.tta_zooms),
        "calibration": spec.calibration.to_card(),
    }
    metrics_keys = (
        "scored_against",
        "faces",
        "accuracy",
        "macro_f1",
        "per_class",
        "confusion_matrix",
        "faces_per_s",
        "accuracy_untied",
        "vote_cross_entropy",
        "ece",
    )
    card_path = stamp_tflite(spec.path, {"inference": inference})
    card = json.loads(card_path.read_text())
    card["metrics"][split] = {key: report[key] for key in metrics_keys}
    card["metrics"][f"{split}_calibration"] = report["calibration_report"]
    card["metrics"][f"{split}_fer2013"] = report["fer2013"]
    card["evaluated_on"] = split
    card["inference_command"] = recorded_command(name, spec, split, data, votes)
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    card_document.rewrite(document, name, card)
    say(f"Wrote {card_path} and the {name} section of {document}")


def recorded_command(name: str, spec: EmotionModelSpec, split: str, data: Path, votes: Path) -> str:
    """The command that reproduces the card, every setting spelled out."""
    arguments = ["--model", name, "--split", split]
    if data != FER2013_PATH:
        arguments += ["--data", str(data)]
    if votes != FERPLUS_VOTES_PATH:
        arguments += ["--votes", str(votes)]
    arguments += [
        "--crop-margin",
        str(spec.crop_margin),
        "--tta-zooms",
        ",".join(str(zoom) for zoom in spec.tta_zooms),
        "--flip-tta" if spec.flip_tta else "--no-flip-tta",
        "--align" if spec.align else "--no-align",
        "--calibrate",
        "--class-bias" if spec.calibration.class_bias else "--no-class-bias",
        "--write-card",
    ]
    return f"{PROG} {shlex.join(arguments)}"


def _calibration_lines(report: dict) -> str:
    rows = report["calibration_report"]
    return (
        f"  against the FER+ votes: cross-entropy {report['vote_cross_entropy']:.4f}; "
        "calibration (cross-fitted halves): "
        + ", ".join(
            f"{kind} ECE {row['ece']:.4f} NLL {row['nll']:.4f} accuracy {row['accuracy']:.4f}"
            for kind, row in rows.items()
        )
        + f"; as served: ECE {report['ece']:.4f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    run(build_parser(), handle, argv)


if __name__ == "__main__":
    main()
