"""Matching persons by their mean identity encodings (face_recognition's 128 numbers), across videos or
across two analyses of one video."""

import numpy as np

# face_recognition's own tolerance is 0.6; the person linker merges tracks under 0.5 (person_linker.py).
SAME_PERSON_DISTANCE = 0.5


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) Euclidean distances between the rows of (n, 128) `a` and (m, 128) `b`."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    squares = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squares, 0.0))


def closest_pairs(distance: np.ndarray, max_distance: float = SAME_PERSON_DISTANCE) -> list[tuple[int, int, float]]:
    """(row, column, distance) pairs under `max_distance`, closest first, each row and column used once."""
    rows, columns = np.nonzero(distance < max_distance)
    pairs = sorted(zip(rows.tolist(), columns.tolist()), key=lambda pair: distance[pair])
    used_rows: set[int] = set()
    used_columns: set[int] = set()
    found = []
    for row, column in pairs:
        if row not in used_rows and column not in used_columns:
            used_rows.add(row)
            used_columns.add(column)
            found.append((row, column, float(distance[row, column])))
    return found
