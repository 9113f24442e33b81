"""FER2013-shaped datasets: 48x48 grayscale faces in an npz with X, y and usage arrays."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FaceSet:
    faces: np.ndarray  # uint8 (N, H, W)
    labels: np.ndarray  # int64 (N,), FER order (see emotions.EMOTIONS)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> FaceSet:
        return FaceSet(self.faces[indices], self.labels[indices])


def load_split(path: str | Path, split: str) -> FaceSet:
    """The rows of one `usage` split (e.g. "Training", "PublicTest") of a FER2013-shaped npz."""
    with np.load(path, allow_pickle=False) as data:
        missing = {"X", "y", "usage"} - set(data.files)
        if missing:
            raise ValueError(f"{path} lacks the arrays {sorted(missing)}")
        usage = data["usage"].astype(str)
        rows = usage == split
        if not rows.any():
            raise ValueError(f"{path} has no rows with usage {split!r} (it has {sorted(set(usage))})")
        faces = data["X"][rows]
        labels = data["y"][rows].astype(np.int64)
    if faces.ndim != 3 or faces.dtype != np.uint8:
        raise ValueError(f"{path}: X must be uint8 (N, H, W), not {faces.dtype} {faces.shape}")
    return FaceSet(faces, labels)


def fixed_rows(total: int, count: int, seed: int = 0) -> np.ndarray:
    """The same `count` of `total` row indices on every call, sorted, for reproducible quick checks."""
    if count >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=count, replace=False))


def fixed_sample(faces: FaceSet, count: int, seed: int = 0) -> FaceSet:
    """The same `count` faces on every call."""
    return faces if count >= len(faces) else faces.subset(fixed_rows(len(faces), count, seed))


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
