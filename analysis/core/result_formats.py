"""The JSON and CSV result formats (what downloads contain), built from plain values (other tools read them)."""

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .attention import attending, attention_share
from .emotion_summary import summarize
from .emotions import EMOTIONS, dominant
from .face_measures import MEASURE_NAMES, rounded
from .facial_summary import summary_of_samples
from .head_pose import DEFAULT_MAX_DEG
from .person_linker import LinkedFace, PersonSummary
from .valence import SCALE as VALENCE_SCALE

# Each row is one raw sample of a person (their number and the name given to them, "" if none): its own
# probabilities, its face quality, its own top emotion, the label of the last event marker at or before it,
# and its head pose in degrees (head_pose.py; empty where not measured), then its six facial measures
# (face_measures.py; empty for a face too small for landmarks and in runs from before them). New columns
# are appended: readers that count columns still find the others where they were.
CSV_HEADER = [
    "person_id",
    "person_name",
    "t",
    "frame",
    "x",
    "y",
    "w",
    "h",
    *EMOTIONS,
    "quality",
    "dominant",
    "marker",
    "yaw",
    "pitch",
    *MEASURE_NAMES,
]


def _angle(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


# What an export holds. Thumbnails and face encodings are never exported (nor is there an option to):
# the document says so, so a reader need not guess. Boxes (x, y, w, h) can be left out.
BOX_COLUMNS = ("x", "y", "w", "h")


def export_contents(boxes: bool = True) -> dict:
    return {"boxes": boxes, "thumbnails": False, "encodings": False, "angles": True}


def sample_dict(
    t: float,
    frame: int,
    box: Sequence[int] | None,
    probabilities: Sequence[float],
    quality: float,
    yaw: float | None = None,
    pitch: float | None = None,
    measures: Sequence[float | None] | None = None,
) -> dict:
    """One sample of the export; the facial measures' keys are always there (null: not measured)."""
    sample = {
        "t": round(float(t), 4),
        "frame": int(frame),
        "box": None if box is None else [int(v) for v in box],
        "p": [round(float(p), 5) for p in probabilities],
        "q": round(float(quality), 3),
        "yaw": _angle(yaw),
        "pitch": _angle(pitch),
        **rounded(measures),
    }
    if box is None:  # an export without boxes: the key is absent, not null
        del sample["box"]
    return sample


def person_dict(
    person_id: int,
    first_s: float,
    last_s: float,
    samples: list[dict],
    name: str = "",
    attention: float | None = None,
    calm_stretch: tuple[float, float] | None = None,
) -> dict:
    """A person with their summary (emotion_summary.py, from the smoothed, quality-weighted samples), their
    mean valence (against `calm_stretch` when the user chose one), `attention`: their share of samples
    facing the camera (None: no pose known), and `facial`: their facial states summed up (facial_summary.py;
    None: not measured)."""
    summary = summarize(
        np.array([s["t"] for s in samples]),
        np.array([s["p"] for s in samples]).reshape(-1, len(EMOTIONS)),
        np.array([s["q"] for s in samples]),
        np.array([np.nan if s["pitch"] is None else s["pitch"] for s in samples]),
        calm_stretch,
    )
    return {
        "id": person_id,
        "name": name,
        "first_s": round(float(first_s), 4),
        "last_s": round(float(last_s), 4),
        "dominant": summary.dominant,
        "shares": summary.shares,
        "mean": summary.mean,
        "valence": summary.valence,
        "looking_down": summary.looking_down,
        "attention": None if attention is None else round(float(attention), 4),
        "facial": summary_of_samples(samples),
        "samples": samples,
    }


def export_document(
    video: dict, analysis: dict, persons: list[dict], markers: list[dict] | None = None, boxes: bool = True
) -> dict:
    """The export shape: {"contents", "valence_scale", "video", "analysis", "emotions", "markers", "persons"};
    markers are {"t", "label"}; "contents" says what the document holds (export_contents); "valence_scale"
    names the definition of the persons' valence (valence.SCALE)."""
    return {
        "contents": export_contents(boxes),
        "valence_scale": VALENCE_SCALE,
        "video": video,
        "analysis": analysis,
        "emotions": list(EMOTIONS),
        "markers": markers or [],
        "persons": persons,
    }


def csv_header(boxes: bool = True) -> list[str]:
    return CSV_HEADER if boxes else [name for name in CSV_HEADER if name not in BOX_COLUMNS]


def csv_rows(persons: Iterable[dict], markers: Sequence[dict] = (), boxes: bool = True) -> Iterator[list]:
    """One row per person and sample, header first; without boxes the x, y, w, h columns are absent."""
    times = [marker["t"] for marker in markers]  # sorted by time
    yield csv_header(boxes)
    for person in persons:
        for s in person["samples"]:
            last = bisect.bisect_right(times, s["t"]) - 1
            label = markers[last]["label"] if last >= 0 else ""
            yield [
                person["id"],
                person["name"],
                s["t"],
                s["frame"],
                *(s["box"] if boxes else ()),
                *s["p"],
                s["q"],
                dominant(s["p"]),
                label,
                "" if s["yaw"] is None else s["yaw"],
                "" if s["pitch"] is None else s["pitch"],
                *("" if s[name] is None else s[name] for name in MEASURE_NAMES),
            ]


class CollectingSink:
    """A ResultSink that keeps every sample in memory: for the command line and tests."""

    def __init__(self, attention_max_deg: float = DEFAULT_MAX_DEG) -> None:
        self.attention_max_deg = attention_max_deg
        self._by_track: dict[int, list[dict]] = defaultdict(list)
        self.persons: list[dict] = []
        self.progress_calls: list[tuple[int, int]] = []

    def add(self, faces: list[LinkedFace]) -> None:
        for linked in faces:
            face = linked.face
            self._by_track[linked.track_key].append(
                sample_dict(
                    linked.t,
                    linked.frame,
                    face.box,
                    face.probabilities,
                    face.quality,
                    face.yaw,
                    face.pitch,
                    face.measures,
                )
            )

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        self.progress_calls.append((done, total))

    def finish(self, persons: list[PersonSummary]) -> None:
        for person in persons:
            samples = sorted((s for key in person.track_keys for s in self._by_track[key]), key=lambda s: s["t"])
            table = np.array(
                [(s["t"], s["yaw"], s["pitch"], *(s[name] for name in MEASURE_NAMES)) for s in samples], dtype=float
            ).reshape(-1, 3 + len(MEASURE_NAMES))  # None: NaN
            attention = attention_share(
                attending(table[:, 0], table[:, 1], table[:, 2], table[:, 3:], self.attention_max_deg)
            )
            self.persons.append(person_dict(person.number, person.first_s, person.last_s, samples, "", attention))
        self._by_track.clear()
