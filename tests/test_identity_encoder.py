"""The identity encoder the pipeline runs (dlib's ResNet through LiteRT) against dlib's own run of it.

face_recognition's `compute_face_descriptor` stays the reference: on faces of every shared clip the
LiteRT encoder's 128 numbers must equal it (max abs difference <= 1e-3) and decide every "same
person?" question (distance under 0.6, face_recognition's tolerance) the same way.
"""

import json

import cv2
import numpy as np
import pytest

from analysis.core.face_detection import DetectorConfig, FaceDetector
from analysis.core.face_models import IDENTITY_ENCODER, FaceEncoder, dlib_models
from analysis.core.identity_match import distances
from analysis.core.video_source import iter_sampled_frames
from emotion_training.fer_dataset import file_sha256
from emotion_training.identity_encoder_export import EXPORT_COMMAND

from .conftest import VIDEOS

CLIPS = sorted(path.name for path in VIDEOS.iterdir())
SAME_PERSON = 0.6
FRAMES_PER_CLIP = 4


@pytest.fixture(scope="module")
def encoders():
    return FaceEncoder(threads=1), FaceEncoder(reference=True)


@pytest.fixture(scope="module")
def encodings(encoders):
    """Per clip: (LiteRT encodings, dlib encodings) of the faces on a few frames spread over it."""
    litert, reference = encoders
    detector = FaceDetector(DetectorConfig())
    found = {}
    for name in CLIPS:
        ours, theirs = [], []
        frames = list(iter_sampled_frames(str(VIDEOS / name), 1.0))
        for frame in frames[:: max(1, len(frames) // FRAMES_PER_CLIP)]:
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            for face in detector.full_frame(frame.image):
                landmarks = reference.landmarks(rgb, face.box)
                ours.append(litert.encode(rgb, landmarks))
                theirs.append(reference.encode(rgb, landmarks))
        found[name] = (np.array(ours), np.array(theirs))
    return found


def test_the_shared_clips_give_faces_to_compare(encodings):
    with_faces = [name for name, (ours, _) in encodings.items() if len(ours)]
    assert len(with_faces) >= 5, with_faces
    assert sum(len(ours) for ours, _ in encodings.values()) >= 30


@pytest.mark.parametrize("name", CLIPS)
def test_litert_encodings_equal_dlibs(encodings, name):
    ours, theirs = encodings[name]
    if len(ours):
        assert np.abs(ours - theirs).max() <= 1e-3
        assert np.all(np.abs(np.linalg.norm(ours, axis=1) - np.linalg.norm(theirs, axis=1)) <= 1e-3)


def test_same_person_decisions_equal_dlibs_across_all_clips(encodings):
    ours = np.concatenate([pair[0] for pair in encodings.values() if len(pair[0])])
    theirs = np.concatenate([pair[1] for pair in encodings.values() if len(pair[1])])
    same_ours, same_theirs = distances(ours, ours) < SAME_PERSON, distances(theirs, theirs) < SAME_PERSON
    assert np.array_equal(same_ours, same_theirs)
    assert 0 < same_theirs.sum() < same_theirs.size  # both answers occur: the check decides something


def test_the_card_names_the_shipped_file_and_the_command_that_made_it():
    card = json.loads(IDENTITY_ENCODER.with_name("dlib_face_encoder.card.json").read_text())
    assert card["tflite_sha256"] == file_sha256(IDENTITY_ENCODER)
    assert card["tflite_export"]["command"] == EXPORT_COMMAND
    assert card["equality"]["max_abs_difference_from_dlib"] <= 1e-3
    assert card["source"]["sha256"] == file_sha256(dlib_models().face_recognition_model_location())
