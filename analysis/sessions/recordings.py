"""A participant's visit: consent, their recording's upload, the video it becomes, withdrawal.

The recording goes up as it is made (tus with a deferred length: analysis/pages/participant_upload.py),
into a resumable upload of the study's owner, counted against their quota and size limit from its first
byte at the bound its stimulus allows. When the participant's page sends the last bytes with the
length, or when nothing has arrived for PARTICIPANT_IDLE_S (a closed tab: `finish_idle`), the bytes so far
become the owner's video in the study, labelled with the participant's code, with markers where the
stimulus started and ended by the player's clock, and its analysis is queued. A recording never
vanishes: it ends uploaded, partial, empty (nothing arrived), failed (unreadable) or withdrawn.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from analysis.core.markers import STIMULUS_END, STIMULUS_START
from analysis.core.video_source import VideoError, probe
from analysis.models import AnalysisRun, Marker, SessionLink, SessionRecording
from analysis.runs.launch import store_and_start
from analysis.runs.lifecycle import cancel
from analysis.runs.limits import UploadRefused as StorageRefused
from analysis.studies.membership import add_videos
from videos import partial_uploads
from videos.access_log import Action, record
from videos.models import PartialUpload, Video
from videos.upload_checks import file_refusal

from .links import closed_reason, lock, next_code

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
KEY_BYTES = 24
WITHDRAWAL_CODE_BYTES = 10  # 80 bits: 16 base32 characters, shown in groups of four
SAMPLE_FPS = 5.0  # the site's recommended rate: the stimulus responses need no blink counts
# A recording whose participant may still be on its pages (watching, or about to).
UNDER_WAY = (SessionRecording.State.CONSENTED, SessionRecording.State.RECORDING)
EXTRA_SECONDS = 60  # an upload's bound: the stimulus, plus the camera's start and the last chunk


class SessionClosed(Exception):
    """The link takes no participant now; the message says why, in the participant's words."""


def new_withdrawal_code() -> str:
    return base64.b32encode(secrets.token_bytes(WITHDRAWAL_CODE_BYTES)).decode()


def shown_withdrawal_code(code: str) -> str:
    """ "ABCD-EFGH-JKLM-NPQR": easier to copy by hand; withdraw() takes it with or without the dashes."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))


def _actor_detail(recording: SessionRecording, what: str) -> str:
    return f"participant {recording.participant_code}, {recording.link.name}: {what}"


def log_action(recording: SessionRecording, video: Video | None, action: str, what: str) -> None:
    """Every participant action in the access log of the video it touched (no account: via "session"); with
    that video deleted (a stimulus the researcher removed) there is no log left to write to."""
    if video is not None:
        record(None, video, action, _actor_detail(recording, what), via="session")


def consent(link: SessionLink, wanted_code: str) -> SessionRecording:
    """A new recording for a participant who accepted the link's consent text now; SessionClosed."""
    with transaction.atomic():
        lock(link)  # two participants cannot both take the last place, nor the same code
        if reason := closed_reason(link):
            raise SessionClosed(reason)
        if wanted_code and link.recordings.filter(participant_code=wanted_code).exists():
            raise SessionClosed(f"The participant code {wanted_code} has already taken part in this session.")
        recording = SessionRecording.objects.create(
            link=link,
            participant_code=wanted_code or next_code(link),
            key=secrets.token_urlsafe(KEY_BYTES),
            withdrawal_code=new_withdrawal_code(),
            consent_text=link.consent_text,
            consent_version=link.consent_version,
            consented_at=timezone.now(),
        )
    log_action(recording, link.stimulus, Action.CONSENT, f"consent version {link.consent_version}")
    return recording


def recording_by_key(link: SessionLink, key: str) -> SessionRecording:
    """The participant's recording of this link: 404 for another link's, a wrong key, or a withdrawn one."""
    recording = link.recordings.filter(key=key).exclude(state=SessionRecording.State.WITHDRAWN).first()
    if recording is None:
        raise Http404("No such recording.")
    recording.link = link
    return recording


def upload_bound(link: SessionLink) -> int:
    return int((link.stimulus_duration_s + EXTRA_SECONDS) * settings.PARTICIPANT_BYTES_PER_S)


@transaction.atomic
def start_upload(recording: SessionRecording) -> PartialUpload:
    """The recording's upload: one per recording, made under the recording's row lock (two requests at once
    get the same one). The same one again while it holds no byte (the page reloaded before recording);
    UploadRefused (409) once bytes arrived: a second recording cannot be appended to the first."""
    current = SessionRecording.objects.select_for_update().get(pk=recording.pk)
    upload = PartialUpload.objects.filter(pk=current.upload_id).first() if current.upload_id else None
    if upload is not None and current.state == SessionRecording.State.RECORDING and upload.offset == 0:
        return upload
    if current.state != SessionRecording.State.CONSENTED or upload is not None:
        raise partial_uploads.UploadRefused("This recording has been made already.", status=409)
    link = recording.link
    metadata = {"session_recording": recording.pk}
    upload = partial_uploads.create(
        link.study.owner, f"{recording.participant_code}.webm", upload_bound(link), metadata
    )
    SessionRecording.objects.filter(pk=recording.pk).update(upload=upload, state=SessionRecording.State.RECORDING)
    recording.upload, recording.state = upload, SessionRecording.State.RECORDING
    return upload


def may_start_over(recording: SessionRecording) -> bool:
    """Whether the participant's page may (re)start recording: nothing has been received yet."""
    if recording.state == SessionRecording.State.CONSENTED:
        return True
    received = PartialUpload.objects.filter(pk=recording.upload_id).values_list("offset", flat=True).first()
    return recording.state == SessionRecording.State.RECORDING and received == 0


def set_stimulus_times(recording: SessionRecording, start_s: float | None, end_s: float | None) -> None:
    """Where the stimulus started (and ended) in the recording, by the participant's player and recorder."""
    fields = {}
    if start_s is not None:
        fields["stimulus_start_s"] = start_s
    if end_s is not None:
        fields["stimulus_end_s"] = end_s
    if fields:
        SessionRecording.objects.filter(pk=recording.pk).update(**fields)
        for name, value in fields.items():
            setattr(recording, name, value)


def finish(recording: SessionRecording, partial: bool) -> SessionRecording:
    """The bytes received become the owner's video, or the recording says why not. Once only: the first
    caller (the last chunk, the page's leaving beacon, the idle job) moves the recording from "recording"
    to "finishing" in one conditional update; the others find it taken. Should the storing fail for an
    unexpected reason (the storage down, the job's time limit), or an append still be under way after 30 s,
    the recording goes back to "recording", its bytes kept, for the idle job to try again."""
    claimed = SessionRecording.objects.filter(pk=recording.pk, state=SessionRecording.State.RECORDING)
    if not claimed.update(state=SessionRecording.State.FINISHING, updated_at=timezone.now()):
        recording.refresh_from_db()
        return recording
    recording.state = SessionRecording.State.FINISHING
    upload = PartialUpload.objects.filter(pk=recording.upload_id).first()
    if upload is None:
        return _end(recording, SessionRecording.State.EMPTY, "Nothing was recorded.")
    try:
        with partial_uploads.exclusive(upload):  # an append under way ends first; none starts until the move
            upload.refresh_from_db()
            if upload.offset == 0:
                partial_uploads.discard(upload)
                return _end(recording, SessionRecording.State.EMPTY, "Nothing was recorded.")
            PartialUpload.objects.filter(pk=upload.pk).update(length=upload.offset)
            upload.length = upload.offset
            try:
                video = _store(recording, upload, partial)
            except (VideoError, StorageRefused, ValueError) as error:
                partial_uploads.discard(upload)
                refusals = "; ".join(m for _, m in error.refusals) if isinstance(error, StorageRefused) else ""
                message = f"The recording could not be kept: {refusals or error}"[:300]
                return _end(recording, SessionRecording.State.FAILED, message)
            partial_uploads.mark_finished(upload, video)
    except BaseException:
        _back_to_recording(recording)
        raise
    state = SessionRecording.State.PARTIAL if partial else SessionRecording.State.UPLOADED
    kept = SessionRecording.objects.filter(pk=recording.pk, state=SessionRecording.State.FINISHING)
    if not kept.update(state=state, video=video):  # withdrawn meanwhile: the video goes too
        _erase(recording, video)
        recording.refresh_from_db()
        return recording
    recording.state, recording.video = state, video
    log_action(recording, video, Action.RECORD, "partial recording" if partial else "recording")
    return recording


def _back_to_recording(recording: SessionRecording) -> None:
    """Undo a claim that could not finish: the bytes stay, and so does the upload's length bound."""
    SessionRecording.objects.filter(pk=recording.pk, state=SessionRecording.State.FINISHING).update(
        state=SessionRecording.State.RECORDING
    )
    PartialUpload.objects.filter(pk=recording.upload_id, video__isnull=True).update(length=upload_bound(recording.link))
    recording.state = SessionRecording.State.RECORDING


def _erase(recording: SessionRecording, video: Video) -> None:
    """A withdrawn participant's video, with its analyses and results (files go by the videos' signal)."""
    for run in video.runs.filter(status__in=AnalysisRun.ACTIVE):
        cancel(run)
    log_action(recording, video, Action.WITHDRAW, "withdrew: the recording and its results were erased")
    video.delete()


def _end(recording: SessionRecording, state: str, error: str) -> SessionRecording:
    SessionRecording.objects.filter(pk=recording.pk).update(state=state, error=error)
    recording.state, recording.error = state, error
    log_action(recording, recording.link.stimulus, Action.RECORD, error.rstrip("."))
    return recording


def _store(recording: SessionRecording, upload: PartialUpload, partial: bool) -> Video:
    """The upload's file as the study owner's video (the upload form's checks), in the study, with its markers."""
    link = recording.link
    file = partial_uploads.finished_file(upload)
    try:
        if message := file_refusal(file):
            raise ValueError(message)
        info = probe(file.temporary_file_path())
        title = f"{link.name} · {recording.participant_code}" + (" (partial)" if partial else "")
        video = store_and_start(link.study.owner, title[:200], file, info, SAMPLE_FPS)
    finally:
        file.close()
    add_videos(link.study, [video])
    markers = [(recording.stimulus_start_s, STIMULUS_START), (recording.stimulus_end_s, STIMULUS_END)]
    Marker.objects.bulk_create(
        [Marker(video=video, t=max(0.0, t), label=label) for t, label in markers if t is not None]
    )
    return video


def finish_idle() -> int:
    """The maintenance job: recordings whose bytes stopped arriving PARTICIPANT_IDLE_S ago become partial
    recordings (their participant closed the tab or lost the network); consents never followed by a
    recording within a day free their place. How many recordings ended."""
    now = timezone.now()
    # An append pushes its upload's expiry to now + UPLOAD_EXPIRE_S: an expiry earlier than this is idle.
    idle_before = now + timedelta(seconds=settings.UPLOAD_EXPIRE_S - settings.PARTICIPANT_IDLE_S)
    ended = 0
    stalled = SessionRecording.objects.filter(state=SessionRecording.State.RECORDING).select_related(
        "link__study__owner", "link__stimulus"
    )
    for recording in stalled:
        upload = PartialUpload.objects.filter(pk=recording.upload_id).first()
        # Bytes still arriving (a slow catch-up after a long drop) are not idle, however old the last append.
        if upload is None or (upload.expires_at < idle_before and not partial_uploads.busy(upload)):
            ended += finish(recording, partial=True).state != SessionRecording.State.RECORDING
    # A finish whose process died (a killed worker) is tried again.
    SessionRecording.objects.filter(
        state=SessionRecording.State.FINISHING, updated_at__lt=now - timedelta(hours=1)
    ).update(state=SessionRecording.State.RECORDING, updated_at=now)
    forgotten = SessionRecording.objects.filter(
        state=SessionRecording.State.CONSENTED, updated_at__lt=now - timedelta(days=1)
    )
    ended += forgotten.update(state=SessionRecording.State.EMPTY, error="The participant never started recording.")
    return ended


def withdraw(code: str) -> SessionRecording | None:
    """Erase the recording whose withdrawal code this is: its video, results and file (or its bytes still
    arriving), logged. None: no such code (or withdrawn already). A recording being stored right now is
    marked withdrawn at once, and the storing erases its video when it ends (finish)."""
    code = re.sub(r"[^A-Z2-7]", "", code.upper())
    recording = (
        SessionRecording.objects.select_related("link__stimulus", "video")
        .filter(withdrawal_code=code)
        .exclude(state=SessionRecording.State.WITHDRAWN)
        .first()
    )
    if recording is None or not code:
        return None
    withdrawn = dict(state=SessionRecording.State.WITHDRAWN, video=None, stimulus_start_s=None, stimulus_end_s=None)
    being_stored = SessionRecording.objects.filter(pk=recording.pk, state=SessionRecording.State.FINISHING)
    if not being_stored.update(**withdrawn):
        if recording.video is not None:
            _erase(recording, recording.video)
        else:
            if recording.upload_id:  # bytes still arriving, never stored as a video: deleted
                partial_uploads.discard(PartialUpload(pk=recording.upload_id))
            log_action(recording, recording.link.stimulus, Action.WITHDRAW, "withdrew before any recording was kept")
        SessionRecording.objects.filter(pk=recording.pk).update(**withdrawn)
    return recording
