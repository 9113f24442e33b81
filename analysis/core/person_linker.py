"""Stitching the segments' tracklets into persons.

Segments arrive in time order. A tracklet that starts right where a track of the previous
segment ended, in an overlapping box, continues that track (checked by identity encoding when
both have one); any other tracklet continues the closest track by encoding, or starts a new one.
At the end, tracks that never overlap in time and whose mean encodings are close are merged
(someone who left and came back), and tracks too short to be a person (detector false
positives) are dropped.

Only per-track running statistics are kept, never the samples themselves, so memory grows with
the number of people, not with the video's length.
"""

from dataclasses import dataclass

import numpy as np

from .face_detection import Box, iou
from .face_measures import FaceMeasures
from .segment_analyzer import SegmentResult, Tracklet


@dataclass(frozen=True)
class LinkerConfig:
    match_distance: float = 0.55  # encoding distance under which two tracklets are the same person
    boundary_distance: float = 0.7  # looser distance allowed when a tracklet continues a box at a boundary
    min_iou: float = 0.3
    boundary_window_s: float = 1.0  # a box continues a track only this soon after its last sighting
    merge_distance: float = 0.5  # mean-encoding distance to merge non-overlapping tracks
    min_samples: int = 3  # tracks with fewer sightings are discarded


@dataclass
class Track:
    key: int
    first_t: float
    last_t: float
    last_box: Box
    encoding_sum: np.ndarray
    encoding_count: int
    count: int = 0
    thumbnail_jpeg: bytes = b""
    thumbnail_area: int = 0

    @property
    def encoding(self) -> np.ndarray | None:
        return self.encoding_sum / self.encoding_count if self.encoding_count else None

    def add(self, tracklet: Tracklet) -> None:
        self.last_t = tracklet.times[-1]
        self.last_box = tracklet.boxes[-1]
        for encoding in tracklet.encodings:
            self.encoding_sum += encoding
        self.encoding_count += len(tracklet.encodings)
        self.count += len(tracklet.times)
        if tracklet.thumbnail_area > self.thumbnail_area:
            self.thumbnail_jpeg, self.thumbnail_area = tracklet.thumbnail_jpeg, tracklet.thumbnail_area


@dataclass
class PersonSummary:
    number: int  # 1-based, in order of first appearance
    track_keys: list[int]
    first_s: float
    last_s: float
    sample_count: int
    thumbnail_jpeg: bytes
    encoding: np.ndarray | None = None  # float32 (128,): the mean of the merged tracks' encodings


@dataclass(frozen=True)
class FaceSample:
    box: Box
    probabilities: np.ndarray  # (7,) EMOTIONS order
    quality: float = 1.0  # face_quality.py
    yaw: float | None = None  # head_pose.py, degrees; None where not measured
    pitch: float | None = None
    measures: FaceMeasures | None = None  # face_measures.py; None: too small, or not measured


@dataclass
class LinkedFace:
    track_key: int
    t: float
    frame: int
    face: FaceSample


def _distance(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    return None if a is None or b is None else float(np.linalg.norm(a - b))


def _mean(encodings: list[np.ndarray]) -> np.ndarray | None:
    return np.mean(encodings, axis=0) if encodings else None


class PersonLinker:
    def __init__(self, config: LinkerConfig | None = None):
        self.config = config or LinkerConfig()
        self.tracks: dict[int, Track] = {}

    def _cost(self, track: Track, tracklet: Tracklet, encoding: np.ndarray | None) -> float | None:
        config = self.config
        first_t, first_box = tracklet.times[0], tracklet.boxes[0]
        if track.last_t >= first_t:
            return None  # seen at the same time: two different people
        distance = _distance(track.encoding, encoding)
        continues = (
            first_t - track.last_t <= config.boundary_window_s and iou(track.last_box, first_box) >= config.min_iou
        )
        if continues and (distance is None or distance < config.boundary_distance):
            return -1.0 + (distance or 0.0) / 10  # a continued box beats any match by encoding alone
        if distance is not None and distance < config.match_distance:
            return distance
        return None

    def add_segment(self, result: SegmentResult) -> list[LinkedFace]:
        """Give each tracklet of one segment a track key; its faces, in time order."""
        start = result.segment.start_s
        encodings = {tracklet.local_id: _mean(tracklet.encodings) for tracklet in result.tracklets}
        # Only tracklets from the segment's start may continue earlier tracks box to box; every
        # tracklet may join a track by encoding. Each track takes at most one tracklet here, so
        # two faces seen at the same time never share a key.
        pairs = []
        for tracklet in result.tracklets:
            for track in self.tracks.values():
                cost = self._cost(track, tracklet, encodings[tracklet.local_id])
                if cost is not None and (cost >= 0 or tracklet.times[0] - start <= self.config.boundary_window_s):
                    pairs.append((cost, tracklet.local_id, track.key))
        pairs.sort()
        assigned: dict[int, int] = {}
        used: set[int] = set()
        for _, local_id, key in pairs:
            if local_id not in assigned and key not in used:
                assigned[local_id] = key
                used.add(key)
        linked = []
        for tracklet in result.tracklets:
            key = assigned.get(tracklet.local_id)
            if key is None:
                key = len(self.tracks) + 1
                self.tracks[key] = Track(
                    key=key,
                    first_t=tracklet.times[0],
                    last_t=tracklet.times[0],
                    last_box=tracklet.boxes[0],
                    encoding_sum=np.zeros(128, dtype=np.float64),
                    encoding_count=0,
                )
            self.tracks[key].add(tracklet)
            linked += [
                LinkedFace(
                    track_key=key,
                    t=t,
                    frame=frame,
                    face=FaceSample(box=box, probabilities=p, quality=q, yaw=pose[0], pitch=pose[1], measures=m),
                )
                for t, frame, box, p, q, pose, m in zip(
                    tracklet.times,
                    tracklet.frames,
                    tracklet.boxes,
                    tracklet.probabilities,
                    tracklet.qualities,
                    tracklet.poses,
                    tracklet.measures,
                    strict=True,
                )
            ]
        linked.sort(key=lambda face: (face.t, face.track_key))
        return linked

    def finish(self) -> list[PersonSummary]:
        """Merge tracks of the same person, drop false positives, number persons by first appearance."""
        groups: list[list[Track]] = []
        for track in sorted(self.tracks.values(), key=lambda tr: tr.first_t):
            best, best_distance = None, self.config.merge_distance
            for group in groups:
                if any(track.first_t <= member.last_t and member.first_t <= track.last_t for member in group):
                    continue  # seen at the same time: two different people
                count = sum(m.encoding_count for m in group)
                mean = sum(m.encoding_sum for m in group) / count if count else None
                distance = _distance(mean, track.encoding)
                if distance is not None and distance < best_distance:
                    best, best_distance = group, distance
            if best is None:
                groups.append([track])
            else:
                best.append(track)
        persons = []
        for group in groups:
            count = sum(m.count for m in group)
            if count < self.config.min_samples:
                continue
            thumb = max(group, key=lambda m: m.thumbnail_area)
            encodings = sum(m.encoding_count for m in group)
            encoding = sum(m.encoding_sum for m in group) / encodings if encodings else None
            persons.append(
                PersonSummary(
                    number=len(persons) + 1,
                    track_keys=[m.key for m in group],
                    first_s=min(m.first_t for m in group),
                    last_s=max(m.last_t for m in group),
                    sample_count=count,
                    thumbnail_jpeg=thumb.thumbnail_jpeg,
                    encoding=None if encoding is None else encoding.astype(np.float32),
                )
            )
        return persons
