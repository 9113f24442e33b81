"""The samples the results page's person charts draw, read for several persons in one query: a page's queries
do not grow with the persons whose charts come with it."""

from collections.abc import Iterable

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.models import Sample

Series = tuple[np.ndarray, np.ndarray, np.ndarray]  # times, probabilities (N, 7), face qualities


def samples_by_person(person_ids: Iterable[int]) -> dict[int, Series]:
    """Each person's (times, probabilities, qualities) in time order, as timeline_store.sample_arrays gives
    them; a person without samples gets empty arrays."""
    ids = list(person_ids)
    rows = Sample.objects.filter(person_id__in=ids).order_by("person_id", "t")
    table = np.array(rows.values_list("person_id", "t", "quality", *EMOTIONS), dtype=float)
    table = table.reshape(-1, 3 + len(EMOTIONS))
    owners = table[:, 0]
    series = {}
    for person_id in ids:
        first, last = np.searchsorted(owners, person_id, side="left"), np.searchsorted(owners, person_id, side="right")
        mine = table[first:last]
        series[person_id] = (mine[:, 1], mine[:, 3:], mine[:, 2])
    return series
