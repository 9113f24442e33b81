"""The participant's pages (no account): consent, camera check, the stimulus while the webcam records,
thanks with a withdrawal code, and withdrawal (docs/participant-sessions.md).

Every URL but withdrawal's carries the link's token, and after consent the recording's key: nothing of
another participant, link or of the researcher's account is reachable from them.
"""

import json
import math

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analysis.core.camera_check import check_frame, decode_image
from analysis.models import SessionRecording
from analysis.sessions import limits, recordings
from analysis.sessions.links import closed_reason, link_by_token
from videos.access_log import Action
from videos.streaming import ranged_file_response

from .participant_pages import participant_page, participant_recording

MAX_CHECK_FRAME_BYTES = 2 * 1024 * 1024
HOUR_S, MINUTE_S = 3600, 60


def _page(name: str, key: str, token: str) -> str:
    return reverse(f"participants:{name}", args=[token, key])


@participant_page
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, token: str) -> HttpResponse:
    link = link_by_token(token)
    wanted = (request.POST.get("code") if request.method == "POST" else request.GET.get("p", "")) or ""
    wanted = wanted.strip()
    context = {"link": link, "code": wanted, "closed": closed_reason(link)}
    if wanted and not recordings.valid_code(wanted):
        context["closed"] = "This link's participant code is not valid: ask the researcher for your link again."
    if request.method == "POST" and not context["closed"]:
        if request.POST.get("agree") != "yes":
            context["error"] = "To take part, tick the box to say you agree."
        else:
            address = limits.address_of(request)
            limits.take("consent-address", (link.pk, address), settings.PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR, HOUR_S)
            limits.take("consent-link", (link.pk,), settings.PARTICIPANT_CONSENTS_PER_LINK_MINUTE, MINUTE_S)
            try:
                recording = recordings.consent(link, wanted)
            except recordings.SessionClosed as closed:
                context["closed"] = str(closed)
            else:
                return redirect(_page("check", recording.key, token))
    status = 200 if not context["closed"] or request.method == "GET" else 409
    return render(request, "participants/consent.html", context, status=status)


@participant_page
@require_http_methods(["GET", "POST"])
def camera_check(request: HttpRequest, token: str, key: str) -> HttpResponse:
    recording = participant_recording(token, key)
    if request.method == "GET":
        if recording.state != SessionRecording.State.CONSENTED or recording.link.stimulus is None:
            return redirect(_page("done", key, token))
        return render(request, "participants/check.html", {"link": recording.link, "recording": recording})
    limits.take(
        "check", (recording.pk, limits.address_of(request)), settings.PARTICIPANT_CHECKS_PER_ADDRESS_HOUR, HOUR_S
    )
    frame = request.FILES.get("frame")
    image = decode_image(frame.read(MAX_CHECK_FRAME_BYTES)) if frame and frame.size <= MAX_CHECK_FRAME_BYTES else None
    if image is None:
        return JsonResponse(
            {"ok": False, "problem": "no_image", "message": "No picture arrived: try again."}, status=400
        )
    verdict = check_frame(image)
    if verdict.ok and recording.camera_checked_at is None:
        SessionRecording.objects.filter(pk=recording.pk).update(camera_checked_at=timezone.now())
    outcome = "passed" if verdict.ok else f"not passed ({verdict.problem})"
    recordings.log_action(recording, recording.link.stimulus, Action.CAMERA_CHECK, f"camera check {outcome}")
    return JsonResponse(
        {"ok": verdict.ok, "problem": verdict.problem, "message": verdict.message, "next": _page("watch", key, token)}
    )


@participant_page
@require_GET
def watch(request: HttpRequest, token: str, key: str) -> HttpResponse:
    recording = participant_recording(token, key)
    if recording.camera_checked_at is None and recording.state == SessionRecording.State.CONSENTED:
        return redirect(_page("check", key, token))
    if recording.state not in recordings.UNDER_WAY:
        return redirect(_page("done", key, token))
    if recording.link.stimulus is None:
        return redirect(_page("done", key, token))
    if recording.state == SessionRecording.State.RECORDING and not recordings.may_start_over(recording):
        # Back on the page after a crash, bytes already sent: they are kept as partial, not recorded over.
        recordings.finish(recording, partial=True)
        return redirect(_page("done", key, token))
    context = {
        "link": recording.link,
        "recording": recording,
        "urls": {
            "stimulus": _page("stimulus", key, token),
            "upload": _page("upload", key, token),
            "times": _page("times", key, token),
            "left": _page("left", key, token),
            "done": _page("done", key, token),
        },
    }
    return render(request, "participants/watch.html", context)


@participant_page
@require_GET
def stimulus(request: HttpRequest, token: str, key: str) -> HttpResponse:
    recording = participant_recording(token, key)
    if recording.state not in recordings.UNDER_WAY:
        raise Http404("The session is over.")
    video = recording.link.stimulus
    stored = video.playable_file if video is not None else None
    if not stored:
        raise Http404("The stimulus is gone.")
    return ranged_file_response(request, stored.storage, stored.name, video.playable_content_type)


def _seconds(value) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 86400:
        raise ValueError("A time must be a number of seconds.")
    return number


@participant_page
@require_POST
def stimulus_times(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Where the stimulus started and ended in the recording (the player's clock against the recorder's)."""
    recording = participant_recording(token, key)
    if recording.state != SessionRecording.State.RECORDING:
        return JsonResponse({"detail": "This recording is not under way."}, status=409)
    try:
        body = json.loads(request.body or b"{}")
        start, end = _seconds(body.get("start_s")), _seconds(body.get("end_s"))
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": 'Send {"start_s": seconds, "end_s": seconds}.'}, status=400)
    first_start = start is not None and recording.stimulus_start_s is None
    recordings.set_stimulus_times(recording, start, end)
    if first_start:
        recordings.log_action(recording, recording.link.stimulus, Action.STREAM, "played the stimulus")
    return JsonResponse({"start_s": recording.stimulus_start_s, "end_s": recording.stimulus_end_s})


@csrf_exempt  # a beacon (navigator.sendBeacon) sends no header; the URL's secrets authenticate it
@participant_page
@require_POST
def left(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """The participant's page went away mid-recording: keep what arrived as a partial recording now."""
    recording = participant_recording(token, key)
    if recording.state == SessionRecording.State.RECORDING:
        recordings.finish(recording, partial=True)
    return HttpResponse(status=204)


@participant_page
@require_GET
def done(request: HttpRequest, token: str, key: str) -> HttpResponse:
    recording = participant_recording(token, key)
    context = {
        "link": recording.link,
        "recording": recording,
        "withdrawal_code": recordings.shown_withdrawal_code(recording.withdrawal_code),
        "still_recording": recording.state in recordings.UNDER_WAY,
    }
    return render(request, "participants/done.html", context)


@participant_page
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    if request.method == "POST":
        limits.take("withdraw", (limits.address_of(request),), settings.PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR, HOUR_S)
        if recordings.withdraw(request.POST.get("code", "")) is None:
            context["error"] = "No recording has this code (or it was withdrawn already). Check it and try again."
        else:
            context["withdrawn"] = True
    return render(request, "participants/withdraw.html", context)
