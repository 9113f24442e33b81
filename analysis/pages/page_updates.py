"""The results page's edits answered in place (static/js/edit_in_place.js).

An edit form POSTs as always; without JavaScript the view redirects back to the page. The page's script
asks with `Accept: application/json`, and the view answers the parts of the page the edit changed instead:

    {"messages": [{"level": "success", "text": ...}],
     "html": {element id: its new HTML},       # person sections (their data-swap parts), marker list, the
                                               # persons' count, the video's figures, "Leave visible", ...
     "order": ["person-1", "person-3", ...],   # the shown persons' sections, in page order (identity edits)
     "charts": {...},                          # the chart data that changed, as in the page's #charts-data
     "focus": "person-3"}                      # where the messages go (None: the form's own section)
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string

from analysis.core.highlights import MIN_FACES
from analysis.core.valence import LOOKING_DOWN_DEG
from analysis.models import AnalysisRun
from analysis.pages.charts import marker_rows, person_charts, room_charts, time_span
from analysis.results.timeline_store import run_mood, run_timeline, stored_figures


def wants_update(request: HttpRequest) -> bool:
    """Whether the page's script asked for the changed parts instead of a redirect."""
    return request.headers.get("Accept", "").startswith("application/json")


def _messages(request: HttpRequest) -> list[dict]:
    """The messages the view queued, taken out of the session (they are shown here, not on a next page)."""
    return [{"level": message.level_tag, "text": str(message)} for message in messages.get_messages(request)]


def page_update(
    request: HttpRequest,
    run: AnalysisRun,
    *,
    changed_persons: Iterable[int] = (),
    redrawn_persons: Iterable[int] = (),
    identity: bool = True,
    focus: str | None = None,
) -> JsonResponse:
    """The parts of `run`'s results page that an edit changed: with `identity`, the sections of
    `changed_persons` (pks) and the charts of `redrawn_persons` (those whose samples changed), the persons'
    order, the hidden list and the room's charts; always the markers (their room mood follows identity edits)."""
    video = run.video
    render = lambda name, context: render_to_string(f"analysis/{name}.html", context, request)  # noqa: E731
    mood = run_mood(run)
    markers = marker_rows(run, mood)
    html = {"marker-list": render("_marker_list", {"video": video, "charts": {"markers": markers}})}
    update = {"messages": _messages(request), "html": html, "charts": {"markers": markers}, "focus": focus}
    if not identity:
        return JsonResponse(update)
    shown = list(run.persons.order_by("number").defer("thumbnail_jpeg", "encoding"))
    persons = [person for person in shown if not person.hidden]
    span_s = time_span(run)
    room = room_charts(run, mood, span_s)
    context = {
        "video": video,
        "persons": persons,
        "hidden_persons": [person for person in shown if person.hidden],
        "charts": room,
        "min_faces": MIN_FACES,
        "attention_max_deg": settings.ATTENTION_MAX_DEG,
        "looking_down_deg": LOOKING_DOWN_DEG,
    }
    changed = set(changed_persons)
    for person in persons:
        if person.pk in changed:
            html[f"person-{person.number}"] = render("_person", {**context, "person": person})
    html["hidden-persons"] = render("_hidden_persons", context)
    # What the page shows elsewhere of the shown persons: their count, the video's figures, the blurred
    # copy's "Leave visible" names.
    html["persons-count"] = render("_persons_count", {"persons_count": len(persons)})
    figures = stored_figures(run_timeline(run).summary)
    html["video-figures"] = render("_video_figures", {**context, "figures": figures})
    html["keep-visible"] = render("_keep_visible", context)
    html["merge-choices"] = render("_merge_choices", context)
    html["highlights-area"] = render("_highlights", context)
    update["order"] = [f"person-{person.number}" for person in persons]
    update["charts"].update(room)
    redrawn = set(redrawn_persons)
    update["charts"]["persons"] = {
        person.pk: person_charts(person, span_s) for person in persons if person.pk in redrawn
    }
    return JsonResponse(update)
