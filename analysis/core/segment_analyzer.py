"""Analysing one segment of a video: decode it, follow its faces, classify their emotions.

A worker opens the video itself and returns compact results (times, boxes, probabilities, a few
identity encodings per track), so no decoded frame ever leaves the process that decoded it.
"""

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from .emotion_classifier import DEFAULT_MODEL, EmotionClassifier, crop_face, model_spec
from .face_detection import DetectorConfig, FaceDetector, affinity, iou, motion_reach, whole_frame_is_cheaper
from .face_landmarks import DlibLandmarks68
from .face_measures import FaceMeasures, face_measures, measurable
from .face_models import Box, Detection, FaceEncoder
from .face_quality import face_quality
from .face_tracking import FaceTracker, TrackedFace, TrackingConfig
from .head_pose import head_pose
from .video_source import SampledFrame, Segment, decoded_ahead, iter_sampled_frames

THUMBNAIL_SIZE = 96
# Faces classified in one batched call.
CLASSIFY_BATCH = 64
# Samples kept to trace a newly found face back to (at 5 fps, the time since the last full scan).
BACKFILL_SAMPLES = 5
SCENE_HISTOGRAM_WIDTH = 160


@dataclass(frozen=True)
class AnalyzerConfig:
    detector: DetectorConfig = DetectorConfig()
    tracking: TrackingConfig = TrackingConfig()
    emotion_model: str = DEFAULT_MODEL
    # Threads for the classifier, OpenCV (YuNet, resizing) and decoding; None: their defaults (every
    # usable core). A Ray actor, given one CPU, sets 1: two actors that each ran two threads would
    # fight over the same two cores.
    threads: int | None = None


@dataclass(frozen=True)
class SegmentRequest:
    path: str  # a path (or URL) the worker can open itself
    segment: Segment
    sample_fps: float | None
    video_s: float | None = None  # the video's probed length: how far the last segment must read


@dataclass
class Tracklet:
    """One face followed through part of a segment: its samples and its sparse identity encodings."""

    local_id: int
    times: list[float] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    probabilities: list[np.ndarray] = field(default_factory=list)  # (7,) float32 each, EMOTIONS order
    qualities: list[float] = field(default_factory=list)  # face_quality.py, one per sample
    poses: list[tuple[float, float]] = field(default_factory=list)  # yaw, pitch (head_pose.py), one per sample
    measures: list[FaceMeasures | None] = field(default_factory=list)  # face_measures.py; None: face too small
    encodings: list[np.ndarray] = field(default_factory=list)  # (128,) float32 each
    thumbnail_jpeg: bytes = field(default=b"", repr=False)
    thumbnail_area: int = 0


@dataclass
class SegmentResult:
    segment: Segment
    samples: int  # frames sampled and analysed
    tracklets: list[Tracklet]  # in order of first appearance
    encodings: int  # identity encodings computed
    worker: str = ""  # where it ran (a Ray node id), for the record


def thumbnail(image: np.ndarray, box: Box) -> bytes:
    x, y, w, h = box
    pad = w // 5
    height, width = image.shape[:2]
    crop = image[max(0, y - pad) : min(height, y + h + pad), max(0, x - pad) : min(width, x + w + pad)]
    crop = cv2.resize(crop, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


class SceneCutDetector:
    """Compares each sample's grey histogram with the previous one's."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self._previous: np.ndarray | None = None

    def __call__(self, gray: np.ndarray) -> bool:
        scale = SCENE_HISTOGRAM_WIDTH / gray.shape[1]
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        histogram = cv2.calcHist([small], [0], None, [32], [0, 256])
        cv2.normalize(histogram, histogram)
        previous, self._previous = self._previous, histogram
        if previous is None:
            return False
        return cv2.compareHist(previous, histogram, cv2.HISTCMP_BHATTACHARYYA) > self.threshold


@dataclass
class _Sampled:
    """A sample kept briefly after it was analysed, so a face found later can be traced back into it."""

    frame: SampledFrame
    gray: np.ndarray
    boxes: list[Box]


class _Sample:
    """One sampled frame's images and what the detector said of each box it found."""

    def __init__(self, frame: SampledFrame):
        self.frame = frame
        self.gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        self._rgb: np.ndarray | None = None
        self.points: dict[Box, np.ndarray] = {}
        self.landmarks5: dict[Box, np.ndarray] = {}  # YuNet's five, for the head pose only

    @property
    def rgb(self) -> np.ndarray:
        """For dlib's landmarks and encodings, made only when a face needs them."""
        if self._rgb is None:
            self._rgb = cv2.cvtColor(self.frame.image, cv2.COLOR_BGR2RGB)
        return self._rgb

    def boxes(self, found_faces: list[Detection]) -> list[Box]:
        for face in found_faces:
            if face.points is not None:
                self.points[face.box] = face.points
            if face.landmarks5 is not None:
                self.landmarks5[face.box] = face.landmarks5
        return [face.box for face in found_faces]


class SegmentAnalyzer:
    """Holds the detector, encoder and classifier (loaded once); analyses segments one at a time."""

    def __init__(self, config: AnalyzerConfig):
        self.config = config
        self.detector = FaceDetector(config.detector)
        self.encoder = FaceEncoder(threads=config.threads)
        self.classifier = EmotionClassifier(model_spec(config.emotion_model), threads=config.threads)
        self._landmarks68: DlibLandmarks68 | None = None
        if config.threads is not None:
            cv2.setNumThreads(config.threads)  # for the whole process: an analyser owns its process

    def landmarks68(self, image: np.ndarray, box: Box) -> np.ndarray:
        # Loaded at the first face (reading its 100 MB takes ~2 s): a video without faces never pays for it.
        if self._landmarks68 is None:
            self._landmarks68 = DlibLandmarks68()
        return self._landmarks68(image, box)

    def analyze(self, request: SegmentRequest) -> SegmentResult:
        segment = request.segment
        run = _SegmentRun(self)
        frames = iter_sampled_frames(
            request.path, request.sample_fps, segment.start_s, segment.end_s, request.video_s, self.config.threads
        )
        # An analyser with every core decodes the next frames on another thread while this one analyses
        # (PyAV and OpenCV release the GIL); one kept to a core (a Ray actor) would only contend with itself.
        for frame in frames if self.config.threads == 1 else decoded_ahead(frames):
            run.sample(frame)
        return run.result(segment)


class _SegmentRun:
    """The state of one segment's analysis."""

    def __init__(self, analyzer: SegmentAnalyzer):
        self.analyzer = analyzer
        self.follow = analyzer.config.tracking.follow_tracks
        self.tracker = FaceTracker(analyzer.config.tracking)
        self.scene_cut = SceneCutDetector(analyzer.config.tracking.scene_cut_distance)
        self.tracklets: dict[int, Tracklet] = {}
        self.pending_tracklets: list[Tracklet] = []  # faces waiting for one batched classification
        self.pending_crops: list[np.ndarray] = []
        self.recent: deque[_Sampled] = deque(maxlen=BACKFILL_SAMPLES)
        # Each track's last box and points, for a box carried over at a high sample rate.
        self.last_points: dict[int, tuple[Box, np.ndarray, np.ndarray | None]] = {}
        self.samples = self.encodings = 0

    def sample(self, frame: SampledFrame) -> None:
        self.samples += 1
        detector, encoder = self.analyzer.detector, self.analyzer.encoder
        sample = _Sample(frame)
        scene_cut = self.scene_cut(sample.gray)
        if scene_cut:
            self.recent.clear()  # earlier frames show another view: nothing to trace back into
        plan = self.tracker.plan(frame.t, scene_cut)

        def scan() -> list[Box]:
            return sample.boxes(detector.full_frame(frame.image, plan.smallest_tracked_px))

        search = (lambda box, reach: sample.boxes(detector.around(frame.image, box, reach))) if self.follow else None
        rescan = scan if detector.sizes.rescan_when_lost else None
        full = plan.full or self._whole_frame_is_cheaper(frame, plan.smallest_tracked_px)
        found: list[TrackedFace] = self.tracker.update(frame.t, scan() if full else None, search, rescan)
        for face in found:
            born = face.local_id not in self.tracklets
            points, landmarks5 = sample.points.get(face.box), sample.landmarks5.get(face.box)
            if points is None and face.carried and not face.encode and face.local_id in self.last_points:
                # A box carried over moved as a whole: so did its points (dlib's landmarks cost ~1.4 ms).
                points, landmarks5 = _moved(self.last_points[face.local_id], face.box)
            if face.encode or points is None:
                # dlib's landmarks: the encoding needs them, and a detector without points (HOG, or a
                # box carried over at a high sample rate) gives none.
                landmarks = encoder.landmarks(sample.rgb, face.box)
                points = encoder.points(landmarks) if points is None else points
            if face.encode:
                encoding = encoder.encode(sample.rgb, landmarks)
                self.tracker.record_encoding(frame.t, face, encoding)
                self.tracklets.setdefault(face.local_id, Tracklet(face.local_id)).encodings.append(encoding)
                self.encodings += 1
            self._add(face.local_id, frame, sample.gray, face.box, points, landmarks5)
            self.last_points[face.local_id] = (face.box, points, landmarks5)
            if born and self.follow:
                self._backfill(face.local_id, face.box, frame.t)
        self.recent.append(_Sampled(frame, sample.gray, [face.box for face in found]))
        if len(self.pending_tracklets) >= CLASSIFY_BATCH:
            self._classify()

    def _whole_frame_is_cheaper(self, frame: SampledFrame, smallest_tracked_px: float | None) -> bool:
        """Between full scans: many faces cost less found by one routine scan than each in its region."""
        if not self.follow or smallest_tracked_px is None:
            return False
        height, width = frame.image.shape[:2]
        searches = self.tracker.due_searches(frame.t)
        config = self.analyzer.config.detector
        return whole_frame_is_cheaper(config, width, height, smallest_tracked_px, searches)

    def _add(
        self,
        local_id: int,
        frame: SampledFrame,
        gray: np.ndarray,
        box: Box,
        points: np.ndarray,
        landmarks5: np.ndarray | None = None,
    ) -> None:
        tracklet = self.tracklets.setdefault(local_id, Tracklet(local_id))
        tracklet.times.append(frame.t)
        tracklet.frames.append(frame.index)
        tracklet.boxes.append(box)
        area = box[2] * box[3]
        if area > tracklet.thumbnail_area * 1.1:
            tracklet.thumbnail_jpeg, tracklet.thumbnail_area = thumbnail(frame.image, box), area
        crop = crop_face(gray, box, points, self.analyzer.classifier.spec)
        tracklet.qualities.append(face_quality(crop[0], box[3], points))
        # From the same points, while they are at hand; YuNet's five read a bowed head right (head_pose.py).
        tracklet.poses.append(head_pose(points, landmarks5))
        # The 68 landmarks on every face-sample's own box (a carried box included: moving last sample's
        # points would hide a blink); the predictor reads intensities, so the gray frame serves.
        tracklet.measures.append(face_measures(self.analyzer.landmarks68(gray, box)) if measurable(box) else None)
        self.pending_tracklets.append(tracklet)
        self.pending_crops.append(crop)

    def _backfill(self, local_id: int, box: Box, t: float) -> None:
        """A face first found now was likely there since the last full scan: look for it back in time."""
        for earlier in reversed(self.recent):
            gap = t - earlier.frame.t
            reach = motion_reach(gap)
            candidates = [
                face
                for face in self.analyzer.detector.around(earlier.frame.image, box, reach)
                if affinity(box, face.box, reach) > 0 and not _taken(face.box, earlier.boxes)
            ]
            if not candidates:
                return
            best, t = max(candidates, key=lambda face: affinity(box, face.box, reach)), earlier.frame.t
            box, points = best.box, best.points
            earlier.boxes.append(box)
            if points is None:
                rgb = cv2.cvtColor(earlier.frame.image, cv2.COLOR_BGR2RGB)
                points = self.analyzer.encoder.points(self.analyzer.encoder.landmarks(rgb, box))
            self._add(local_id, earlier.frame, earlier.gray, box, points, best.landmarks5)

    def _classify(self) -> None:
        if not self.pending_tracklets:
            return
        probabilities = self.analyzer.classifier.predict(np.concatenate(self.pending_crops))
        for tracklet, row in zip(self.pending_tracklets, probabilities):
            tracklet.probabilities.append(row.astype(np.float32))
        self.pending_tracklets, self.pending_crops = [], []

    def result(self, segment: Segment) -> SegmentResult:
        self._classify()
        for tracklet in self.tracklets.values():
            _sort_by_time(tracklet)  # backfilled samples came after later ones
        ordered = sorted(self.tracklets.values(), key=lambda tracklet: (tracklet.times[0], tracklet.local_id))
        return SegmentResult(segment=segment, samples=self.samples, tracklets=ordered, encodings=self.encodings)


def _moved(last: tuple[Box, np.ndarray, np.ndarray | None], box: Box) -> tuple[np.ndarray, np.ndarray | None]:
    """The points of `last` (box, key points, YuNet's five) moved and scaled with its box to `box`."""
    (x, y, w, h), points, five = last
    scale = np.array([box[2] / max(w, 1), box[3] / max(h, 1)], dtype=np.float32)
    offset, origin = np.array(box[:2], dtype=np.float32), np.array((x, y), dtype=np.float32)
    moved = [None if p is None else (p - origin) * scale + offset for p in (points, five)]
    return moved[0], moved[1]


def _taken(box: Box, boxes: list[Box]) -> bool:
    return any(iou(box, other) >= 0.3 for other in boxes)


def _sort_by_time(tracklet: Tracklet) -> None:
    order = sorted(range(len(tracklet.times)), key=tracklet.times.__getitem__)
    tracklet.times = [tracklet.times[i] for i in order]
    tracklet.frames = [tracklet.frames[i] for i in order]
    tracklet.boxes = [tracklet.boxes[i] for i in order]
    tracklet.probabilities = [tracklet.probabilities[i] for i in order]
    tracklet.qualities = [tracklet.qualities[i] for i in order]
    tracklet.poses = [tracklet.poses[i] for i in order]
    tracklet.measures = [tracklet.measures[i] for i in order]
