"""The real-face check set (emotion_training/real_face_checks.csv) through the whole pipeline, shipped model."""

import pytest

from analysis.core.emotion_classifier import DEFAULT_MODEL
from emotion_training.real_faces import CheckRunner, format_results, load_checks

from .conftest import DATA_DIR

CHECKS = load_checks()


@pytest.fixture(scope="module")
def runner():
    return CheckRunner(DEFAULT_MODEL, DATA_DIR)


def test_the_check_set_covers_calm_faces_clear_expressions_videos_and_stills():
    assert len(CHECKS) >= 12
    assert {check.expected for check in CHECKS} >= {("happy",), ("neutral",), ("surprise",), ("angry",)}
    assert any(check.file.startswith("videos/") for check in CHECKS) and any(
        c.file.startswith("images/") for c in CHECKS
    )
    assert all(check.why for check in CHECKS)


@pytest.mark.parametrize(
    "check",
    CHECKS,
    ids=[f"{c.file}:{c.start_s or 0:g}" + (":" + ",".join(map(str, c.box)) if c.box else "") for c in CHECKS],
)
def test_real_face_check(runner, check):
    result = runner.run(check)
    assert result.samples >= 5, f"too few samples: {result}"
    assert result.passed, format_results(DEFAULT_MODEL, [result])
