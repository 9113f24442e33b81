"""Session links: made, paused, resumed and revoked by the study's owner; found by their token.

A token is 32 random bytes (43 URL-safe characters): unguessable, never reused. A revoked link's token
answers 404 like one that never existed; a paused, expired or full one says so to the participant.
"""

import secrets
from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from analysis.models import SessionLink, SessionRecording, Study
from videos.models import Video

TOKEN_BYTES = 32
# The recordings a link counts against its limit: every consent but the withdrawn ones and the visits
# that left nothing (a participant who gave up at the camera check frees their place).
COUNTED_STATES = (
    SessionRecording.State.CONSENTED,
    SessionRecording.State.RECORDING,
    SessionRecording.State.FINISHING,
    SessionRecording.State.UPLOADED,
    SessionRecording.State.PARTIAL,
    SessionRecording.State.FAILED,
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_link(
    study: Study,
    name: str,
    stimulus: Video,
    consent_text: str,
    max_recordings: int,
    open_until: datetime | None,
) -> SessionLink:
    if stimulus.owner_id != study.owner_id:
        raise Http404("No such video.")
    return SessionLink.objects.create(
        study=study,
        name=name,
        stimulus=stimulus,
        stimulus_duration_s=stimulus.duration_s,
        token=new_token(),
        consent_text=consent_text,
        max_recordings=max_recordings,
        open_until=open_until,
    )


def update_link(link: SessionLink, consent_text: str, max_recordings: int, open_until: datetime | None) -> None:
    """A changed consent text gets a new version: recordings keep the text and version they accepted."""
    if consent_text.strip() != link.consent_text.strip():
        link.consent_text, link.consent_version = consent_text, link.consent_version + 1
    link.max_recordings, link.open_until = max_recordings, open_until
    link.save(update_fields=["consent_text", "consent_version", "max_recordings", "open_until"])


def set_state(link: SessionLink, state: str) -> None:
    """Pause, resume or revoke; a revoked link stays revoked (its token is dead)."""
    if link.state == SessionLink.State.REVOKED or state not in SessionLink.State.values:
        return
    SessionLink.objects.filter(pk=link.pk).update(state=state)
    link.state = state


def link_by_token(token: str) -> SessionLink:
    """The link of a participant's URL: 404 for a wrong or revoked token."""
    link = SessionLink.objects.select_related("study", "stimulus").filter(token=token).first()
    if link is None or link.state == SessionLink.State.REVOKED:
        raise Http404("No such session.")
    return link


def counted_recordings(link: SessionLink) -> int:
    return link.recordings.filter(state__in=COUNTED_STATES).count()


def closed_reason(link: SessionLink) -> str | None:
    """Why the link takes no new participant now (their words), or None when it does."""
    if link.stimulus is None:
        return "This session's video was removed by the researcher: the session no longer takes participants."
    if link.state == SessionLink.State.PAUSED:
        return "This session is paused by the researcher. Try the link again later."
    if link.open_until is not None and link.open_until <= timezone.now():
        return "This session has ended: it no longer takes participants."
    if counted_recordings(link) >= link.max_recordings:
        return "This session has all the participants it needs. Thank you for your interest."
    return None


def lock(link: SessionLink) -> None:
    """Within a transaction: hold the link's row, so that two consents cannot both take its last place."""
    SessionLink.objects.select_for_update().only("pk").get(pk=link.pk)


def next_code(link: SessionLink) -> str:
    """The next free participant code of the link: P01, P02, ... (P100 after P99)."""
    taken = set(link.recordings.values_list("participant_code", flat=True))
    number = len(taken) + 1
    while f"P{number:02d}" in taken:
        number += 1
    return f"P{number:02d}"


@transaction.atomic
def place_for(link: SessionLink, wanted_code: str) -> tuple[str | None, str | None]:
    """(code, None) when the participant may consent now, their code taken from the URL or the next free
    one; (None, why not) otherwise. Called under the link's lock by the consent itself."""
    lock(link)
    if reason := closed_reason(link):
        return None, reason
    if wanted_code and link.recordings.filter(participant_code=wanted_code).exists():
        return None, f"The participant code {wanted_code} has already taken part in this session."
    return wanted_code or next_code(link), None
