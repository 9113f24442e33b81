"""Train our emotion network on a FER2013-shaped npz and write its weights, their LiteRT export and the model card.

    python -m emotion_training.train [--output OUT.keras] [--epochs N] [--limit N] ...

Trains on FER2013's Training faces (with their FER+ vote distributions as targets, unless
--labels fer2013) and validates on PublicTest; writes OUT.keras, OUT.tflite (what the app runs)
and OUT.card.json, whose `training.command` is this command with every option spelled out.
Rerunning the same command resumes from the last finished epoch. `--help` lists the options.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from analysis.core.augmented_views import check_zoom
from analysis.core.emotion_classifier import KERAS_SUFFIXES, model_spec
from analysis.core.lite_model import LiteModel

from .cards import machine_description, write_card
from .cli import UsageError, run, say
from .distillation import teacher_probabilities
from .emotion_net import EmotionNetConfig
from .evaluation import evaluate_model
from .fer_dataset import file_sha256, fixed_rows, fixed_sample, load_split
from .ferplus import load_voted_split
from .litert_export import export_details, export_tflite
from .paths import FER2013_PATH, FERPLUS_VOTES_PATH, REPO_DIR
from .training import AUGMENT_PRESETS, TrainingConfig, train_emotion_net

PROG = "python -m emotion_training.train"


def parse_stages(text: str) -> tuple[tuple[int, int], ...]:
    """ "64:0,128:2,256:2" -> ((64, 0), (128, 2), (256, 2))"""
    try:
        return tuple((int(width), int(extra)) for width, extra in (part.split(":") for part in text.split(",")))
    except ValueError as error:
        raise UsageError(f"--stages wants WIDTH:EXTRA_BLOCKS,... (got {text!r})") from error


def build_parser() -> argparse.ArgumentParser:
    defaults, net = TrainingConfig(), EmotionNetConfig()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train the emotion network on FER2013's faces (Training split, validated on PublicTest) and "
        "write OUT.keras, its LiteRT export OUT.tflite (what the app runs) and OUT.card.json. "
        "Rerunning the same command resumes from the last finished epoch.",
    )
    parser.add_argument("--data", default=str(FER2013_PATH), help="FER2013-shaped npz")
    parser.add_argument(
        "--labels",
        choices=("ferplus", "fer2013"),
        default="ferplus",
        help="train on the FER+ vote distributions and validate against their majority (default), "
        "or on FER2013's single labels",
    )
    parser.add_argument("--votes", default=str(FERPLUS_VOTES_PATH), help="FER+ votes npz (--labels ferplus)")
    parser.add_argument("--train-split", default="Training")
    parser.add_argument("--val-split", default="PublicTest")
    parser.add_argument(
        "--output",
        default=str(REPO_DIR / "var" / "emotion_models" / "emotion_net.keras"),
        help="weights file to write (.keras); its .tflite export and the model card go beside it",
    )
    parser.add_argument("--work-dir", help="checkpoints and history (default: OUTPUT without suffix + .work)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--warmup-epochs", type=int, default=defaults.warmup_epochs)
    parser.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    parser.add_argument("--augment", choices=sorted(AUGMENT_PRESETS), default="standard")
    parser.add_argument("--init-weights", help="start from this .keras file of the same network")
    parser.add_argument(
        "--teacher",
        action="append",
        default=[],
        help="distil from this model (a name such as emotion-net-v1, or a .tflite or .keras path); repeatable",
    )
    parser.add_argument(
        "--teacher-share",
        type=float,
        default=0.5,
        help="with --teacher: the teachers' share of each training target (the label has the rest)",
    )
    parser.add_argument(
        "--class-weight-power",
        type=float,
        default=defaults.class_weight_power,
        help="class weight = (median count / class count) ** POWER; 0 ignores the imbalance",
    )
    parser.add_argument("--patience", type=int, default=defaults.early_stop_patience, help="early-stop epochs")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--stem-width", type=int, default=net.stem_width)
    parser.add_argument(
        "--stages", default=",".join(f"{w}:{n}" for w, n in net.stages), help="WIDTH:EXTRA_BLOCKS per stage"
    )
    parser.add_argument("--limit", type=int, help="train on a fixed random subset of this many faces")
    parser.add_argument("--val-limit", type=int, help="validate on a fixed random subset of this many faces")
    parser.add_argument(
        "--crop-margin",
        type=float,
        default=0.0,
        help="share of the detected face box added on each side at inference (stored in the card)",
    )
    parser.add_argument("--flip-tta", action="store_true", help="average a mirrored copy at inference")
    parser.add_argument(
        "--tta-zooms",
        default="1.0",
        help="comma-separated centre zooms whose predictions are averaged at inference, e.g. 1.0,0.9",
    )
    return parser


def command_line(parser: argparse.ArgumentParser, options: argparse.Namespace) -> str:
    """The command with every option spelled out, so that rerunning it reproduces this model."""
    words = shlex.split(parser.prog)
    for action in parser._actions:
        value = getattr(options, action.dest, None)
        unset = value is None or value is False or value == []  # not `in`: 0.0 == False
        if not action.option_strings or isinstance(action, argparse._HelpAction) or unset:
            continue
        if isinstance(value, list):
            for item in value:
                words += [action.option_strings[0], str(item)]
            continue
        words.append(action.option_strings[0])
        if value is not True:
            words.append(str(value))
    return shlex.join(words)


def load_teacher(name: str):
    """A shipped model or a .tflite through LiteRT (as the app runs it); a .keras file through Keras."""
    if Path(name).suffix in KERAS_SUFFIXES:
        import keras

        return keras.models.load_model(name, compile=False)
    return LiteModel(model_spec(name).path)


def teacher_targets(names: tuple[str, ...], faces):
    try:
        teachers = [load_teacher(name) for name in names]
    except (ValueError, OSError) as error:
        raise UsageError(f"Cannot load a teacher: {error}") from error
    say(f"Computing the soft targets of {len(teachers)} teacher(s) for {len(faces)} faces")
    return teacher_probabilities(teachers, faces)


def handle(options: argparse.Namespace, command: str) -> None:
    data = Path(options.data)
    if not data.exists():
        raise UsageError(f"No dataset at {data}")
    output = Path(options.output)
    if output.suffix != ".keras":
        raise UsageError("--output must end in .keras")
    work_dir = Path(options.work_dir or output.with_suffix(".work"))
    config = TrainingConfig(
        net=EmotionNetConfig(stem_width=options.stem_width, stages=parse_stages(options.stages)),
        epochs=options.epochs,
        batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        warmup_epochs=options.warmup_epochs,
        label_smoothing=options.label_smoothing,
        augment=AUGMENT_PRESETS[options.augment],
        init_weights=options.init_weights,
        teachers=tuple(options.teacher),
        teacher_share=options.teacher_share if options.teacher else 0.0,
        class_weight_power=options.class_weight_power,
        early_stop_patience=options.patience,
        seed=options.seed,
    )
    try:
        tta_zooms = [check_zoom(float(zoom)) for zoom in options.tta_zooms.split(",")]
    except ValueError as error:
        raise UsageError(f"--tta-zooms: {error}") from error
    if config.init_weights and not Path(config.init_weights).exists():
        raise UsageError(f"No weights at {config.init_weights}")
    vote_targets, label_source = None, {"labels": options.labels}
    try:
        if options.labels == "ferplus":
            train, vote_targets = load_voted_split(data, options.votes, options.train_split)
            val, _ = load_voted_split(data, options.votes, options.val_split)
            label_source.update(votes=options.votes, votes_sha256=file_sha256(options.votes))
        else:
            train, val = load_split(data, options.train_split), load_split(data, options.val_split)
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from error
    if options.limit:
        rows = fixed_rows(len(train), options.limit, seed=config.seed)
        train = train.subset(rows)
        vote_targets = None if vote_targets is None else vote_targets[rows]
    if options.val_limit:
        val = fixed_sample(val, options.val_limit, seed=config.seed)
    say(
        f"Training on {len(train)} {options.train_split} faces, validating on {len(val)} "
        f"{options.val_split} faces; checkpoints in {work_dir}"
    )
    started = time.monotonic()
    soft_targets = teacher_targets(config.teachers, train.faces) if config.teachers else None
    result = train_emotion_net(
        train,
        val,
        config,
        work_dir,
        write=say,
        progress_bar=sys.stdout.isatty(),
        teacher_probabilities=soft_targets,
        label_targets=vote_targets,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(output)
    tflite = export_tflite(output)
    inference = {
        "input_size": config.net.input_size,
        "crop_margin": options.crop_margin,
        "flip_tta": options.flip_tta,
        "tta_zooms": tta_zooms,
    }
    # Scored through the export, as the app will run it.
    report = evaluate_model(LiteModel(tflite), val, flip_tta=options.flip_tta, tta_zooms=tuple(tta_zooms))
    card = {
        "name": output.stem,
        "architecture": "emotion_net: residual Xception-style CNN (dense stem, depthwise-separable stages)",
        "parameters": int(result.model.count_params()),
        "net": config.net.as_dict(),
        "inference": inference,
        "classes": list(report["per_class"]),
        "training": {
            **config.as_dict(),
            **label_source,
            "data": str(data),
            "data_sha256": file_sha256(data),
            "train_split": options.train_split,
            "train_faces": len(train),
            "val_split": options.val_split,
            "val_faces": len(val),
            "epochs_run": result.epochs_run,
            "best_epoch": result.best_epoch,
            "seconds": round(time.monotonic() - started, 1),
            "command": command,
            "machine": machine_description(),
        },
        "metrics": {options.val_split: report},
        "history": result.history,
        **export_details(output),
    }
    path = write_card(output, card, tflite)
    say(
        f"Best epoch {result.best_epoch}: {options.val_split} accuracy {report['accuracy']:.4f}, "
        f"macro-F1 {report['macro_f1']:.4f}. Wrote {output}, {tflite} and {path}."
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    run(parser, lambda options: handle(options, command_line(parser, options)), argv)


if __name__ == "__main__":
    main()
