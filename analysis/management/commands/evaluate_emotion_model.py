"""Measure emotion models on labelled faces: accuracy, per-class recall/precision, macro-F1, speed."""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analysis.core.emotion_classifier import DEFAULT_MODEL, REFERENCE_MODEL, EmotionClassifier, model_spec
from emotion_training.evaluation import evaluate, measure_speed, resize_faces
from emotion_training.fer_dataset import file_sha256, fixed_sample, load_split
from emotion_training.metrics import format_report


class Command(BaseCommand):
    help = (
        "Evaluate an emotion model on a FER2013-shaped split and print accuracy, per-class recall and "
        "precision, macro-F1, the confusion matrix and faces/s; --compare puts our model and the fer "
        "mini-Xception side by side. Models run through LiteRT, from their .tflite files, as in the app."
    )
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--model", help="model name or .tflite path (default: the EMOTION_MODEL setting)")
        parser.add_argument("--data", default=str(settings.FER2013_PATH), help="FER2013-shaped npz")
        parser.add_argument("--split", default="PublicTest")
        parser.add_argument("--limit", type=int, help="evaluate a fixed random sample of this many faces")
        parser.add_argument(
            "--compare",
            action="store_true",
            help=f"evaluate {DEFAULT_MODEL} (or --model) and {REFERENCE_MODEL} in one run",
        )
        parser.add_argument("--batch-size", type=int, default=256)
        parser.add_argument("--json", dest="json_out", help="where to write the JSON (default: under var/evaluations/)")

    def handle(self, *args, **options):
        names = [options["model"] or (DEFAULT_MODEL if options["compare"] else settings.EMOTION_MODEL)]
        if options["compare"] and names[0] != REFERENCE_MODEL:
            names.append(REFERENCE_MODEL)
        data = Path(options["data"])
        try:
            faces = load_split(data, options["split"])
            classifiers = [EmotionClassifier(model_spec(name)) for name in names]
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        if options["limit"]:
            faces = fixed_sample(faces, options["limit"])

        batch_size = options["batch_size"]
        results = {}
        for name, classifier in zip(names, classifiers):
            results[name] = evaluate(classifier.predict, classifier.spec.input_size, faces, batch_size)
            results[name].update(
                input_size=classifier.spec.input_size,
                flip_tta=classifier.spec.flip_tta,
                tta_zooms=list(classifier.spec.tta_zooms),
                weights=str(classifier.spec.path),
            )
        # Speed again, the models taking turns, so that both see the same machine load.
        speed_batch = faces.faces[:2048]
        speeds = measure_speed(
            {name: (c.predict, resize_faces(speed_batch, c.spec.input_size)) for name, c in zip(names, classifiers)},
            batch_size,
        )
        for name, faces_per_s in speeds.items():
            results[name]["faces_per_s"] = faces_per_s
            self.stdout.write(format_report(name, results[name]) + "\n")
        if len(names) == 2:
            first, second = names
            self.stdout.write(
                f"{first} vs {second}: accuracy {results[first]['accuracy'] - results[second]['accuracy']:+.4f}, "
                f"speed x{results[first]['faces_per_s'] / results[second]['faces_per_s']:.2f}"
            )

        document = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": str(data),
            "data_sha256": file_sha256(data),
            "split": options["split"],
            "faces": len(faces),
            "batch_size": batch_size,
            "models": results,
        }
        out = Path(
            options["json_out"]
            or Path(settings.BASE_DIR)
            / "var"
            / "evaluations"
            / f"{options['split']}-{'-vs-'.join(Path(n).stem for n in names)}.json"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2) + "\n")
        self.stdout.write(f"Wrote {out}")
