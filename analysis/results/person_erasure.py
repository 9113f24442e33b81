"""Erase one person from a video's results: their samples and their Person row (thumbnail, encoding,
name, study participant labels cascade) are deleted, and the run's timeline is rebuilt so that the
room's charts, highlights and summary no longer count them.

Other persons keep their numbers (a gap is left): the numbers are what names, markers' notes and
earlier exports refer to. Only the shown run has persons: completing a run deletes the older ones.
"""

from django.db import transaction

from analysis.models import AnalysisRun, Person, Sample
from analysis.results.timeline_store import build_timeline


@transaction.atomic
def erase(person: Person) -> None:
    run = AnalysisRun.objects.select_for_update().get(pk=person.run_id)
    Sample.objects.filter(person_id=person.pk).delete()
    Person.objects.filter(pk=person.pk).delete()
    AnalysisRun.objects.filter(pk=run.pk).update(persons_count=run.persons.filter(hidden=False).count())
    build_timeline(run)
