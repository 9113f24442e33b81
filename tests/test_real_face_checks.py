"""The real-face check set (emotion_training/real_face_checks.csv) through the whole pipeline, shipped model."""

import pytest

from analysis.core.emotion_classifier import DEFAULT_MODEL
from emotion_training.real_faces import CheckRunner, format_results, load_checks

from .conftest import DATA_DIR

CHECKS = load_checks()
# Known failure, kept visible: emotion-net-v5 (trained on the FER+ votes) reads this shouting face, mouth
# open and brows raised, as surprise at every crop margin from 0 to 0.3 (p(angry) at most 0.07; v3: 0.32,
# top). A strict xfail fails the suite once it passes.
KNOWN_FAILURES = {
    "images/angry_black.jpg": "a shouting face read as surprise by emotion-net-v5",
    # With HOG neutral led 62%. On the 76 faces both detectors find, the readings agree (98.7%); the
    # drop comes from the faces and samples only YuNet finds: frontal passers-by that v5 reads as sad.
    "videos/street_1080p.mp4": "YuNet finds more of the passers-by, and v5 reads several as sad (neutral leads 42%)",
}


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
    [
        pytest.param(check, marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[check.file]))
        if check.file in KNOWN_FAILURES
        else check
        for check in CHECKS
    ],
    ids=[f"{c.file}:{c.start_s or 0:g}" + (":" + ",".join(map(str, c.box)) if c.box else "") for c in CHECKS],
)
def test_real_face_check(runner, check):
    result = runner.run(check)
    assert result.samples >= 5, f"too few samples: {result}"
    assert result.passed, format_results(DEFAULT_MODEL, [result])
