"""Head pose (yaw, pitch in degrees) from a face's landmarks: YuNet's five points where the detector gave
them (`five_point_poses`), else the three key points, both eye centres and the nose base (`head_poses`).

Both use a generic face: the head turns by yaw (about the vertical axis, positive to the image's right),
then tilts by pitch (positive up), under weak perspective (a face is shallow next to its distance from
the camera). Everything is measured in the face's own frame, with the eyes levelled, so an in-plane tilt
of the head (roll) does not change the result. `head_pose` picks the estimate for one face.

Five points (YuNet: eye centres, nose tip, mouth corners). The nose tip N and the mouth corners' midpoint
M lie in the face's midplane at different depths, so with the eye axis they fix the whole (scaled) view
of the head, in closed form: each is a known mix of the face's up axis Y and its forward axis Z
(N = -NOSE_TIP_DROP Y + NOSE_TIP_DEPTH Z, M = -MOUTH_DROP Y + MOUTH_DEPTH Z), so their two image offsets
solve for Y's and Z's images, and the pitch is the angle between them: tan(pitch) = Z's rise / Y's rise.
Nothing folds: a head bowed 60 reads -60 (three points read it -3). The generic face, in eye distances:
- NOSE_TIP_DROP and MOUTH_DROP are measured, as FRONTAL_DROP is: the medians of YuNet's points on 1,827
  of FER2013's first 2,000 Training faces (upscaled 4x; faces that look into the camera): the nose tip
  0.586 and the mouth corners' midpoint 1.042 eye distances below the eye line (mouths 0.81 wide);
  MediaPipe's canonical face model has 0.596 and 1.106;
- the depths are anthropometric, from MediaPipe's canonical face model (its eye-corner means 63 mm
  apart): the nose tip 40.1 mm and the mouth corners 8.2 mm ahead of the eye corners' mean, which sits
  ~10 mm behind the cornea, where YuNet's eye centres (the pupils) are: 0.48 and -0.03 eye distances.

Three points (dlib's 5-point predictor, and YuNet's points converted by yunet.py, when the five are
not at hand). Three points cannot fix a pose on their own, so a generic face stands in for everyone's (a
documented approximation, good to a few degrees on a frontal face and to ~10 degrees at 45):
- the eye centres at (-1/2, 0, 0) and (+1/2, 0, 0) in eye distances, the nose base at
  (0, -FRONTAL_DROP, NOSE_DEPTH): below the eyes' midpoint and ahead of their plane;
- FRONTAL_DROP is measured, not assumed: the nose's drop below the eye line in FER_FRAMING (the
  median of FER2013's faces, which look into the camera), 0.73 eye distances;
- NOSE_DEPTH is anthropometric: with dlib's eye centres (the mean of each eye's corners, which sit
  ~10 mm behind the cornea) the nose base is ~28 mm ahead of them, for ~63 mm between the eyes.
  face_quality.py's observation that the nose sits ~0.5 eye distances aside at a three-quarter view
  agrees (0.45 x tan 45).

What three points cannot tell apart: a head bowed further than BOWED_LIMIT_DEG (~32, the nose's angle
ahead of straight down from the eyes) casts the same points as a less bowed one (bowed 45 reads about
-18), so a head bowed well down over a desk can read as facing. Turned or raised heads do not fold so.
With the eye distance d, the nose base sits
U = (drop sin p + depth cos p) tan y and V = (drop cos p - depth sin p) / cos y eye distances along
and below the eye line; both solve in closed form (`head_poses`).
"""

import numpy as np

from .face_alignment import FER_FRAMING, key_points

NOSE_DEPTH = 0.45  # eye distances ahead of the eyes' plane (see above)
# The five-point generic face, in eye distances from the eyes' midpoint (see above).
NOSE_TIP_DROP = 0.586
MOUTH_DROP = 1.042
NOSE_TIP_DEPTH = 0.48
MOUTH_DEPTH = -0.03
# Both angles within this many degrees: turned to the camera. The app passes settings.ATTENTION_MAX_DEG
# (the same default); this is for callers without settings (the command line's sink, tests).
DEFAULT_MAX_DEG = 30.0


def _face_frame(points: np.ndarray, target: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3+, 2) points, the eye centres (image left first) then the nose -> `target`'s (N, 2; default
    the nose) offset from the eyes' midpoint, (N,) along and (N,) below the eye line, in eye distances:
    the same whatever the head's in-plane tilt."""
    left, right = points[:, 0], points[:, 1]
    target = points[:, 2] if target is None else target
    across = right - left
    distance = np.maximum(np.hypot(across[:, 0], across[:, 1]), 1e-6)
    across = across / distance[:, None]
    down = np.stack([-across[:, 1], across[:, 0]], axis=1)  # image y points down
    offset = target - (left + right) / 2
    return (offset * across).sum(axis=1) / distance, (offset * down).sum(axis=1) / distance


FRONTAL_DROP = float(_face_frame(FER_FRAMING[None].astype(np.float64))[1][0])
BOWED_LIMIT_DEG = float(np.degrees(np.arctan2(NOSE_DEPTH, FRONTAL_DROP)))


def head_poses(points: np.ndarray) -> np.ndarray:
    """(N, 3, 2) key points (face_alignment.key_points) -> (N, 2) yaw and pitch in degrees."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3, 2)
    along, below = _face_frame(points)
    # Squaring and adding both equations removes the pitch: with c = cos^2 yaw and R^2 = drop^2 + depth^2,
    # below^2 c^2 - (below^2 + along^2 + R^2) c + R^2 = 0, whose smaller root is in (0, 1]. This form
    # of it stays finite when the nose is on the eye line (below = 0).
    r2 = FRONTAL_DROP**2 + NOSE_DEPTH**2
    total = below**2 + along**2 + r2
    cos2 = 2 * r2 / (total + np.sqrt(np.maximum(total**2 - 4 * below**2 * r2, 0.0)))
    cos_yaw = np.sqrt(np.clip(cos2, 0.0, 1.0))
    yaw = np.sign(along) * np.arccos(cos_yaw)
    # Then R cos(pitch + b) = below cos yaw and R sin(pitch + b) = sqrt(R^2 - (below cos yaw)^2), with
    # b = atan2(depth, drop): the nose's angle ahead of straight down from the eyes.
    forward = np.sqrt(np.maximum(r2 - (below * cos_yaw) ** 2, 0.0))
    pitch = np.arctan2(forward, below * cos_yaw) - np.radians(BOWED_LIMIT_DEG)
    return np.degrees(np.stack([yaw, pitch], axis=1))


def five_point_poses(points: np.ndarray) -> np.ndarray:
    """(N, 5, 2) YuNet points (its order: both eye centres, the nose tip, both mouth corners) -> (N, 2)
    yaw and pitch in degrees."""
    points = np.array(points, dtype=np.float64).reshape(-1, 5, 2)  # a copy: the eyes may be swapped
    swap = points[:, 0, 0] > points[:, 1, 0]  # the eyes image left first, as _face_frame wants
    points[swap, :2] = points[swap, 1::-1]
    # The nose tip's and the mouth's offsets, x right and y up, in image eye distances (the scale drops out).
    nose = np.stack(_face_frame(points), axis=1) * [1, -1]
    mouth = np.stack(_face_frame(points, points[:, 3:].mean(axis=1)), axis=1) * [1, -1]
    # nose = -drop_n Y' + depth_n Z' and mouth = -drop_m Y' + depth_m Z', with Y' and Z' the images of the
    # face's up and forward axes: solve the 2 x 2 system for them.
    det = MOUTH_DROP * NOSE_TIP_DEPTH - NOSE_TIP_DROP * MOUTH_DEPTH
    up = (MOUTH_DEPTH * nose - NOSE_TIP_DEPTH * mouth) / det
    forward = (MOUTH_DROP * nose - NOSE_TIP_DROP * mouth) / det
    # The view of the turned, tilted face (weak perspective, scale s, eye distance s cos yaw = 1):
    # Y' = s (-sin yaw sin pitch, cos pitch), Z' = s (sin yaw cos pitch, sin pitch).
    pitch = np.arctan2(forward[:, 1], up[:, 1])
    aside = forward[:, 0] * np.cos(pitch) - up[:, 0] * np.sin(pitch)  # s sin yaw
    yaw = np.arctan2(aside, 1.0)
    return np.degrees(np.stack([yaw, pitch], axis=1))


def head_pose(landmarks: np.ndarray, five: np.ndarray | None = None) -> tuple[float, float]:
    """Yaw and pitch in degrees of one face: from YuNet's five points when given (`five`, (5, 2)), else
    from `landmarks`, dlib's 5 points or the (3, 2) key points. Both are (5, 2) arrays, hence the
    separate argument: dlib's five (eye corners, nose base) are not YuNet's (eyes, nose tip, mouth)."""
    if five is not None:
        yaw, pitch = five_point_poses(five[None])[0]
    else:
        yaw, pitch = head_poses(key_points(landmarks)[None])[0]
    return round(float(yaw), 2), round(float(pitch), 2)


def is_facing(yaw: float, pitch: float, max_deg: float) -> bool:
    """Turned to the camera: both angles within `max_deg` of straight on."""
    return abs(yaw) <= max_deg and abs(pitch) <= max_deg


def facing(yaw: np.ndarray, pitch: np.ndarray, max_deg: float) -> np.ndarray:
    """Per sample: 1.0 facing the camera, 0.0 turned away, NaN where the pose is unknown (NaN or None)."""
    yaw, pitch = np.asarray(yaw, dtype=float), np.asarray(pitch, dtype=float)
    known = ~(np.isnan(yaw) | np.isnan(pitch))
    with np.errstate(invalid="ignore"):
        turned = (np.abs(yaw) <= max_deg) & (np.abs(pitch) <= max_deg)
    return np.where(known, turned.astype(float), np.nan)
