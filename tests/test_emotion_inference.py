"""Inference of the emotion models: the shipped LiteRT files, the engine and test-time augmentation."""

import dataclasses

import cv2
import keras
import numpy as np
import pytest

from analysis.core.augmented_views import augmented_views, predict_with_views, zoom_centre
from analysis.core.emotion_classifier import DEFAULT_MODEL, REFERENCE_MODEL, EmotionClassifier, model_spec
from analysis.core.lite_model import LiteModel, usable_cores
from emotion_training.evaluation import resize_faces
from emotion_training.fer_dataset import fixed_sample, load_split
from emotion_training.litert_export import keras_source

from .conftest import DATA_DIR

FER = DATA_DIR / "fer2013" / "fer2013_train_publictest.npz"


@pytest.fixture(scope="module")
def faces():
    """600 real PublicTest faces: more than one 512-face resize chunk, and more than one batch."""
    return fixed_sample(load_split(FER, "PublicTest"), 600, seed=3).faces


def test_zoom_crops_the_centre_and_resizes_it_back():
    columns = np.tile(np.arange(48, dtype=np.float32), (48, 1))
    faces = np.stack([columns, columns + 100])[..., np.newaxis]
    zoomed = zoom_centre(faces, 0.5)
    assert zoomed.shape == faces.shape
    # The centre 24 columns (12..35) now fill the whole width, in order.
    assert 11.5 <= zoomed[0, 0, :, 0].min() and zoomed[0, 0, :, 0].max() <= 35.5
    assert np.all(np.diff(zoomed[0, 10, :, 0]) >= 0)
    assert np.allclose(zoomed[1] - zoomed[0], 100)
    assert zoom_centre(faces, 1.0) is faces
    with pytest.raises(ValueError):
        zoom_centre(faces, 1.2)


def test_zoom_of_a_large_batch_matches_resizing_face_by_face(faces):
    batch = resize_faces(faces, 48)
    expected = np.stack([cv2.resize(face[2:45, 2:45, 0], (48, 48), interpolation=cv2.INTER_LINEAR) for face in batch])[
        ..., np.newaxis
    ]
    assert np.allclose(zoom_centre(batch, 0.9), expected, atol=1e-5)


def test_views_come_as_each_zoom_then_its_mirror(faces):
    batch = resize_faces(faces[:5], 48)
    views = augmented_views(batch, (1.0, 0.9), flip=True)
    assert len(views) == 4
    assert np.array_equal(views[0], batch) and np.array_equal(views[1], batch[:, :, ::-1])
    assert np.array_equal(views[3], views[2][:, :, ::-1]) and not np.array_equal(views[2], batch)
    assert len(augmented_views(batch)) == 1


@pytest.mark.parametrize("name", [DEFAULT_MODEL, REFERENCE_MODEL])
def test_shipped_tflite_gives_the_keras_probabilities_for_every_batch_size(faces, name):
    spec = model_spec(name)
    assert spec.path.suffix == ".tflite"
    batch = resize_faces(faces, spec.input_size)
    lite = LiteModel(spec.path, threads=1)
    reference = keras.models.load_model(keras_source(name), compile=False)
    assert lite.input_shape[1:] == tuple(reference.input_shape[1:]) == (spec.input_size, spec.input_size, 1)
    for size in (600, 7, 256):
        expected = np.asarray(reference.predict_on_batch(batch[:size]))
        assert np.abs(lite.predict_on_batch(batch[:size]) - expected).max() < 1e-4


def test_lite_model_threads_default_to_the_usable_cores():
    path = model_spec(DEFAULT_MODEL).path
    assert LiteModel(path).threads == usable_cores() >= 1
    assert LiteModel(path, threads=1).threads == 1
    assert EmotionClassifier(model_spec(DEFAULT_MODEL), threads=1)._model.threads == 1
    with pytest.raises(ValueError, match="at least 1"):
        LiteModel(path, threads=0)
    with pytest.raises(ValueError, match="not a .tflite"):
        LiteModel(keras_source(DEFAULT_MODEL))


def test_classifier_averages_the_views_of_its_model_card(faces):
    spec = dataclasses.replace(model_spec(DEFAULT_MODEL), flip_tta=True, tta_zooms=(1.0, 0.9))
    batch = resize_faces(faces[:64], 48)
    keras_model = keras.models.load_model(keras_source(DEFAULT_MODEL), compile=False)
    views = [batch, batch[:, :, ::-1], zoom_centre(batch, 0.9), zoom_centre(batch, 0.9)[:, :, ::-1]]
    # The calibration (the card's temperature) applies to the averaged views.
    expected = spec.calibration.apply(np.mean([keras_model.predict_on_batch(view) for view in views], axis=0))
    probabilities = EmotionClassifier(spec).predict(batch)
    assert np.abs(probabilities - expected).max() < 1e-4
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    # The views change the answer for some faces: averaging is really happening.
    single = EmotionClassifier(dataclasses.replace(spec, flip_tta=False, tta_zooms=(1.0,))).predict(batch)
    assert np.abs(probabilities - single).max() > 0.01


def test_predict_with_views_calls_the_model_once_on_all_views(faces):
    batch = resize_faces(faces[:10], 48)
    calls = []

    def predict_on_batch(stacked):
        calls.append(len(stacked))
        return np.repeat(stacked.mean(axis=(1, 2)), 7, axis=1)

    result = predict_with_views(predict_on_batch, batch, (1.0, 0.9), flip=True)
    assert calls == [40]
    expected = np.mean([batch.mean(axis=(1, 2, 3)), zoom_centre(batch, 0.9).mean(axis=(1, 2, 3))], axis=0)
    assert np.allclose(result[:, 0], expected, atol=1e-6)
