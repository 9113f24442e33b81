"""The training package stands on its own: no Django in it, no arrow from the app into it, and its
commands (`python -m emotion_training.train`, `.evaluate`) work from the command line."""

import ast
import os
import shlex
import subprocess
import sys
from pathlib import Path

from emotion_training import train

from .test_emotion_model import FER
from .test_serving_imports import _imported_modules

REPO = Path(__file__).resolve().parents[1]
# Every module of the package imported in a fresh process, which then lists the Django modules it holds.
IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import emotion_training
names = [module.name for module in pkgutil.iter_modules(emotion_training.__path__, "emotion_training.")]
for name in names:
    importlib.import_module(name)
assert {"emotion_training.train", "emotion_training.evaluate", "emotion_training.framing"} <= set(sys.modules)
print(sorted(name for name in sys.modules if name == "django" or name.startswith("django.")))
"""


def run_python(*arguments: str) -> subprocess.CompletedProcess:
    """A fresh interpreter in the repository, with no Django settings module in its environment."""
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, *arguments], cwd=REPO, env=environment, capture_output=True, text=True, timeout=180
    )


def test_the_training_package_imports_no_django():
    completed = run_python("-c", IMPORT_EVERYTHING)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip().splitlines()[-1] == "[]"


def test_no_module_of_the_training_package_names_django():
    """Also the imports a fresh process would not reach (inside functions, under __main__)."""
    offending = [
        f"{path.name}:{line} imports {name}"
        for path in sorted((REPO / "emotion_training").glob("*.py"))
        for line, name in _imported_modules(ast.parse(path.read_text(), str(path)))
        if name.split(".")[0] == "django"
    ]
    assert offending == []


def test_the_app_does_not_import_the_training_package():
    modules = sorted((REPO / "analysis").rglob("*.py"))
    assert REPO / "analysis" / "core" / "emotion_classifier.py" in modules
    offending = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in modules
        for line, name in _imported_modules(ast.parse(path.read_text(), str(path)))
        if name.split(".")[0] == "emotion_training"
    ]
    assert offending == []


def test_the_commands_report_bad_options_on_stderr_with_status_2(tmp_path):
    completed = run_python("-m", "emotion_training.train", "--data", str(FER), "--output", str(tmp_path / "w.h5"))
    assert completed.returncode == 2
    assert "python -m emotion_training.train: error: --output must end in .keras" in completed.stderr
    assert not list(tmp_path.iterdir())
    completed = run_python("-m", "emotion_training.evaluate", "--data", str(FER), "--write-card")
    assert completed.returncode == 2
    assert (
        "python -m emotion_training.evaluate: error: --write-card needs --calibrate and the whole split (no --limit)"
        in completed.stderr
    )


def test_the_recorded_training_command_parses_back_to_the_same_options():
    parser = train.build_parser()
    options = parser.parse_args(
        ["--teacher", "a", "--teacher", "b", "--label-smoothing", "0", "--flip-tta", "--limit", "10"]
    )
    words = shlex.split(train.command_line(parser, options))
    assert words[:3] == ["python", "-m", "emotion_training.train"]
    assert "--label-smoothing" in words and "--help" not in words and "-h" not in words
    assert parser.parse_args(words[3:]) == options
