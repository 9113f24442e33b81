"""The serving path (web, rq worker, Ray actors) never imports TensorFlow, Keras or the training code."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .conftest import IMAGES

CORE = Path(settings.BASE_DIR) / "analysis" / "core"
# analysis/core is plain Python over numpy frames: the edges (Django, rq, Ray) and the training
# package (TensorFlow, Keras) stay out of it.
FORBIDDEN = {"django", "rq", "django_rq", "ray", "tensorflow", "keras", "emotion_training"}

SERVING_PROCESS = """
import json, os, resource, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "emotion_site.settings"
import django
django.setup()
import importlib, pkgutil
import emotion_site.wsgi
import analysis.runs.jobs
import analysis.runs.ray_executor
import analysis.core
# Every module of the core (the frame or segment analyzer, the pipeline, the executors...).
for module in pkgutil.iter_modules(analysis.core.__path__, "analysis.core."):
    importlib.import_module(module.name)
assert "analysis.core.emotion_classifier" in sys.modules
import cv2
import face_recognition
from analysis.core.emotion_classifier import DEFAULT_MODEL, EmotionClassifier, crop_faces, model_spec

classifier = EmotionClassifier(model_spec(DEFAULT_MODEL))
image = cv2.imread(sys.argv[1])
top, right, bottom, left = face_recognition.face_locations(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))[0]
gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
probabilities = classifier.predict(crop_faces(gray, [(left, top, right - left, bottom - top)], classifier.spec))
loaded = sorted(name for name in ("tensorflow", "keras", "emotion_training") if name in sys.modules)
print(json.dumps({"top": int(probabilities[0].argmax()), "loaded": loaded,
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
assert "tensorflow" not in sys.modules and "keras" not in sys.modules, loaded
"""


def test_a_serving_process_classifies_a_face_without_tensorflow():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", SERVING_PROCESS, str(IMAGES / "astronaut.png")],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["top"] == 3  # happy: the classifier really ran on the face
    assert result["loaded"] == []


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, at any depth (functions included), with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_analysis_core_imports_no_framework_and_no_training_code():
    modules = sorted(CORE.rglob("*.py"))
    assert CORE / "emotion_classifier.py" in modules and CORE / "lite_model.py" in modules
    offending = [
        f"{path.relative_to(CORE.parent.parent)}:{line} imports {name}"
        for path in modules
        for line, name in _imported_modules(ast.parse(path.read_text(), str(path)))
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offending == []


def test_the_import_check_sees_imports_inside_functions():
    source = "def f():\n    import tensorflow as tf\n    from keras import layers\n    importlib.import_module('ray')\n"
    assert [name for _, name in _imported_modules(ast.parse(source))] == ["tensorflow", "keras", "ray"]
