"""Detection that follows tracks, inside one segment of video.

A full-frame scan runs on a schedule (every `full_scan_every_s` of video, and at a scene cut);
between scans each live track is looked for only in a region around its last box. Identity
encodings, the most expensive step, are computed only where they decide something: at a track's
birth, every `encode_every_s` after, and when a match is unsure (a weak overlap, or two tracks
close together). The tracker keeps boxes and times only; pixels stay with the caller.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .face_detection import Box, affinity, iou, motion_reach


@dataclass(frozen=True)
class TrackingConfig:
    # False: a full, fine scan and an identity encoding at every sample, as the first pipeline did
    # (the reference to compare with).
    follow_tracks: bool = True
    full_scan_every_s: float = 1.0
    busy_scan_every_s: float = 0.4  # sooner after a full scan that found new faces: people are arriving
    fine_scan_every_s: float = 10.0  # a scan for faces as small as min_face_px, whatever is tracked
    encode_every_s: float = 10.0  # a face followed by YuNet keeps its track; the encodings serve the stitching
    second_encoding_after_s: float = 0.6
    scene_cut_distance: float = 0.45  # Bhattacharyya distance of grey histograms between samples
    min_iou: float = 0.3  # boxes overlapping more than this are one face
    sure_affinity: float = 0.3  # under this (or near another face) the identity is checked
    same_person_distance: float = 0.6  # encoding distance of a checked match
    recheck_after_s: float = 0.2  # an unsure match is checked again only this long after the last encoding
    max_gap_s: float = 1.0  # a track not seen for this long ends
    redetect_every_s: float = 0.1  # between full scans a face is looked for again at most this often
    # A full scan for a lost face at most this often (at every frame of a 25 fps video it would not pay).
    rescan_lost_every_s: float = 0.2


@dataclass
class LiveTrack:
    local_id: int
    box: Box
    last_t: float
    searched_t: float  # when it was last looked for (between, at high sample rates, its box is kept)
    detected_t: float  # when a detector last found it
    born_t: float
    last_encoded_t: float = -1e9
    encodings: list[np.ndarray] = field(default_factory=list)
    velocity: tuple[float, float] | None = None  # pixels per second, from its last detections

    @property
    def mean_encoding(self) -> np.ndarray | None:
        return np.mean(self.encodings, axis=0) if self.encodings else None

    def predicted(self, t: float) -> Box:
        """Where the face should be at `t`, moving as it moved."""
        if self.velocity is None:
            return self.box
        x, y, w, h = self.box
        dt = min(t - self.detected_t, 1.0)
        return (int(x + self.velocity[0] * dt), int(y + self.velocity[1] * dt), w, h)

    def reach(self, t: float) -> float:
        """How far from its predicted box (in face sizes) the face may be at `t`."""
        speed = None if self.velocity is None else float(np.hypot(*self.velocity)) / max(self.box[3], 1)
        return motion_reach(t - self.detected_t, speed)

    def detected(self, t: float, box: Box) -> None:
        if t > self.detected_t:
            (cx, cy), (nx, ny) = _centre(self.box), _centre(box)
            dt = t - self.detected_t
            measured = ((nx - cx) / dt, (ny - cy) / dt)
            old = self.velocity or measured
            self.velocity = ((old[0] + measured[0]) / 2, (old[1] + measured[1]) / 2)
        self.box, self.detected_t = box, t


def _centre(box: Box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


@dataclass
class TrackedFace:
    """A face found in one sample: which track it belongs to, and whether to encode it."""

    local_id: int
    box: Box
    encode: bool
    check_identity: bool = False  # unsure match: compare the new encoding with the track's
    carried: bool = False  # not looked for at this sample: its box moved on from the last detection


@dataclass
class ScanPlan:
    full: bool
    smallest_tracked_px: float | None  # the smallest face tracked (a routine scan); None: a fine scan


class FaceTracker:
    def __init__(self, config: TrackingConfig):
        self.config = config
        self.live: dict[int, LiveTrack] = {}
        self._next_id = 1
        self._last_full_t: float | None = None
        self._last_fine_t: float | None = None
        self._last_rescan_t = -1e9
        self._busy = False  # the last full scan found a new face
        self._first_t: float | None = None  # the segment's first sample
        self.ended: list[int] = []  # local ids of tracks that ended, for the caller to close

    def plan(self, t: float, scene_cut: bool) -> ScanPlan:
        config = self.config
        if self._first_t is None:
            self._first_t = t
        if not config.follow_tracks:
            return ScanPlan(full=True, smallest_tracked_px=None)
        fine = scene_cut or self._last_fine_t is None or t - self._last_fine_t >= config.fine_scan_every_s
        every = config.busy_scan_every_s if self._busy else config.full_scan_every_s
        full = fine or self._last_full_t is None or t - self._last_full_t >= every - 1e-6
        smallest = None
        if not fine and self.live:
            smallest = min(track.box[3] for track in self.live.values())
        if full:
            self._last_full_t = t
        if fine:
            self._last_fine_t = t
        return ScanPlan(full=full, smallest_tracked_px=smallest)

    def due_searches(self, t: float) -> list[tuple[Box, float]]:
        """(where it should be, reach) of each live face a sample without a full scan looks for at `t`."""
        return [
            (track.predicted(t), track.reach(t))
            for track in self.live.values()
            if t - track.searched_t >= self.config.redetect_every_s
        ]

    def update(
        self,
        t: float,
        full_scan: list[Box] | None,
        search_around: Callable[[Box, float], list[Box]] | None,
        scan_full_frame: Callable[[], list[Box]] | None = None,
    ) -> list[TrackedFace]:
        """Match this sample's detections to the live tracks.

        `full_scan` holds a full-frame scan's boxes when one ran; `search_around(box, reach)` scans
        the region `reach` face sizes around where a track's face should be (None: no region scans);
        `scan_full_frame()`, when given, scans the whole frame after all where a track was not found
        around where it should be (a face that moved faster than expected, or one leaving).
        """
        config = self.config
        claims: list[tuple[float, int, Box, bool]] = []  # (affinity, track, box, carried over)
        unclaimed = list(full_scan or [])
        for track in self.live.values():
            if full_scan is None and search_around is not None and t - track.searched_t < config.redetect_every_s:
                if track.last_t >= track.searched_t:  # found when last looked for: at a high rate faces barely move
                    claims.append((1.0, track.local_id, track.predicted(t), True))
                continue
            track.searched_t = t
            candidates = list(full_scan or [])
            expected, reach = track.predicted(t), track.reach(t)
            if search_around is not None and not any(affinity(expected, b, reach) > 0 for b in candidates):
                candidates += search_around(expected, reach)
                rescan_due = t - self._last_rescan_t >= config.rescan_lost_every_s - 1e-6
                if full_scan is None and scan_full_frame is not None and not candidates and rescan_due:
                    self._last_rescan_t = t
                    full_scan = scan_full_frame()
                    unclaimed = list(full_scan)
                    candidates = list(full_scan)
            for box in candidates:
                score = affinity(expected, box, reach)
                if score > 0:
                    claims.append((score, track.local_id, box, False))
        claims.sort(key=lambda claim: -claim[0])
        taken_tracks: set[int] = set()
        taken_boxes: list[Box] = []
        faces: list[TrackedFace] = []
        for score, local_id, box, carried in claims:
            if local_id in taken_tracks or any(iou(box, other) >= config.min_iou for other in taken_boxes):
                continue
            taken_tracks.add(local_id)
            taken_boxes.append(box)
            track = self.live[local_id]
            crowded = not carried and any(
                other.local_id != local_id and iou(other.box, box) > 0.05 for other in self.live.values()
            )
            # Checked at most every `recheck_after_s`: at a high sample rate two faces stay close for
            # many samples, and one check per crossing decides it.
            recheck = t - track.last_encoded_t >= config.recheck_after_s
            unsure = (score < config.sure_affinity or crowded) and recheck
            # A second encoding a little after birth: one alone is a noisy identity to merge on. Not
            # for faces there from the segment's start: the stitching continues most of them by box.
            settled = len(track.encodings) >= 2 or track.born_t == self._first_t
            every = config.encode_every_s if settled else config.second_encoding_after_s
            due = t - track.last_encoded_t >= every or not config.follow_tracks  # the reference encodes all
            if not carried:
                track.detected(t, box)
            track.last_t = t
            faces.append(TrackedFace(local_id, box, encode=due or unsure, check_identity=unsure, carried=carried))
        if full_scan is not None:
            self._busy = False
        for box in unclaimed:
            if not any(iou(box, other) >= config.min_iou for other in taken_boxes):
                taken_boxes.append(box)
                faces.append(TrackedFace(self._start(t, box), box, encode=True))
                self._busy = self._last_full_t is not None
        for track in list(self.live.values()):
            if t - track.last_t >= config.max_gap_s:
                self._end(track.local_id)
        return faces

    def _start(self, t: float, box: Box) -> int:
        local_id = self._next_id
        self._next_id += 1
        self.live[local_id] = LiveTrack(local_id=local_id, box=box, last_t=t, searched_t=t, detected_t=t, born_t=t)
        return local_id

    def _end(self, local_id: int) -> None:
        del self.live[local_id]
        self.ended.append(local_id)

    def record_encoding(self, t: float, face: TrackedFace, encoding: np.ndarray) -> int:
        """Keep a face's encoding; an unsure match that is another person starts a new track.

        Returns the local id the face belongs to.
        """
        track = self.live[face.local_id]
        mean = track.mean_encoding
        if face.check_identity and mean is not None:
            if float(np.linalg.norm(mean - encoding)) > self.config.same_person_distance:
                self._end(face.local_id)
                face.local_id = self._start(t, face.box)
                track = self.live[face.local_id]
        track.encodings.append(encoding)
        track.last_encoded_t = t
        return face.local_id
