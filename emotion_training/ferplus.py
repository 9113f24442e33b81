"""FER+ votes (Barsoum et al. 2016): ten annotators' labels for each FER2013 face.

The votes npz is aligned row for row with the FER2013 npz. Its columns are FER+'s own order;
`vote_distributions` maps them to ours (analysis.core.emotions.EMOTIONS). Contempt has no class
of ours: its votes sit mostly beside neutral's (measured on Training: the faces with a contempt
vote average 4.1 neutral votes against 0.34 disgust ones; of the 166 contempt-majority faces, the
second choice is neutral for 51, unknown for 39 and disgust for 27), so folding it into disgust
would teach disgust from calm faces. It is dropped: a face whose majority is contempt, unknown
or not a face is left out, and the contempt votes of the others are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core.emotions import EMOTIONS

from .fer_dataset import FaceSet, load_split

# FER+'s columns, in the votes file's order.
VOTE_COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF")
# Our emotion for each FER+ column we keep.
OUR_EMOTION_OF_COLUMN = {
    "neutral": "neutral",
    "happiness": "happy",
    "surprise": "surprise",
    "sadness": "sad",
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
}
OUR_CLASS_OF_COLUMN = {column: EMOTIONS.index(emotion) for column, emotion in OUR_EMOTION_OF_COLUMN.items()}


@dataclass(frozen=True)
class VoteLabels:
    """The FER+ view of one split's rows: which are usable, their majority class and vote distribution."""

    usable: np.ndarray  # bool (N,): matched, and the majority is one of our seven classes
    majority: np.ndarray  # int64 (N,), our class of the most-voted column (-1 where not usable)
    distribution: np.ndarray  # float32 (N, 7), the usable votes over our classes, summing to 1 (0 where not usable)
    ties: np.ndarray  # bool (N,): the top vote is shared (the first column in FER+'s order wins, as in the paper)

    def subset(self, rows: np.ndarray) -> VoteLabels:
        return VoteLabels(self.usable[rows], self.majority[rows], self.distribution[rows], self.ties[rows])


def vote_labels(votes: np.ndarray, matched: np.ndarray) -> VoteLabels:
    """Majority and distributions from (N, 10) vote counts in VOTE_COLUMNS order."""
    if votes.ndim != 2 or votes.shape[1] != len(VOTE_COLUMNS):
        raise ValueError(f"votes must be (N, {len(VOTE_COLUMNS)}), not {votes.shape}")
    top_column = votes.argmax(axis=1)
    ours = np.full(len(VOTE_COLUMNS), -1)
    for name, index in OUR_CLASS_OF_COLUMN.items():
        ours[VOTE_COLUMNS.index(name)] = index
    majority = ours[top_column]
    usable = matched.astype(bool) & (majority >= 0) & (votes.sum(axis=1) > 0)
    distribution = np.zeros((len(votes), len(EMOTIONS)), dtype=np.float64)
    for name, index in OUR_CLASS_OF_COLUMN.items():
        distribution[:, index] = votes[:, VOTE_COLUMNS.index(name)]
    totals = distribution.sum(axis=1, keepdims=True)
    distribution = np.divide(distribution, totals, out=np.zeros_like(distribution), where=totals > 0)
    distribution[~usable] = 0.0
    top = votes.max(axis=1, keepdims=True)
    ties = ((votes == top).sum(axis=1) > 1) & usable
    return VoteLabels(usable, np.where(usable, majority, -1).astype(np.int64), distribution.astype(np.float32), ties)


def load_vote_labels(data_path: str | Path, votes_path: str | Path, split: str) -> VoteLabels:
    """The FER+ labels of the rows of `split`, in the order load_split returns them."""
    with np.load(data_path, allow_pickle=False) as data:
        rows = data["usage"].astype(str) == split
    with np.load(votes_path, allow_pickle=False) as stored:
        missing = {"votes", "matched", "vote_columns"} - set(stored.files)
        if missing:
            raise ValueError(f"{votes_path} lacks the arrays {sorted(missing)}")
        if tuple(stored["vote_columns"].astype(str)) != VOTE_COLUMNS:
            raise ValueError(f"{votes_path}: unexpected vote columns {stored['vote_columns']}")
        votes, matched = stored["votes"], stored["matched"]
    if len(votes) != len(rows):
        raise ValueError(f"{votes_path} has {len(votes)} rows, {data_path} {len(rows)}: they must be aligned")
    return vote_labels(votes[rows], matched[rows])


def voted_faces(faces: FaceSet, labels: VoteLabels) -> tuple[FaceSet, np.ndarray]:
    """The usable faces, labelled by their FER+ majority, and their vote distributions."""
    keep = np.flatnonzero(labels.usable)
    return FaceSet(faces.faces[keep], labels.majority[keep]), labels.distribution[keep]


def load_voted_split(data_path: str | Path, votes_path: str | Path, split: str) -> tuple[FaceSet, np.ndarray]:
    """The usable faces of `split`, labelled by their FER+ majority, and their vote distributions."""
    return voted_faces(load_split(data_path, split), load_vote_labels(data_path, votes_path, split))
