"""How well valence (analysis.core.valence) agrees with people: on faces against ten annotators, and on the
labelled stretches of the shared clips (docs/clip-labels.csv).

    python -m emotion_training.valence_agreement [--model NAME] [--split PublicTest] [--write-card]

Faces: each FER+ face's votes over our seven emotions go through the same scale as the model's
probabilities, so "agrees with people" is measured on one scale: the mean valence of the faces most
annotators call neutral (annotators' and model's), the mean absolute difference and the correlation
between the model's valence and the annotators'. The raw scale (the app's before) and FaceReader's
published definition (happy minus the strongest negative emotion) are printed beside it.
Clips: every labelled stretch's valence as the app computes it (each person against their own calm level).
--write-card rewrites the "Valence agreement" block of docs/model-card.md with these figures.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from analysis.core import valence as scale
from analysis.core.emotion_classifier import EmotionClassifier, model_spec
from analysis.core.executors import LocalExecutor
from analysis.core.face_detection import DetectorConfig
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import probe

from .card_document import replace_block
from .cli import UsageError, run, say
from .clip_valence import EXPECTED, StretchReading, read_labels, read_stretch
from .evaluation import predict_batched, resize_faces
from .fer_dataset import load_split
from .ferplus import load_vote_labels
from .paths import EMOTION_MODEL, FER2013_PATH, FERPLUS_VOTES_PATH, MODEL_CARD_DOC

NEUTRAL = scale.NEUTRAL
NEGATIVE = [0, 1, 2, 4]
CLIPS_DIR = FER2013_PATH.parent.parent / "videos"
BEGIN, END = "<!-- valence agreement: begin -->", "<!-- valence agreement: end -->"


def face_reader(probabilities: np.ndarray) -> np.ndarray:
    """FaceReader's published valence: happy minus the strongest negative emotion."""
    return probabilities[..., 3] - probabilities[..., NEGATIVE].max(axis=-1)


SCALES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "raw (before)": scale.raw_valence,
    "FaceReader": face_reader,
    "calm-anchored (the app's)": scale.valence,
}


def face_agreement(model: np.ndarray, votes: np.ndarray, majority: np.ndarray) -> dict[str, dict]:
    """Per scale: the neutral-majority faces' mean valence (annotators, model), MAD and correlation."""
    neutral = majority == NEUTRAL
    rows = {}
    for name, valence_of in SCALES.items():
        people, ours = valence_of(votes), valence_of(model)
        rows[name] = {
            "annotators_neutral": float(people[neutral].mean()),
            "model_neutral": float(ours[neutral].mean()),
            "mad": float(np.abs(people - ours).mean()),
            "r": float(np.corrcoef(people, ours)[0, 1]),
        }
    return rows


def model_probabilities(model: str, split: str, data: Path, votes: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The served model's probabilities, the vote distributions and majorities of the usable faces."""
    faces = load_split(data, split)
    labels = load_vote_labels(data, votes, split)
    spec = model_spec(model)
    probabilities, _ = predict_batched(EmotionClassifier(spec).predict, resize_faces(faces.faces, spec.input_size), 256)
    usable = labels.usable
    return probabilities[usable], labels.distribution[usable].astype(float), labels.majority[usable]


def clip_readings(model: str, clips_dir: Path) -> list[StretchReading]:
    """Analyse each labelled clip in this process, as `analyze_video --no-ray` does, and read its stretches."""
    labels = read_labels()
    config = AnalyzerConfig(detector=DetectorConfig(), emotion_model=model)
    persons: dict[str, list[dict]] = {}
    for clip in dict.fromkeys(label.clip for label in labels):
        path = str(clips_dir / clip)
        sink = CollectingSink()
        analyze_video(path, probe(path), 5.0, LocalExecutor(config), sink)
        persons[clip] = sink.persons
    return [read_stretch(label, persons[label.clip]) for label in labels]


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def report(split: str, faces: dict[str, dict], count: int, stretches: list[StretchReading]) -> str:
    lines = [
        f"**Faces** ({split}, {count} faces with a FER+ majority among our classes; the annotators' votes "
        "and the model's probabilities through the same scale):",
        "",
        "| scale | annotators' neutral faces | model's neutral faces | mean abs. difference | correlation |",
        "|---|---|---|---|---|",
    ]
    for name, row in faces.items():
        lines.append(
            f"| {name} | {row['annotators_neutral']:+.3f} | {row['model_neutral']:+.3f} | {row['mad']:.3f} "
            f"| {row['r']:.3f} |"
        )
    met = sum(1 for s in stretches if s.met)
    lines += [
        "",
        f"**Labelled clips** (docs/clip-labels.csv; {met} of {len(stretches)} stretches as expected; valence "
        "as the app computes it, each person against their own calm level):",
        "",
        "| clip | stretch | label | who | person | samples | raw (before) | valence | calm level | "
        "looking down | expected | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in stretches:
        label = s.label
        down = "–" if s.looking_down is None else f"{s.looking_down:.0%}"
        lines.append(
            f"| {label.clip} | {label.from_s:g}-{label.to_s:g} s | {label.label} | {label.who} | "
            f"{s.person or 'none found'} | {s.samples} | {_number(s.raw)} | **{_number(s.valence)}** | "
            f"{_number(s.calm_level)} | {down} | {EXPECTED[label.label]} | {'yes' if s.met else 'no'} |"
        )
    return "\n".join(lines)


def write_block(document: Path, text: str) -> None:
    try:
        replace_block(document, BEGIN, END, text, append=False)
    except ValueError as missing:
        raise UsageError(f"{missing} (the valence agreement block)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emotion_training.valence_agreement", description=__doc__)
    parser.add_argument("--model", default=EMOTION_MODEL, help="emotion model name or .tflite path")
    parser.add_argument("--split", default="PublicTest", help="the FER2013 split whose faces are scored")
    parser.add_argument("--data", default=str(FER2013_PATH))
    parser.add_argument("--votes", default=str(FERPLUS_VOTES_PATH))
    parser.add_argument("--clips", default=str(CLIPS_DIR), help="the folder of the labelled clips")
    parser.add_argument("--no-clips", action="store_true", help="faces only")
    parser.add_argument("--write-card", action="store_true", help="rewrite the block in docs/model-card.md")
    return parser


def handle(options: argparse.Namespace) -> None:
    try:
        model, votes, majority = model_probabilities(
            options.model, options.split, Path(options.data), Path(options.votes)
        )
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from error
    faces = face_agreement(model, votes, majority)
    stretches = [] if options.no_clips else clip_readings(options.model, Path(options.clips))
    text = report(options.split, faces, len(majority), stretches)
    say(text)
    if options.write_card:
        if options.no_clips:
            raise UsageError("--write-card needs the clips too (no --no-clips)")
        write_block(MODEL_CARD_DOC, text)
        say(f"Wrote the valence agreement into {MODEL_CARD_DOC}")


def main(argv: Sequence[str] | None = None) -> None:
    run(build_parser(), handle, argv)


if __name__ == "__main__":
    main()
