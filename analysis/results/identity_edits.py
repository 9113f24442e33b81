"""Identity review: rename a person, merge two persons who are one, split one in two at a time, hide a false face;
and choose a person's calm stretch (their valence's zero, core/valence.py).

Every edit keeps the raw samples (they move between persons, or stay with a hidden one) and
recomputes what is derived from them: each affected person's summary (emotions, valence, attention)
and the run's timeline, so charts, highlights and exports follow (timeline_update.py: only the affected
persons' samples are read). Identity encodings are not kept per
sample: a merge averages both persons' mean encodings by their samples, a split gives the new person a
copy of the old one's. A reprocess starts a new run from the video, without
these edits.
"""

import numpy as np
from django.db import transaction
from django.db.models import Max

from analysis.models import Person, Sample
from analysis.results.sample_store import encoding_array, encoding_bytes
from analysis.results.timeline_update import refresh_persons


class IdentityError(ValueError):
    """An edit that cannot be made; the message is for the user."""


def _merged_encoding(keep: Person, absorbed: Person) -> bytes:
    """Both persons' mean encodings averaged by their sample counts (as read before the merge)."""
    rows = Person.objects.filter(pk__in=[keep.pk, absorbed.pk]).values_list("encoding", "sample_count")
    known = [(encoding_array(stored), count) for stored, count in rows if stored]
    if not known:
        return b""
    encodings, counts = zip(*known)
    return encoding_bytes(np.average(np.stack(encodings), axis=0, weights=[max(count, 1) for count in counts]))


@transaction.atomic
def rename(person: Person, name: str) -> None:
    Person.objects.filter(pk=person.pk).update(name=name.strip())


@transaction.atomic
def merge(keep: Person, absorbed: Person) -> None:
    """`absorbed`'s samples become `keep`'s; `absorbed` is removed."""
    if keep.pk == absorbed.pk or keep.run_id != absorbed.run_id:
        raise IdentityError("Choose another person of the same analysis to merge.")
    overlap = Sample.objects.filter(person=keep, t__in=Sample.objects.filter(person=absorbed).values("t")).exists()
    if overlap:
        raise IdentityError(f"{keep.label} and {absorbed.label} are on screen at the same moment: they are two people.")
    Person.objects.filter(pk=keep.pk).update(encoding=_merged_encoding(keep, absorbed))
    Sample.objects.filter(person=absorbed).update(person=keep)
    if not keep.name and absorbed.name:
        Person.objects.filter(pk=keep.pk).update(name=absorbed.name)
    if len(absorbed.thumbnail_jpeg or b"") > len(keep.thumbnail_jpeg or b""):
        Person.objects.filter(pk=keep.pk).update(thumbnail_jpeg=absorbed.thumbnail_jpeg)
    absorbed.delete()
    refresh_persons(keep.run, [keep])


@transaction.atomic
def split(person: Person, at_s: float) -> Person:
    """The samples from `at_s` on become a new person, numbered after the run's last."""
    later = Sample.objects.filter(person=person, t__gte=at_s)
    if not later.exists() or not Sample.objects.filter(person=person, t__lt=at_s).exists():
        raise IdentityError(f"{person.label} has no samples on one side of {at_s:g} s: nothing to split.")
    run = person.run
    number = (run.persons.aggregate(last=Max("number"))["last"] or 0) + 1
    track_key = (run.persons.aggregate(last=Max("track_key"))["last"] or 0) + 1
    encoding = Person.objects.filter(pk=person.pk).values_list("encoding", flat=True).get()
    other = Person.objects.create(
        run=run, track_key=track_key, number=number, thumbnail_jpeg=person.thumbnail_jpeg, encoding=encoding or b""
    )
    later.update(person=other)
    refresh_persons(run, [person, other])
    return other


@transaction.atomic
def set_hidden(person: Person, hidden: bool) -> None:
    Person.objects.filter(pk=person.pk).update(hidden=hidden)
    refresh_persons(person.run, [] if hidden else [person])  # a hidden person's row is left out


@transaction.atomic
def set_calm_stretch(person: Person, stretch: tuple[float, float] | None) -> None:
    """Measure `person`'s valence against their samples between stretch's two times (None: the app's
    estimate); their summary and the room's timeline follow."""
    start, end = stretch or (None, None)
    if stretch is not None and not Sample.objects.filter(person=person, t__gte=start, t__lte=end).exists():
        raise IdentityError(f"{person.label} has no samples between {start:g} and {end:g} s.")
    Person.objects.filter(pk=person.pk).update(calm_from_s=start, calm_to_s=end)
    refresh_persons(person.run, [person])
