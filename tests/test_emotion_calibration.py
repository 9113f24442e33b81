"""Calibrated emotion probabilities: the fit, the error measure, serving, and the card the command writes."""

import dataclasses
import json
import shutil

import numpy as np
import pytest

from analysis.core.calibration import Calibration, softmax
from analysis.core.emotion_classifier import DEFAULT_MODEL, SHIPPED_MODELS, EmotionClassifier, model_spec
from analysis.core.model_card import card_path, read_card
from emotion_training import card_document
from emotion_training import evaluate as evaluate_command
from emotion_training.calibration import cross_fitted, expected_calibration_error, fit_calibration
from emotion_training.fer_dataset import fixed_sample, load_split

from .test_emotion_model import FER, MODEL_CARD_DOC


def overconfident_predictions(faces=6000, temperature=2.0, seed=1):
    """Labels drawn from softmax(z); the 'model' reports softmax(z * temperature), too sharp."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, size=(faces, 7))
    truth = softmax(logits)
    labels = np.array([rng.choice(7, p=row / row.sum()) for row in truth.astype(np.float64)])
    return softmax(logits * temperature), labels


def test_fit_recovers_the_temperature_and_lowers_the_error():
    reported, labels = overconfident_predictions()
    calibration = fit_calibration(reported, labels, with_bias=False)
    assert calibration.temperature == pytest.approx(2.0, rel=0.1)
    before = expected_calibration_error(reported, labels)
    after = expected_calibration_error(cross_fitted(reported, labels, with_bias=False), labels)
    assert before > 0.1 and after < before / 3


def test_class_bias_corrects_a_shifted_prior():
    reported, labels = overconfident_predictions(temperature=1.0)
    shifted = softmax(np.log(reported) + np.array([0, 0, 0, 0, 1.0, 0, 0]))  # "sad" pushed up
    calibration = fit_calibration(shifted, labels, with_bias=True)
    assert calibration.class_bias[4] == pytest.approx(-1.0 + np.mean([0, 0, 0, 0, 1.0, 0, 0]), abs=0.15)
    assert (calibration.apply(shifted).argmax(1) == 4).mean() < (shifted.argmax(1) == 4).mean()


def test_ece_of_a_perfectly_calibrated_set_is_small_and_of_a_wrong_one_large():
    confident_right = np.eye(7)[np.arange(700) % 7]
    assert expected_calibration_error(confident_right, np.arange(700) % 7) == pytest.approx(0.0)
    assert expected_calibration_error(confident_right, (np.arange(700) + 1) % 7) == pytest.approx(1.0)


def test_the_shipped_model_serves_its_cards_calibration():
    spec = model_spec(DEFAULT_MODEL)
    assert spec.calibration == Calibration.from_card(read_card(spec.path)["inference"]["calibration"])
    assert spec.calibration.temperature != 1.0
    faces = fixed_sample(load_split(FER, "PublicTest"), 64, seed=2).faces
    batch = (faces.astype(np.float32) / 127.5 - 1.0)[..., np.newaxis]
    served = EmotionClassifier(spec).predict(batch)
    raw = EmotionClassifier(dataclasses.replace(spec, calibration=Calibration())).predict(batch)
    assert np.allclose(served, spec.calibration.apply(raw), atol=1e-6)
    assert np.allclose(served.sum(axis=1), 1.0, atol=1e-5)
    assert not np.allclose(served, raw, atol=1e-3)


def test_model_card_document_is_generated_from_the_card():
    """docs/model-card.md's figures for the shipped model are the card's, as the command wrote them."""
    card = read_card(SHIPPED_MODELS[DEFAULT_MODEL])
    assert card_document.generated_block(MODEL_CARD_DOC, DEFAULT_MODEL) == card_document.render(DEFAULT_MODEL, card)
    command = card["inference_command"]
    inference = card["inference"]
    assert f"--crop-margin {inference['crop_margin']}" in command
    assert f"--tta-zooms {','.join(str(z) for z in inference['tta_zooms'])}" in command
    assert ("--flip-tta" if inference["flip_tta"] else "--no-flip-tta") in command
    assert ("--align" if inference["align"] else "--no-align") in command


def test_write_card_records_settings_calibration_and_a_command_that_reproduces_them(tmp_path):
    tflite = tmp_path / "candidate.tflite"
    shutil.copy(SHIPPED_MODELS[DEFAULT_MODEL], tflite)
    shutil.copy(card_path(SHIPPED_MODELS[DEFAULT_MODEL]), card_path(tflite))
    document = tmp_path / "card.md"
    document.write_text("# Cards\n")
    out = tmp_path / "evaluation.json"
    arguments = ["--model", str(tflite), "--data", str(FER), "--crop-margin", "0.2", "--tta-zooms", "1.0"]
    arguments += ["--no-flip-tta", "--align", "--calibrate", "--class-bias", "--write-card"]
    evaluate_command.main([*arguments, "--card-document", str(document), "--json", str(out)])
    card = read_card(tflite)
    inference = card["inference"]
    assert (inference["crop_margin"], inference["tta_zooms"], inference["flip_tta"], inference["align"]) == (
        0.2,
        [1.0],
        False,
        True,
    )
    assert len(inference["calibration"]["class_bias"]) == 7
    # Scored against the FER+ majority (the 3,529 faces whose majority is one of our classes), and
    # against FER2013's own labels on all 3,589 for continuity.
    assert card["metrics"]["PublicTest"]["faces"] == 3529
    assert card["metrics"]["PublicTest_fer2013"]["faces"] == 3589
    calibration_report = card["metrics"]["PublicTest_calibration"]
    assert calibration_report["temperature"]["ece"] <= calibration_report["raw"]["ece"] + 0.01
    assert card["inference_command"] == (
        f"python -m emotion_training.evaluate --model {tflite} --split PublicTest --crop-margin 0.2 "
        "--tta-zooms 1.0 --no-flip-tta --align --calibrate --class-bias --write-card"
    )
    assert card_document.generated_block(document, str(tflite)) == card_document.render(str(tflite), card)
    spec = model_spec(str(tflite))
    assert (spec.crop_margin, spec.align, spec.flip_tta) == (0.2, True, False)
    evaluation = json.loads(out.read_text())["models"][str(tflite)]
    assert evaluation["ece"] == pytest.approx(card["metrics"]["PublicTest"]["ece"])
