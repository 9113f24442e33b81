"""How well the head pose (analysis/core/head_pose.py) reads: real portraits, mirrored and tilted, and a
generic face turned by known angles. Both estimates side by side: from three key points (eye centres,
nose base: dlib's path, the fallback) and from YuNet's five points (eye centres, nose tip, mouth corners).

(a) every face the pipeline's detector (YuNet) finds in the shared portraits, with its yaw and pitch;
(b) the same pictures mirrored (the yaw must change sign: the sum of both yaws is the error) and
    rotated in-plane by -15 and +15 degrees (the pose must barely move: the largest change is shown);
(c) each estimate's generic face projected at known yaw (-45..45) and pitch (-30..45, the three
    points' range, and -60..40, bowed and raised heads), then read back: under weak perspective (the
    estimate's own model: checks the algebra), and under true perspective with the face at 10 and 30
    eye distances from the camera (~60 cm, a webcam; ~2 m, a room);
(d) bowed heads (yaw 0) one by one, and whether each counts as facing the camera (within 30).

    .venv/bin/python -m bench.head_pose
"""

from __future__ import annotations

import cv2
import numpy as np

from analysis.core.face_detection import DetectorConfig, FaceDetector
from analysis.core.face_models import Detection
from analysis.core.head_pose import (
    BOWED_LIMIT_DEG,
    DEFAULT_MAX_DEG,
    FRONTAL_DROP,
    MOUTH_DEPTH,
    MOUTH_DROP,
    NOSE_DEPTH,
    NOSE_TIP_DEPTH,
    NOSE_TIP_DROP,
    five_point_poses,
    head_pose,
    head_poses,
)
from bench.common import data_file, machine_header

PORTRAITS = [
    "astronaut.png",
    "obama.jpg",
    "biden.jpg",
    "single_face.jpg",
    "happy_black.jpg",
    "angry_black.jpg",
    "surprise_white.jpg",
    "two_people.jpg",
    "multi_face.jpg",
]
ROLL_DEG = (-15.0, 15.0)
RESCALE = 0.8
SYNTHETIC_YAW = (-45, -30, -20, -10, 0, 10, 20, 30, 45)
# Down to -30: a head bowed further than the nose's angle ahead of the eyes (BOWED_LIMIT_DEG, 31.6) casts
# the same three points as a less bowed one (head_pose.py). The wide grid takes bowed heads in.
SYNTHETIC_PITCH = (-30, -20, -10, 0, 10, 20, 30, 45)
WIDE_PITCH = (-60, -50, -45, -40, -30, -20, -10, 0, 10, 20, 30, 40)
BOWED_DEG = (-30, -35, -40, -45, -50, -60)
DISTANCES = (None, 10.0, 30.0)  # eye distances from the camera; None: weak perspective
MOUTH_HALF_WIDTH = 0.40  # eye distances: YuNet's mouths on FER2013 are 0.81 wide (head_pose.py)


def three_point_pose(face: Detection) -> tuple[float, float]:
    return head_pose(face.points)


def five_point_pose(face: Detection) -> tuple[float, float]:
    return head_pose(face.points, face.landmarks5)


ESTIMATES = {"three points": (three_point_pose, head_poses), "five points": (five_point_pose, five_point_poses)}


def eyes_midpoint(face: Detection) -> np.ndarray:
    return face.points[:2].mean(axis=0)


def matching_face(faces: list[Detection], where: np.ndarray) -> Detection | None:
    """The face whose eyes' midpoint is nearest `where`, if within half its box."""
    if not faces:
        return None
    face = min(faces, key=lambda f: float(np.hypot(*(eyes_midpoint(f) - where))))
    return face if np.hypot(*(eyes_midpoint(face) - where)) < face.box[2] / 2 else None


def rotated(image: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The image turned in-plane about its centre on a canvas that holds it all, and the 2x3 map."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(height * sin + width * cos), int(height * cos + width * sin))
    matrix[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    return cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REPLICATE), matrix


def portrait_rows(detector: FaceDetector, pose=three_point_pose) -> list[dict]:
    rows = []
    for name in PORTRAITS:
        image = cv2.imread(str(data_file(f"images/{name}")), cv2.IMREAD_COLOR)
        width = image.shape[1]
        faces = sorted(detector.full_frame(image), key=lambda f: f.box[0])
        mirrored = detector.full_frame(cv2.flip(image, 1))
        turned = {deg: (detector.full_frame(img), matrix) for deg, img, matrix in _turns(image)}
        # The detector's own noise, for scale: the same picture, only smaller.
        smaller = detector.full_frame(cv2.resize(image, None, fx=RESCALE, fy=RESCALE, interpolation=cv2.INTER_AREA))
        for number, face in enumerate(faces, 1):
            yaw, pitch = pose(face)
            middle = eyes_midpoint(face)
            mirror = matching_face(mirrored, np.array([width - 1 - middle[0], middle[1]]))
            row = {"picture": name if len(faces) == 1 else f"{name} #{number}", "yaw": yaw, "pitch": pitch}
            row["mirror"] = pose(mirror) if mirror is not None else None
            shifts = []
            for faces_turned, matrix in turned.values():
                found = matching_face(faces_turned, matrix @ np.append(middle, 1.0))
                if found is not None:
                    shifts.append(pose_shift(pose(found), (yaw, pitch)))
            row["roll_shift"] = max(shifts) if len(shifts) == len(ROLL_DEG) else None
            small = matching_face(smaller, middle * RESCALE)
            row["rescale_shift"] = None if small is None else pose_shift(pose(small), (yaw, pitch))
            rows.append(row)
    return rows


def pose_shift(pose: tuple[float, float], reference: tuple[float, float]) -> float:
    """The larger of the yaw and pitch changes, degrees."""
    return max(abs(pose[0] - reference[0]), abs(pose[1] - reference[1]))


def _turns(image: np.ndarray):
    for degrees in ROLL_DEG:
        turned, matrix = rotated(image, degrees)
        yield degrees, turned, matrix


# Each estimate's generic face, in eye distances: x right, y up, z out of the face.
THREE_POINT_FACE = np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, -FRONTAL_DROP, NOSE_DEPTH]])
FIVE_POINT_FACE = np.array(
    [
        [-0.5, 0.0, 0.0],
        [0.5, 0.0, 0.0],
        [0.0, -NOSE_TIP_DROP, NOSE_TIP_DEPTH],
        [-MOUTH_HALF_WIDTH, -MOUTH_DROP, MOUTH_DEPTH],
        [MOUTH_HALF_WIDTH, -MOUTH_DROP, MOUTH_DEPTH],
    ]
)


def generic_face_points(
    yaw: float, pitch: float, roll: float = 0.0, distance: float | None = None, model: np.ndarray = THREE_POINT_FACE
) -> np.ndarray:
    """The generic face's key points (3, 2) in an image (or, with FIVE_POINT_FACE, YuNet's five), 100 px
    between the eyes when frontal.

    The head turns by yaw, then tilts by pitch (head_pose.py's convention), then rolls in the image.
    """
    y, p = np.radians(yaw), np.radians(pitch)
    tilt = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    turn = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    points = model @ tilt.T @ turn.T
    xy = points[:, :2] if distance is None else points[:, :2] * distance / (distance - points[:, 2:3])
    image = np.stack([xy[:, 0], -xy[:, 1]], axis=1) * 100.0  # image y points down
    r = np.radians(roll)
    return image @ np.array([[np.cos(r), np.sin(r)], [-np.sin(r), np.cos(r)]]) + 300.0


def generic_face_five(yaw: float, pitch: float, roll: float = 0.0, distance: float | None = None) -> np.ndarray:
    """The five-point generic face's points (5, 2) in YuNet's order: eyes, nose tip, mouth corners."""
    return generic_face_points(yaw, pitch, roll, distance, FIVE_POINT_FACE)


def synthetic_errors(
    distance: float | None, pitches=SYNTHETIC_PITCH, estimate=head_poses, model=THREE_POINT_FACE
) -> tuple[float, float]:
    """The largest yaw and pitch errors (degrees) over the grid of known poses, each also rolled 20 degrees."""
    truth, points = [], []
    for yaw in SYNTHETIC_YAW:
        for pitch in pitches:
            for roll in (0.0, 20.0):
                truth.append((yaw, pitch))
                points.append(generic_face_points(yaw, pitch, roll, distance, model))
    error = np.abs(estimate(np.array(points)) - np.array(truth))
    return float(error[:, 0].max()), float(error[:, 1].max())


MODELS = {"three points": THREE_POINT_FACE, "five points": FIVE_POINT_FACE}


def _angle(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def main() -> None:
    machine_header("bench.head_pose")
    detector = FaceDetector(DetectorConfig())
    for name, (pose, _) in ESTIMATES.items():
        print(f"\n(a, b) the shared portraits, the pipeline's detector (YuNet), {name}; degrees")
        print(
            f"{'picture':<22} {'yaw':>6} {'pitch':>6} {'mirror yaw':>10} {'yaw + mirror':>12} "
            f"{'roll ±15 shift':>14} {f'scale {RESCALE:g} shift':>15}"
        )
        for row in portrait_rows(detector, pose):
            mirror = row["mirror"]
            flip = None if mirror is None else row["yaw"] + mirror[0]
            print(
                f"{row['picture']:<22} {_angle(row['yaw']):>6} {_angle(row['pitch']):>6} "
                f"{_angle(None if mirror is None else mirror[0]):>10} {_angle(flip):>12} "
                f"{_shift(row['roll_shift']):>14} {_shift(row['rescale_shift']):>15}"
            )
    print(f"\n(c) each estimate's generic face at yaw {SYNTHETIC_YAW[0]}..{SYNTHETIC_YAW[-1]}, each rolled 0 and 20")
    print(f"{'estimate, pitches':<30} {'projection':<32} {'max yaw error':>14} {'max pitch error':>16}")
    for name, (_, estimate) in ESTIMATES.items():
        for pitches in (SYNTHETIC_PITCH, WIDE_PITCH):
            for distance in DISTANCES:
                label = "weak perspective" if distance is None else f"perspective, {distance:g} eye distances"
                yaw_error, pitch_error = synthetic_errors(distance, pitches, estimate, MODELS[name])
                grid = f"{name}, {pitches[0]}..{pitches[-1]}"
                print(f"{grid:<30} {label:<32} {yaw_error:>14.1f} {pitch_error:>16.1f}")
    print(f"\n(d) bowed heads, yaw 0 (three points fold past {BOWED_LIMIT_DEG:.1f}); pitch read, * facing within 30")
    print(f"{'bowed':>6} " + " ".join(f"{f'{n}, {d}':>22}" for n in ESTIMATES for d in ("weak", "60 cm", "2 m")))
    for pitch in BOWED_DEG:
        cells = []
        for name, (_, estimate) in ESTIMATES.items():
            for distance in DISTANCES:
                read = float(estimate(generic_face_points(0.0, pitch, 0.0, distance, MODELS[name])[None])[0, 1])
                cells.append(f"{read:+.1f}{'*' if abs(read) <= DEFAULT_MAX_DEG else ' '}")
        print(f"{pitch:>6} " + " ".join(f"{cell:>22}" for cell in cells))


def _shift(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
