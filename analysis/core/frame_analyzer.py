"""Per-frame analysis: find faces, describe them (128-d encoding) and classify their emotions."""

from dataclasses import dataclass, field

import cv2
import numpy as np

from .emotion_classifier import DEFAULT_MODEL, EmotionClassifier, crop_faces, model_spec
from .video_source import SampledFrame

Box = tuple[int, int, int, int]  # x, y, w, h in pixels of the original frame
THUMBNAIL_SIZE = 96


@dataclass(frozen=True)
class AnalyzerConfig:
    detector: str = "hog"  # face_recognition model: "hog" (CPU) or "cnn"
    upsample: int = 1  # detector upsampling: finds smaller faces, costs time
    detect_width: int = 640  # frames wider than this are scaled down for detection only
    emotion_model: str = DEFAULT_MODEL


@dataclass
class FaceObservation:
    box: Box
    probabilities: np.ndarray  # (7,) float32, EMOTIONS order
    encoding: np.ndarray  # (128,) face_recognition descriptor
    thumbnail_jpeg: bytes = field(repr=False)


@dataclass
class FrameResult:
    index: int
    t: float
    faces: list[FaceObservation]


def _thumbnail(image: np.ndarray, box: Box) -> bytes:
    x, y, w, h = box
    pad = w // 5
    height, width = image.shape[:2]
    crop = image[max(0, y - pad) : min(height, y + h + pad), max(0, x - pad) : min(width, x + w + pad)]
    crop = cv2.resize(crop, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


class FrameAnalyzer:
    """Holds the detector and the classifier; analyses chunks of frames."""

    def __init__(self, config: AnalyzerConfig):
        import face_recognition  # deferred: loads dlib models

        self.config = config
        self._fr = face_recognition
        self.classifier = EmotionClassifier(model_spec(config.emotion_model))

    def detect(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        scale = min(1.0, self.config.detect_width / width)
        small = rgb if scale == 1.0 else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        boxes = []
        for top, right, bottom, left in self._fr.face_locations(
            small, number_of_times_to_upsample=self.config.upsample, model=self.config.detector
        ):
            x0, y0 = max(0, int(left / scale)), max(0, int(top / scale))
            x1, y1 = min(width, int(right / scale)), min(height, int(bottom / scale))
            if x1 - x0 >= 8 and y1 - y0 >= 8:
                boxes.append((x0, y0, x1 - x0, y1 - y0))
        return boxes

    def analyze(self, frames: list[SampledFrame]) -> list[FrameResult]:
        per_frame: list[tuple[SampledFrame, list[Box], list[np.ndarray]]] = []
        crops = []
        for frame in frames:
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            boxes = self.detect(rgb)
            locations = [(y, x + w, y + h, x) for x, y, w, h in boxes]
            encodings = self._fr.face_encodings(rgb, locations, model="small") if boxes else []
            gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
            crops.append(crop_faces(gray, boxes, self.classifier.spec))
            per_frame.append((frame, boxes, encodings))
        # One batched prediction for the whole chunk.
        probabilities = self.classifier.predict(np.concatenate(crops)) if crops else np.zeros((0, 7))
        results, offset = [], 0
        for frame, boxes, encodings in per_frame:
            faces = [
                FaceObservation(
                    box=box,
                    probabilities=probabilities[offset + i],
                    encoding=np.asarray(encodings[i], dtype=np.float32),
                    thumbnail_jpeg=_thumbnail(frame.image, box),
                )
                for i, box in enumerate(boxes)
            ]
            offset += len(boxes)
            results.append(FrameResult(index=frame.index, t=frame.t, faces=faces))
        return results
