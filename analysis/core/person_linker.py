"""Linking face observations across frames into persons.

Online, frame by frame: each face joins the active track it resembles most
(face encoding distance, helped by box overlap with the track's last box), or
starts a new track. Two faces of one frame never join the same track. At the
end, tracks that never overlap in time and whose mean encodings are close are
merged (someone who left and came back), and tracks too short to be a person
(detector false positives) are dropped.

Only per-track running statistics are kept, never the samples themselves, so
memory grows with the number of people, not with the video's length.
"""

from dataclasses import dataclass

import numpy as np

from .emotions import dominant
from .frame_analyzer import Box, FaceObservation, FrameResult


@dataclass(frozen=True)
class LinkerConfig:
    match_distance: float = 0.55  # encoding distance under which a face is the same person
    overlap_distance: float = 0.7  # looser distance allowed when the boxes overlap
    min_iou: float = 0.3
    overlap_window_s: float = 1.0  # box overlap counts only this soon after the last sighting
    merge_distance: float = 0.5  # mean-encoding distance to merge non-overlapping tracks
    min_samples: int = 3  # tracks with fewer sightings are discarded


@dataclass
class Track:
    key: int
    first_t: float
    last_t: float
    last_box: Box
    encoding_sum: np.ndarray
    probability_sum: np.ndarray
    count: int = 0
    thumbnail_jpeg: bytes = b""
    thumbnail_area: int = 0

    @property
    def encoding(self) -> np.ndarray:
        return self.encoding_sum / self.count

    def add(self, t: float, face: FaceObservation) -> None:
        self.last_t = t
        self.last_box = face.box
        self.encoding_sum += face.encoding
        self.probability_sum += face.probabilities
        self.count += 1
        area = face.box[2] * face.box[3]
        if area > self.thumbnail_area:
            self.thumbnail_jpeg, self.thumbnail_area = face.thumbnail_jpeg, area


@dataclass
class PersonSummary:
    number: int  # 1-based, in order of first appearance
    track_keys: list[int]
    first_s: float
    last_s: float
    sample_count: int
    mean: list[float]  # mean probability per emotion
    dominant: str
    thumbnail_jpeg: bytes


@dataclass
class LinkedFace:
    track_key: int
    t: float
    frame: int
    face: FaceObservation


def iou(a: Box, b: Box) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


class PersonLinker:
    def __init__(self, config: LinkerConfig | None = None):
        self.config = config or LinkerConfig()
        self.tracks: dict[int, Track] = {}

    def _cost(self, track: Track, t: float, face: FaceObservation) -> float | None:
        distance = float(np.linalg.norm(track.encoding - face.encoding))
        if distance < self.config.match_distance:
            return distance
        recent = t - track.last_t <= self.config.overlap_window_s
        if recent and distance < self.config.overlap_distance and iou(track.last_box, face.box) >= self.config.min_iou:
            return distance
        return None

    def link(self, result: FrameResult) -> list[LinkedFace]:
        """Assign each face of one frame to a track, in time order."""
        pairs = []
        for fi, face in enumerate(result.faces):
            for track in self.tracks.values():
                cost = self._cost(track, result.t, face)
                if cost is not None:
                    pairs.append((cost, fi, track.key))
        pairs.sort()
        assigned: dict[int, int] = {}
        used: set[int] = set()
        for _, fi, key in pairs:
            if fi not in assigned and key not in used:
                assigned[fi] = key
                used.add(key)
        linked = []
        for fi, face in enumerate(result.faces):
            key = assigned.get(fi)
            if key is None:
                key = len(self.tracks) + 1
                self.tracks[key] = Track(
                    key=key,
                    first_t=result.t,
                    last_t=result.t,
                    last_box=face.box,
                    encoding_sum=np.zeros_like(face.encoding, dtype=np.float64),
                    probability_sum=np.zeros(len(face.probabilities), dtype=np.float64),
                )
            track = self.tracks[key]
            track.add(result.t, face)
            linked.append(LinkedFace(track_key=key, t=result.t, frame=result.index, face=face))
        return linked

    def finish(self) -> list[PersonSummary]:
        """Merge tracks of the same person, drop false positives, number persons by first appearance."""
        groups: list[list[Track]] = []
        for track in sorted(self.tracks.values(), key=lambda tr: tr.first_t):
            best, best_distance = None, self.config.merge_distance
            for group in groups:
                if any(track.first_t <= member.last_t and member.first_t <= track.last_t for member in group):
                    continue  # seen at the same time: two different people
                mean = sum(m.encoding_sum for m in group) / sum(m.count for m in group)
                distance = float(np.linalg.norm(mean - track.encoding))
                if distance < best_distance:
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
            mean = (sum(m.probability_sum for m in group) / count).tolist()
            thumb = max(group, key=lambda m: m.thumbnail_area)
            persons.append(
                PersonSummary(
                    number=len(persons) + 1,
                    track_keys=[m.key for m in group],
                    first_s=min(m.first_t for m in group),
                    last_s=max(m.last_t for m in group),
                    sample_count=count,
                    mean=mean,
                    dominant=dominant(mean),
                    thumbnail_jpeg=thumb.thumbnail_jpeg,
                )
            )
        return persons
