"""After an identity edit: the changed persons' summaries and the run's timeline, reading only their samples.

An edit (merge, split, calm stretch, hide: identity_edits.py) changes a few persons; the others' rows of
the stored timeline stay as they are. So the changed persons' samples are read once (their summary fields
and their timeline parts come from that read), the others' parts are taken from the stored timeline
(person_parts.PersonPart.from_timeline), and the room's series and figures are computed from the parts as
a full build computes them (timeline_store.store_timeline). Where the stored timeline cannot serve (none
yet, made on an older definition or grid, without per-person figures, or a grid that the edit changed), the
timeline is built in full.
"""

from collections.abc import Iterable

from django.db.models import Max

from analysis.models import AnalysisRun, Person, RunTimeline
from analysis.results.person_parts import PersonPart, PersonTable
from analysis.results.timeline_store import TIME_GRID, build_timeline, grid, is_current, store_timeline


def _reusable(timeline: RunTimeline | None, bin_s: float, bins: int) -> bool:
    if timeline is None or not is_current(timeline.summary) or timeline.summary.get("time_grid") != TIME_GRID:
        return False
    return "person_figures" in timeline.summary and timeline.bin_s == bin_s and timeline.bins == bins


def refresh_persons(run: AnalysisRun, changed: Iterable[Person]) -> RunTimeline:
    """Recompute `changed` persons' span, count and summary fields from their samples, then the run's shown
    persons' count and its timeline; the other persons' rows are taken from the stored timeline."""
    tables = {}
    for person in changed:
        table = PersonTable.read(Person.objects.only("pk", "number", "calm_from_s", "calm_to_s").get(pk=person.pk))
        Person.objects.filter(pk=person.pk).update(**table.person_fields())
        tables[table.person.number] = table
    shown = run.persons.filter(hidden=False)
    AnalysisRun.objects.filter(pk=run.pk).update(persons_count=shown.count())
    numbers = list(shown.order_by("number").values_list("number", flat=True))
    bin_s, bins = grid(run, shown.aggregate(last=Max("last_s"))["last"] or 0.0)
    timeline = RunTimeline.objects.filter(run=run).first()
    stored_rows = {number: row for row, number in enumerate(timeline.numbers)} if timeline else {}
    if not _reusable(timeline, bin_s, bins) or any(n not in tables and n not in stored_rows for n in numbers):
        return build_timeline(run)
    arrays = (timeline.array(), timeline.facing_array(), timeline.states_array())
    parts = [
        tables[number].part(bin_s, bins)
        if number in tables
        else PersonPart.from_timeline(timeline, stored_rows[number], arrays)
        for number in numbers
    ]
    return store_timeline(run, bin_s, bins, parts)
