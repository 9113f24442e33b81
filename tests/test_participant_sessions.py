"""Participant sessions (issue 34): a study's link, a participant's consent, camera check and recording
uploaded as it is made, the video it becomes (aligned to the stimulus by markers), partial recordings,
withdrawal, the limits and the 404s, and the responses along the stimulus on the study page.

The browser end to end (Chromium's fake camera, a dropped connection) is tests/test_browser_participant.py."""

import subprocess
from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analysis.core.camera_check import check_frame
from analysis.core.emotions import EMOTIONS
from analysis.core.stimulus_responses import ParticipantSeries, band, responses
from analysis.models import AnalysisRun, Marker, ParticipantLabel, SessionLink, SessionRecording, Study
from analysis.sessions import links, recordings
from analysis.studies.tidy_export import study_csv_rows
from videos.models import AccessEvent, PartialUpload, Video

from .conftest import IMAGES, VIDEOS
from .factories import make_video, work

OFFSET = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}


# --- the arithmetic: responses on stimulus time ----------------------------------------------------------


def participant(name: str, start_s: float, valence_at, seconds: float = 20.0, bin_s: float = 1.0):
    """A participant whose stimulus started `start_s` into their recording; valence_at(stimulus time)."""
    t = np.arange(0.0, seconds, bin_s)
    stimulus_t = t + bin_s / 2 - start_s
    values = np.array([valence_at(x) if x >= 0 else np.nan for x in stimulus_t])
    probabilities = np.tile(np.eye(len(EMOTIONS))[EMOTIONS.index("neutral")], (len(t), 1))
    probabilities[values > 0.3] = np.eye(len(EMOTIONS))[EMOTIONS.index("happy")]
    return ParticipantSeries(name, t, bin_s, values, np.full(len(t), 1.0), probabilities, start_s)


def test_each_participant_is_put_on_stimulus_time_whatever_their_start():
    smile_at_five = lambda x: 0.8 if 5 <= x < 8 else 0.0  # noqa: E731
    group = [participant(f"P{i}", start, smile_at_five) for i, start in enumerate((1.0, 3.0, 4.0, 2.5))]
    found = responses(group, duration_s=12.0)
    assert len(found.t) == 12 and found.t[5] == 5.0
    assert np.allclose(found.bands["valence"].mean[5:8], 0.8) and np.allclose(found.bands["valence"].mean[:5], 0.0)
    assert found.bands["happy"].mean[6] == 1.0 and found.bands["neutral"].mean[2] == 1.0
    (reaction,) = found.reactions
    assert reaction.start_s <= 5.0 and reaction.end_s >= 8.0 and reaction.change > 0.3
    assert (reaction.agreeing, reaction.seen) == (4, 4)
    assert reaction.text.startswith("0:0") and "valence rose" in reaction.text
    assert "4 of 4 participants" in reaction.text


def test_the_band_is_a_t_interval_from_three_participants_on():
    values = np.array([[0.1, 0.2], [0.3, np.nan], [0.5, np.nan]])
    found = band(values)
    assert found.mean[0] == pytest.approx(0.3) and found.seen.tolist() == [3, 1]
    half = 4.303 * 0.2 / np.sqrt(3)  # t(0.975, 2) x sd / sqrt(n)
    assert found.low[0] == pytest.approx(0.3 - half) and found.high[0] == pytest.approx(0.3 + half)
    assert np.isnan(found.low[1]) and found.mean[1] == pytest.approx(0.2)


def test_a_participant_who_left_early_counts_only_where_seen():
    calm = participant("P1", 1.0, lambda x: 0.0, seconds=5.0)  # left 4 s into a 10 s stimulus
    rest = [participant(f"P{i}", 1.0, lambda x: 0.2) for i in (2, 3)]
    found = responses([calm, *rest], duration_s=10.0)
    assert found.bands["valence"].seen.tolist()[:4] == [3, 3, 3, 3] and found.bands["valence"].seen[6] == 2


# --- the camera check, on real pictures -------------------------------------------------------------------


def picture(name: str) -> np.ndarray:
    return cv2.imread(str(IMAGES / name))


def test_the_camera_check_wants_one_lit_face_large_enough():
    face = picture("single_face.jpg")
    assert check_frame(face).ok
    assert check_frame((face * 0.12).astype(np.uint8)).problem == "dark"
    assert check_frame(picture("no-faces.jpg")).problem == "no_face"
    assert check_frame(picture("multi_face.jpg")).problem == "several_faces"
    far = cv2.copyMakeBorder(face, *(face.shape[0] * 3,) * 4, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    assert check_frame(far).problem == "too_far"


def test_checks_at_once_in_several_threads_read_their_own_frames():
    """A web server's threads check frames at the same time: each must see its own picture's one face."""
    from concurrent.futures import ThreadPoolExecutor

    face = picture("single_face.jpg")
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda _: check_frame(face), range(16)))
    assert [v.problem for v in verdicts] == [""] * 16


# --- the flow with Django's client --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def recording_webm(tmp_path_factory) -> bytes:
    """A real face recorded as the participant's page records it: VP8 in a live WebM (MediaRecorder's kind: no
    duration, no cues, so that its first bytes alone are a shorter video), no sound, 6 s."""
    path = tmp_path_factory.mktemp("recording") / "recording.webm"
    source = VIDEOS / "WolfgangLanger_Pexels.mp4"
    command = ["ffmpeg", "-v", "error", "-i", str(source), "-t", "6", "-an", "-c:v", "libvpx", "-b:v", "1M"]
    command += ["-live", "1", "-f", "webm", str(path)]
    subprocess.run(command, check=True)
    return path.read_bytes()


@pytest.fixture
def study(user):
    return Study.objects.create(owner=user, name="Advert test")


@pytest.fixture
def link(study, user):
    stimulus = make_video(user, "The advert")  # single_face.mp4, 2.4 s
    return links.create_link(study, "Wave 1", stimulus, "You agree to be recorded.", 50, None)


def consent_url(link: SessionLink, code: str = "") -> str:
    url = reverse("participants:consent", args=[link.token])
    return f"{url}?p={code}" if code else url


def page(name: str, recording: SessionRecording) -> str:
    return reverse(f"participants:{name}", args=[recording.link.token, recording.key])


def consent(client: Client, link: SessionLink, code: str = "") -> SessionRecording:
    response = client.post(consent_url(link), {"agree": "yes", "code": code})
    assert response.status_code == 302, response.content.decode()[:500]
    return SessionRecording.objects.get(key=response["Location"].split("/")[-3])


def send(client: Client, recording: SessionRecording, data: bytes, chunks: int = 3, finish: bool = True) -> None:
    """Upload `data` as the page does: create, append in chunks, the last one with the length."""
    url = page("upload", recording)
    assert client.post(url, headers={**TUS, "Upload-Defer-Length": "1"}).status_code == 201
    size = -(-len(data) // chunks)
    for offset in range(0, len(data), size):
        last = finish and offset + size >= len(data)
        headers = {**TUS, "Upload-Offset": str(offset), **({"Upload-Length": str(len(data))} if last else {})}
        response = client.generic("PATCH", url, data[offset : offset + size], content_type=OFFSET, headers=headers)
        assert response.status_code == 204, response.content


def set_times(client: Client, recording: SessionRecording, start: float, end: float | None) -> None:
    body = {"start_s": start} if end is None else {"start_s": start, "end_s": end}
    response = client.post(page("times", recording), body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)  # the analysis is enqueued when its transaction commits
@pytest.mark.usefixtures("ray_session")
def test_a_participant_consents_checks_the_camera_is_recorded_and_becomes_a_video_of_the_study(
    alice, link, recording_webm
):
    participant_client = Client()
    response = participant_client.get(consent_url(link, "P07"))
    assert response.status_code == 200 and "You agree to be recorded." in response.content.decode()
    assert response["Permissions-Policy"].startswith("camera=(self), microphone=()")
    assert "logout" not in response.content.decode() and "My videos" not in response.content.decode()
    recording = consent(participant_client, link, "P07")
    assert recording.participant_code == "P07" and recording.consent_text == "You agree to be recorded."
    assert recording.consent_version == 1 and recording.consented_at is not None

    # The watch page waits for a passed camera check.
    assert participant_client.get(page("watch", recording))["Location"] == page("check", recording)
    _, jpeg = cv2.imencode(".jpg", picture("single_face.jpg"))
    checked = participant_client.post(page("check", recording), {"frame": _file(jpeg.tobytes())}).json()
    assert checked["ok"] and checked["next"] == page("watch", recording)
    assert participant_client.get(page("watch", recording)).status_code == 200

    stimulus = participant_client.get(page("stimulus", recording), headers={"Range": "bytes=0-99"})
    assert stimulus.status_code == 206 and stimulus["Content-Range"].startswith("bytes 0-99/")
    send(participant_client, recording, recording_webm[: len(recording_webm) // 2], chunks=2, finish=False)
    set_times(participant_client, recording, 1.25, None)
    url = page("upload", recording)
    half = len(recording_webm) // 2
    head = participant_client.head(url, headers=TUS)
    assert head["Upload-Offset"] == str(half) and head["Recording-State"] == "recording"
    set_times(participant_client, recording, 1.25, 3.65)
    headers = {**TUS, "Upload-Offset": str(half), "Upload-Length": str(len(recording_webm))}
    response = participant_client.generic("PATCH", url, recording_webm[half:], content_type=OFFSET, headers=headers)
    assert response.status_code == 204 and response["Recording-State"] == "uploaded"

    recording.refresh_from_db()
    video = recording.video
    assert recording.state == "uploaded" and video.owner == link.study.owner and video.title == "Wave 1 · P07"
    assert video.studies.get() == link.study and not PartialUpload.objects.filter(offset__lt=1).exists()
    assert sorted(Marker.objects.filter(video=video).values_list("label", "t")) == [
        ("stimulus end", 3.65),
        ("stimulus start", 1.25),
    ]
    actions = list(AccessEvent.objects.filter(via="session").order_by("id").values_list("action", flat=True))
    assert actions == ["consent", "check", "stream", "record"]
    thanks = participant_client.get(page("done", recording)).content.decode()
    assert recordings.shown_withdrawal_code(recording.withdrawal_code) in thanks and "P07" in thanks

    work()  # the recording's analysis
    assert video.runs.get().status == AnalysisRun.Status.SUCCEEDED
    study_page = alice.get(reverse("studies:detail", args=[link.study.pk])).content.decode()
    assert "Responses along the stimulus: Wave 1" in study_page and "1 participant," in study_page
    label = ParticipantLabel.objects.get(study=link.study)
    assert label.label == "P07" and label.person.run.video == video
    link_page = alice.get(reverse("studies:session_link", args=[link.study.pk, link.pk])).content.decode()
    assert 'data-code="P07"' in link_page and "1.25 s to 3.65 s" in link_page
    header, *rows = study_csv_rows(link.study)
    t, stimulus_t, who = (header.index(name) for name in ("t_s", "stimulus_t_s", "participant"))
    assert rows and all(float(row[stimulus_t]) == pytest.approx(float(row[t]) - 1.25) for row in rows)
    assert {row[who] for row in rows} == {"P07"}


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("frame.jpg", data, content_type="image/jpeg")


def test_codes_are_given_in_turn_and_a_code_takes_part_once(link):
    first, second = Client(), Client()
    assert consent(first, link).participant_code == "P01"
    assert consent(second, link).participant_code == "P02"
    assert consent(Client(), link, "P09").participant_code == "P09"
    again = Client().post(consent_url(link), {"agree": "yes", "code": "P09"})
    assert again.status_code == 409 and "already taken part" in again.content.decode()
    refused = Client().post(consent_url(link), {"agree": "no"})
    assert refused.status_code == 200 and "tick the box" in refused.content.decode()


def test_a_closed_tab_leaves_a_partial_recording_and_nothing_is_lost(link, recording_webm, settings):
    recording = consent(Client(), link)
    client = Client()
    send(client, recording, recording_webm[: len(recording_webm) * 2 // 3], chunks=2, finish=False)
    set_times(client, recording, 0.5, None)
    settings.PARTICIPANT_IDLE_S = 0
    assert recordings.finish_idle() == 1
    recording.refresh_from_db()
    assert recording.state == "partial" and recording.video.title == "Wave 1 · P01 (partial)"
    assert list(recording.video.markers.values_list("label", flat=True)) == ["stimulus start"]
    assert recording.video.runs.get().status == AnalysisRun.Status.QUEUED
    # The page's next chunk learns it is finished, as HEAD does.
    url = page("upload", recording)
    late = client.generic("PATCH", url, b"late", content_type=OFFSET, headers={**TUS, "Upload-Offset": "0"})
    assert late.status_code == 409 and late["Recording-State"] == "partial"
    # Left at the camera check: nothing recorded, said so, and the place is free again.
    idle = consent(Client(), link)
    SessionRecording.objects.filter(pk=idle.pk).update(updated_at=timezone.now() - timedelta(days=2))
    recordings.finish_idle()
    idle.refresh_from_db()
    assert idle.state == "empty" and links.counted_recordings(link) == 1


def test_the_page_going_away_keeps_the_recording_as_partial_at_once(link, recording_webm):
    recording = consent(Client(), link)
    client = Client()
    send(client, recording, recording_webm[:40_000], chunks=1, finish=False)
    assert client.post(page("left", recording)).status_code == 204  # a beacon: no CSRF header
    recording.refresh_from_db()
    assert recording.state in ("partial", "failed") and recording.state != "recording"
    if recording.state == "failed":  # 40 kB of a WebM may not hold a frame: said, never silent
        assert recording.error.startswith("The recording could not be kept")


def test_withdrawal_erases_the_recording_and_its_results_and_is_logged(link, recording_webm):
    client = Client()
    recording = consent(client, link)
    send(client, recording, recording_webm)
    recording.refresh_from_db()
    video_id, stored, storage = recording.video.pk, recording.video.file.name, recording.video.file.storage
    wrong = Client().post(reverse("participants:withdraw"), {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert "No recording has this code" in wrong.content.decode() and Video.objects.filter(pk=video_id).exists()
    code = recordings.shown_withdrawal_code(recording.withdrawal_code).lower()
    done = Client().post(reverse("participants:withdraw"), {"code": code})
    assert "have been erased" in done.content.decode()
    recording.refresh_from_db()
    assert recording.state == "withdrawn" and recording.video is None
    assert not Video.objects.filter(pk=video_id).exists() and not storage.exists(stored)
    event = AccessEvent.objects.get(action="withdraw")
    assert event.video_ref == video_id and "P01" in event.detail and event.via == "session"
    assert client.get(page("done", recording)).status_code == 404  # the withdrawn recording's pages are gone


def test_wrong_revoked_and_foreign_secrets_are_404_everywhere(link, study, user):
    other_link = links.create_link(study, "Wave 2", link.stimulus, "Other text.", 5, None)
    mine, theirs = consent(Client(), link), consent(Client(), other_link)
    client = Client()
    names = ["check", "watch", "stimulus", "times", "upload", "left", "done"]
    assert client.get(consent_url(link).replace(link.token, link.token[:-2] + "xx")).status_code == 404
    for name in names:
        # Another link's recording under this link's token, and this link's token with a wrong key.
        crossed = reverse(f"participants:{name}", args=[link.token, theirs.key])
        wrong = reverse(f"participants:{name}", args=[link.token, mine.key[:-2] + "xx"])
        for url in (crossed, wrong):
            method = {"times": "POST", "left": "POST", "upload": "HEAD"}.get(name, "GET")
            response = client.generic(method, url, headers=TUS)
            assert response.status_code == 404, (name, url, response.status_code)
    links.set_state(link, SessionLink.State.REVOKED)
    assert client.get(consent_url(link)).status_code == 404
    assert client.get(page("done", mine)).status_code == 404


def test_another_user_and_an_anonymous_visitor_cannot_reach_the_researchers_pages(link, other_user):
    detail = reverse("studies:session_link", args=[link.study.pk, link.pk])
    assert Client().get(detail).status_code == 302  # to the sign-in page
    mallory = Client()
    mallory.force_login(other_user)
    assert mallory.get(detail).status_code == 404
    state = reverse("studies:session_link_state", args=[link.study.pk, link.pk])
    assert mallory.post(state, {"state": "revoked"}).status_code == 404
    link.refresh_from_db()
    assert link.state == "open"


def test_pausing_ending_and_filling_a_link_close_it_with_a_reason(alice, link):
    state = reverse("studies:session_link_state", args=[link.study.pk, link.pk])
    alice.post(state, {"state": "paused"})
    closed = Client().get(consent_url(link)).content.decode()
    assert "paused by the researcher" in closed and "I agree" not in closed
    assert Client().post(consent_url(link), {"agree": "yes"}).status_code == 409
    alice.post(state, {"state": "open"})
    SessionLink.objects.filter(pk=link.pk).update(max_recordings=1)
    consent(Client(), link)
    assert "all the participants it needs" in Client().get(consent_url(link)).content.decode()
    SessionLink.objects.filter(pk=link.pk).update(max_recordings=5, open_until=timezone.now() - timedelta(minutes=1))
    assert "has ended" in Client().get(consent_url(link)).content.decode()


def test_a_changed_consent_text_is_a_new_version_and_recordings_keep_theirs(alice, link):
    first = consent(Client(), link)
    edit = reverse("studies:update_session_link", args=[link.study.pk, link.pk])
    alice.post(edit, {"consent_text": "A new text.", "max_recordings": 50, "open_until": ""})
    link.refresh_from_db()
    assert link.consent_version == 2
    second = consent(Client(), link)
    first.refresh_from_db()
    assert (first.consent_version, first.consent_text) == (1, "You agree to be recorded.")
    assert (second.consent_version, second.consent_text) == (2, "A new text.")


def test_consents_past_the_limits_answer_429(link, settings):
    settings.PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR = 2
    client = Client()
    assert client.post(consent_url(link), {"agree": "yes"}).status_code == 302
    assert client.post(consent_url(link), {"agree": "yes"}).status_code == 302
    limited = client.post(consent_url(link), {"agree": "yes"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited["Permissions-Policy"].startswith("camera=(self)")


def test_the_upload_counts_against_the_owners_quota(link, settings):
    settings.USER_STORAGE_QUOTA_BYTES = 1000
    recording = consent(Client(), link)
    response = Client().post(page("upload", recording), headers={**TUS, "Upload-Defer-Length": "1"})
    assert response.status_code == 413 and "storage quota" in response.json()["detail"]


def test_participant_posts_need_csrf(link):
    client = Client(enforce_csrf_checks=True)
    assert client.post(consent_url(link), {"agree": "yes"}).status_code == 403


def test_ten_links_of_twenty_participants_lose_no_recording(study, user, recording_webm):
    """The load run on loopback's worth, in one process: 200 participants through consent and upload."""
    stimulus = make_video(user, "Stimulus")
    small = recording_webm[:150_000]
    for number in range(10):
        link = links.create_link(study, f"Class {number}", stimulus, "Consent.", 20, None)
        for _ in range(20):
            client = Client()
            recording = consent(client, link)
            send(client, recording, small, chunks=2)
    kept = SessionRecording.objects.filter(state__in=["uploaded", "failed"])
    assert SessionRecording.objects.count() == 200 and kept.count() == 200
    assert Video.objects.filter(owner=user, title__contains=" · P").count() == kept.filter(state="uploaded").count()
    assert kept.filter(state="uploaded").count() == 200, list(kept.values_list("error", flat=True).distinct())


def test_deleting_the_stimulus_closes_the_link_and_keeps_its_recordings(alice, link, recording_webm):
    client = Client()
    recording = consent(client, link)
    send(client, recording, recording_webm)
    response = alice.post(reverse("videos:delete", args=[link.stimulus.pk]))
    assert response.status_code == 302 and not Video.objects.filter(title="The advert").exists()
    link.refresh_from_db()
    recording.refresh_from_db()
    assert link.stimulus is None and link.stimulus_duration_s == pytest.approx(2.4)
    assert recording.video is not None and recording.state == "uploaded"
    closed = Client().get(consent_url(link)).content.decode()
    assert "video was removed by the researcher" in closed and "I agree" not in closed
    assert alice.get(reverse("studies:session_link", args=[link.study.pk, link.pk])).status_code == 200
    assert alice.get(reverse("studies:detail", args=[link.study.pk])).status_code == 200
    assert client.get(page("done", recording)).status_code == 200  # the withdrawal code is still shown


def test_a_last_chunk_cut_short_is_answered_with_where_the_server_stands(link, recording_webm):
    client = Client()
    recording = consent(client, link)
    url = page("upload", recording)
    client.post(url, headers={**TUS, "Upload-Defer-Length": "1"})
    half, whole = len(recording_webm) // 2, str(len(recording_webm))
    headers = {**TUS, "Upload-Offset": "0", "Upload-Length": whole}
    short = client.generic("PATCH", url, recording_webm[:half], content_type=OFFSET, headers=headers)
    assert short.status_code == 204 and short["Upload-Offset"] == str(half) and short["Recording-State"] == "recording"
    headers["Upload-Offset"] = str(half)
    rest = client.generic("PATCH", url, recording_webm[half:], content_type=OFFSET, headers=headers)
    assert rest["Recording-State"] == "uploaded" and rest["Upload-Offset"] == whole
    # Finishing again (the idle job, a late beacon) changes nothing: one recording, one video.
    again = recordings.finish(SessionRecording.objects.get(pk=recording.pk), partial=True)
    assert again.state == "uploaded" and Video.objects.filter(title__startswith="Wave 1 ·").count() == 1


def test_a_withdrawal_while_the_recording_is_being_stored_erases_it_when_stored(link, recording_webm, monkeypatch):
    client = Client()
    recording = consent(client, link)
    send(client, recording, recording_webm[:300_000], chunks=1, finish=False)
    store = recordings._store

    def withdrawn_meanwhile(*args, **kwargs):
        assert recordings.withdraw(recording.withdrawal_code) is not None  # the participant, at this moment
        return store(*args, **kwargs)

    monkeypatch.setattr(recordings, "_store", withdrawn_meanwhile)
    recordings.finish(SessionRecording.objects.get(pk=recording.pk), partial=True)
    recording.refresh_from_db()
    assert recording.state == "withdrawn" and recording.video is None
    assert not Video.objects.filter(title__startswith="Wave 1 ·").exists()
    assert AccessEvent.objects.filter(action="withdraw").count() == 1


def test_a_failure_while_storing_keeps_the_bytes_for_another_try(link, recording_webm, monkeypatch, settings):
    client = Client()
    recording = consent(client, link)
    send(client, recording, recording_webm[:300_000], chunks=1, finish=False)

    def storage_down(*args, **kwargs):
        raise OSError("the storage is unreachable")

    monkeypatch.setattr(recordings, "store_and_start", storage_down)
    with pytest.raises(OSError):
        recordings.finish(SessionRecording.objects.get(pk=recording.pk), partial=True)
    recording.refresh_from_db()
    assert recording.state == "recording" and PartialUpload.objects.get(pk=recording.upload_id).offset == 300_000
    monkeypatch.undo()
    settings.PARTICIPANT_IDLE_S = 0
    assert recordings.finish_idle() == 1
    recording.refresh_from_db()
    assert recording.state == "partial" and recording.video is not None


def test_bytes_still_arriving_are_not_idle(link, recording_webm, settings):
    """A slow catch-up after a long drop holds the upload's lock while its bytes arrive: the idle job
    leaves it alone, however old its last finished append."""
    import fcntl

    from videos import partial_uploads

    client = Client()
    recording = consent(client, link)
    send(client, recording, recording_webm[:100_000], chunks=1, finish=False)
    settings.PARTICIPANT_IDLE_S = 0
    recording.refresh_from_db()
    upload = PartialUpload.objects.get(pk=recording.upload_id)
    with partial_uploads.file_path(upload).open("r+b") as appending:  # as an append under way holds it
        fcntl.flock(appending, fcntl.LOCK_EX)
        assert partial_uploads.busy(upload) and recordings.finish_idle() == 0
        recording.refresh_from_db()
        assert recording.state == "recording"
    assert not partial_uploads.busy(upload) and recordings.finish_idle() == 1  # once the append is over


def test_one_upload_per_recording_and_no_second_recording_over_the_first(link, recording_webm):
    client = Client()
    recording = consent(client, link)
    url = page("upload", recording)
    created = {**TUS, "Upload-Defer-Length": "1"}
    assert client.post(url, headers=created).status_code == 201
    assert client.post(url, headers=created).status_code == 201  # a reload before recording: the same one
    assert PartialUpload.objects.count() == 1
    headers = {**TUS, "Upload-Offset": "0"}
    client.generic("PATCH", url, recording_webm[:50_000], content_type=OFFSET, headers=headers)
    again = client.post(url, headers=created)
    assert again.status_code == 409 and PartialUpload.objects.count() == 1
    # Back on the video page after a crash: what was sent is kept as partial, not recorded over.
    response = client.get(page("watch", recording))
    assert response.status_code == 302 and response["Location"] == page("done", recording)
    recording.refresh_from_db()
    assert recording.state in ("partial", "failed")


def test_a_participant_404_keeps_the_participant_headers(link):
    response = Client().get(reverse("participants:done", args=[link.token, "no-such-key"]))
    assert response.status_code == 404 and response["Permissions-Policy"].startswith("camera=(self)")
    assert "My videos" not in response.content.decode() and "Log in" not in response.content.decode()
