"""Training and scoring against the FER+ votes: the labels they give, the metrics against them, the commands."""

import json

import numpy as np
import pytest

from analysis.core.emotions import EMOTIONS
from analysis.core.model_card import read_card
from emotion_training import evaluate as evaluate_command
from emotion_training import train as train_command
from emotion_training.calibration import (
    calibration_report,
    expected_calibration_error,
    fit_calibration,
    negative_log_likelihood,
)
from emotion_training.fer_dataset import file_sha256, fixed_rows, load_split
from emotion_training.ferplus import VOTE_COLUMNS, load_vote_labels, vote_labels, voted_faces

from .test_emotion_model import FER, VOTES


def votes_row(**counts) -> list[float]:
    return [float(counts.get(column, 0)) for column in VOTE_COLUMNS]


def test_votes_map_to_our_classes_and_leave_out_what_is_not_one():
    votes = np.array(
        [
            votes_row(neutral=6, sadness=4),
            votes_row(happiness=9, contempt=1),
            votes_row(contempt=5, neutral=3, disgust=2),  # contempt majority: left out
            votes_row(unknown=6, anger=4),  # unknown majority: left out
            votes_row(NF=10),  # not a face: left out
            votes_row(anger=4, sadness=4, fear=2),  # a tie: FER+'s column order picks sadness
            votes_row(),  # unmatched
        ]
    )
    labels = vote_labels(votes, np.array([True] * 6 + [False]))
    neutral, happy, sad, angry, fear = (EMOTIONS.index(name) for name in ("neutral", "happy", "sad", "angry", "fear"))
    assert labels.usable.tolist() == [True, True, False, False, False, True, False]
    assert labels.majority.tolist() == [neutral, happy, -1, -1, -1, sad, -1]
    assert labels.ties.tolist() == [False, False, False, False, False, True, False]
    # Contempt's vote is dropped from the distribution, not given to another class.
    assert labels.distribution[1, happy] == pytest.approx(1.0)
    assert labels.distribution[0, neutral] == pytest.approx(0.6) and labels.distribution[0, sad] == pytest.approx(0.4)
    assert labels.distribution[5, [angry, sad, fear]] == pytest.approx([0.4, 0.4, 0.2])
    assert not labels.distribution[~labels.usable].any()


def test_the_real_votes_say_what_the_data_readme_says():
    training = load_split(FER, "Training")
    labels = load_vote_labels(FER, VOTES, "Training")
    assert len(labels.usable) == len(training) == 28709
    assert labels.usable.sum() == 28222
    assert np.allclose(labels.distribution[labels.usable].sum(axis=1), 1.0, atol=1e-5)
    # Of the faces FER2013 calls sad, about half are neutral by the FER+ majority (README: 53%).
    sad = (training.labels == EMOTIONS.index("sad")) & labels.usable
    assert (labels.majority[sad] == EMOTIONS.index("neutral")).mean() == pytest.approx(0.53, abs=0.01)
    faces, distributions = voted_faces(training, labels)
    assert len(faces) == len(distributions) == 28222
    assert np.array_equal(faces.labels, labels.majority[labels.usable])


def test_metrics_against_vote_distributions():
    votes = np.array([[0.0, 0, 0, 0.7, 0, 0, 0.3], [0.0, 0, 0, 0, 0.5, 0, 0.5]])
    predicted = np.array([[0.0, 0, 0, 0.9, 0, 0, 0.1], [0.0, 0, 0, 0, 0.2, 0, 0.8]])
    # "Correct" is the share of annotators who chose the predicted class: 0.7 and 0.5.
    assert expected_calibration_error(predicted, votes) == pytest.approx((abs(0.9 - 0.7) + abs(0.8 - 0.5)) / 2)
    expected = -(0.7 * np.log(0.9) + 0.3 * np.log(0.1) + 0.5 * np.log(0.2) + 0.5 * np.log(0.8)) / 2
    assert negative_log_likelihood(predicted, votes) == pytest.approx(expected, rel=1e-5)
    # With one-hot distributions the measures are those of the labels.
    labels = np.array([3, 6])
    assert expected_calibration_error(predicted, np.eye(7)[labels]) == expected_calibration_error(predicted, labels)


def test_calibration_fitted_to_votes_flattens_an_overconfident_model():
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 1.5, size=(4000, 7))
    votes = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sharp = np.exp(2 * logits) / np.exp(2 * logits).sum(axis=1, keepdims=True)
    calibration = fit_calibration(sharp.astype(np.float32), votes, with_bias=False)
    assert calibration.temperature == pytest.approx(2.0, rel=0.05)
    report = calibration_report(sharp.astype(np.float32), votes, votes.argmax(axis=1))
    assert report["temperature"]["nll"] < report["raw"]["nll"] and report["temperature"]["ece"] < report["raw"]["ece"]


def test_evaluate_command_scores_against_the_majority_and_fer2013_side_by_side(tmp_path, capsys):
    out = tmp_path / "evaluation.json"
    evaluate_command.main(["--limit", "400", "--data", str(FER), "--json", str(out)])
    report = next(iter(json.loads(out.read_text())["models"].values()))
    labels = load_vote_labels(FER, VOTES, "PublicTest")
    usable = labels.usable[fixed_rows(3589, 400)].sum()  # the command's sample
    assert report["scored_against"] == "FER+ majority" and report["faces"] == usable
    assert report["fer2013"]["faces"] == 400
    assert report["accuracy"] > report["fer2013"]["accuracy"]  # a FER+-trained model agrees with the votes
    assert 0 < report["vote_cross_entropy"] < 2 and 0 <= report["ece"] < 0.2
    printed = capsys.readouterr().out
    assert "against the FER+ majority" in printed and "against FER2013's own labels (400 faces)" in printed


def test_train_command_trains_on_the_votes(tmp_path):
    output = tmp_path / "voted.keras"
    common = ["--data", str(FER), "--limit", "256", "--val-limit", "128", "--epochs", "1", "--batch-size", "64"]
    train_command.main([*common, "--stages", "32:0,64:0", "--output", str(output)])
    card = read_card(output)
    assert card["training"]["labels"] == "ferplus"
    assert card["training"]["votes_sha256"] == file_sha256(VOTES)
    assert card["training"]["train_faces"] == 256 and card["metrics"]["PublicTest"]["faces"] == 128
    assert "--labels ferplus" in card["training"]["command"]
