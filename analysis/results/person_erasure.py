"""Erase one person from a video's results: their samples and their Person row (thumbnail, encoding,
name, study participant labels cascade) are deleted, and the run's timeline is rebuilt so that the
room's charts, highlights and summary no longer count them.

Other persons keep their numbers (a gap is left): the numbers are what names, markers' notes and
earlier exports refer to. Only the shown run has persons: completing a run deletes the older ones.
Refused while an analysis of the video is active; a later "Analyse again" of a kept source finds the
person again (the confirmation page offers to delete the source).
"""

from django.db import transaction
from django.db.models import F

from analysis.models import AnalysisRun, Person, Sample
from analysis.results.timeline_store import build_timeline
from videos.access_log import Action, Actor, record
from videos.models import Video


class ErasureRefused(ValueError):
    """The person cannot be erased now; the message is for the user."""


@transaction.atomic
def erase(person: Person, by: Actor = None, via: str = "page") -> None:
    """Erase `person` for `by` (a request or user; logged as an access, with the person's number only)."""
    run = AnalysisRun.objects.select_related("video").get(pk=person.run_id)
    # The video's lock, as reprocess() takes it: an analysis running now would bring the person back.
    Video.objects.select_for_update().filter(pk=run.video_id).first()
    if AnalysisRun.objects.filter(video_id=run.video_id, status__in=AnalysisRun.ACTIVE).exists():
        raise ErasureRefused(
            "This video is being analysed: its new results would show this person again. "
            "Wait until the analysis ends, or cancel it."
        )
    Sample.objects.filter(person_id=person.pk).delete()
    Person.objects.filter(pk=person.pk).delete()
    AnalysisRun.objects.filter(pk=run.pk).update(
        persons_count=run.persons.filter(hidden=False).count(), erased_persons=F("erased_persons") + 1
    )
    build_timeline(run)
    record(by, run.video, Action.ERASE, detail=f"person {person.number}", via=via)
