"""The face detector on the shared pictures and clips: YuNet by default, in dlib's terms."""

import cv2
import numpy as np
import pytest

from analysis.core.face_alignment import key_points
from analysis.core.face_detection import DetectorConfig, FaceDetector, iou
from analysis.core.face_models import FaceEncoder
from analysis.core.face_quality import yaw_ratio
from analysis.core.video_source import iter_sampled_frames

from .conftest import IMAGES, VIDEOS


@pytest.fixture(scope="module")
def detector():
    return FaceDetector(DetectorConfig())


@pytest.fixture(scope="module")
def hog():
    return FaceDetector(DetectorConfig(model="hog"))


def test_yunet_is_the_default_and_hog_and_cnn_stay_options():
    assert DetectorConfig().model == "yunet" and DetectorConfig().min_face_px == 20
    with pytest.raises(ValueError, match="Unknown face detector"):
        FaceDetector(DetectorConfig(model="haar"))


@pytest.mark.parametrize("name, faces", [("multi_face.jpg", 5), ("two_people.jpg", 2), ("obama.jpg", 1)])
def test_every_face_of_the_pictures_is_found(detector, name, faces):
    found = detector.full_frame(cv2.imread(str(IMAGES / name)))
    assert len(found) == faces
    assert all(face.points is not None and face.points.shape == (3, 2) for face in found)


@pytest.mark.parametrize("name", ["no-faces.jpg", "free-mountain-vector-01.jpg"])
def test_no_false_faces_in_pictures_without_people(detector, name):
    assert detector.full_frame(cv2.imread(str(IMAGES / name))) == []


def test_no_false_faces_in_a_clip_without_people(detector):
    frames = list(iter_sampled_frames(str(VIDEOS / "no_face.mp4"), None))
    assert len(frames) > 90
    assert not any(detector.full_frame(frame.image) for frame in frames)


def test_faces_of_about_20_px_are_found_in_the_street():
    """street_1080p.mp4's passers-by: HOG's smallest box is 43 px; YuNet's scan for 20 px finds smaller."""
    detector = FaceDetector(DetectorConfig(min_face_px=20))
    heights = [
        face.box[3]
        for frame in iter_sampled_frames(str(VIDEOS / "street_1080p.mp4"), 5.0)
        for face in detector.full_frame(frame.image)
    ]
    assert min(heights) <= 30 and len(heights) >= 5 * 21  # 21 samples, at least 5 faces each on average


def test_a_close_up_filling_the_frame_is_found_by_the_coarse_scan(detector):
    """A face far above YuNet's ~240 px at the fine scan's scale: found by the added coarse scan."""
    image = cv2.imread(str(IMAGES / "single_face.jpg"))
    close_up = cv2.resize(image, None, fx=3, fy=3)  # 1716 px tall: the face is ~600 px, 360 px at the fine scale
    (face,) = detector.full_frame(close_up)
    assert face.box[3] > 500


def test_boxes_and_key_points_agree_with_dlibs(detector, hog):
    """The box is put in dlib's framing and the points in dlib's key points (yunet.py's fits): on the
    pictures, each face's box overlaps HOG's, and its eyes and nose base lie near dlib's 5-point
    predictor's, so the pose reads alike."""
    encoder = FaceEncoder()
    checked = 0
    for name in ["obama.jpg", "biden.jpg", "multi_face.jpg", "two_people.jpg", "astronaut.png", "single_face.jpg"]:
        image = cv2.imread(str(IMAGES / name))
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        for (box, points, *_), (hog_box, *_) in _pairs(detector.full_frame(image), hog.full_frame(image, 40)):
            assert iou(box, hog_box) > 0.6, name
            dlib_points = key_points(encoder.points(encoder.landmarks(rgb, hog_box)))
            eye_distance = np.hypot(*(dlib_points[1] - dlib_points[0]))
            assert np.hypot(*(points - dlib_points).T).max() < 0.25 * eye_distance, name
            assert abs(yaw_ratio(points) - yaw_ratio(dlib_points)) < 0.1, name
            checked += 1
    assert checked >= 9


def _pairs(found, reference):
    return [(face, other) for face in found for other in reference if iou(face.box, other.box) > 0.3]
