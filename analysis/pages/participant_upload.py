"""A participant's recording going up while it is made: tus 1.0 (core, creation, creation-defer-length) at
/p/<token>/<key>/upload/, one upload per recording, into videos.partial_uploads as the API's tus does.

POST creates it with `Upload-Defer-Length: 1` (the length is not known while recording); each PATCH
appends the chunks recorded since, at `Upload-Offset`; the last one carries `Upload-Length`, and when the
bytes reach it the recording becomes a video (analysis.sessions.recordings.finish). HEAD says where the
server stands after a dropped connection. Authenticated by the link's token and the recording's key in
the URL; CSRF as every POST of the site.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from analysis.sessions import recordings
from analysis.sessions.recordings import SessionRecording
from videos import partial_uploads
from videos.models import PartialUpload

from .participant_pages import participant_page, participant_recording
from .tus_protocol import OFFSET_CONTENT_TYPE, TUS_VERSION, whole_number_header


def _tus(response: HttpResponse, **headers: str) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _refused(message: str, status: int, **headers: str) -> HttpResponse:
    return _tus(JsonResponse({"detail": message}, status=status), **headers)


def _state_headers(recording: SessionRecording, upload: PartialUpload | None) -> dict[str, str]:
    headers = {"Recording-State": str(recording.state)}
    if upload is not None:
        headers["Upload_Offset"] = str(upload.offset)
    return headers


@participant_page
@require_http_methods(["POST", "HEAD", "PATCH"])
def recording_upload(request: HttpRequest, token: str, key: str) -> HttpResponse:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _tus(HttpResponse(status=412), Tus_Version=TUS_VERSION)
    recording = participant_recording(token, key)
    if request.method == "POST":
        if request.headers.get("Upload-Defer-Length") != "1":
            return _refused("A recording's length is not known yet: send Upload-Defer-Length: 1.", 400)
        try:
            upload = recordings.start_upload(recording)
        except partial_uploads.UploadRefused as refused:
            return _refused(str(refused), refused.status)
        response = HttpResponse(status=201)
        return _tus(response, Location=request.path, Upload_Defer_Length="1", **_state_headers(recording, upload))
    upload = PartialUpload.objects.filter(pk=recording.upload_id).first() if recording.upload_id else None
    if recording.state != SessionRecording.State.RECORDING or upload is None:
        # Finished already (the last chunk's answer was lost, or the idle job kept it as partial): say so.
        return _refused("This recording is finished.", 409, **_state_headers(recording, upload))
    if request.method == "HEAD":
        return _tus(HttpResponse(status=200), Upload_Defer_Length="1", **_state_headers(recording, upload))
    return _append(request, recording, upload)


def _append(request: HttpRequest, recording: SessionRecording, upload: PartialUpload) -> HttpResponse:
    if request.content_type != OFFSET_CONTENT_TYPE:
        return _refused(f"Content-Type must be {OFFSET_CONTENT_TYPE}.", 415)
    try:
        offset, sent = whole_number_header(request, "Upload-Offset"), whole_number_header(request, "Content-Length")
        final_length = whole_number_header(request, "Upload-Length")
    except ValueError as error:
        return _refused(str(error), 400)
    if offset is None:
        return _refused("Upload-Offset is required.", 400)
    if final_length is not None and final_length > upload.length:
        return _refused("This recording is longer than its stimulus allows.", 413)
    try:
        upload = partial_uploads.append(upload, offset, request.read if sent else (lambda _: b""), sent)
    except partial_uploads.OffsetMismatch as mismatch:
        return _refused(str(mismatch), 409, **_state_headers(recording, upload))
    except partial_uploads.UploadRefused as refused:
        return _refused(str(refused), refused.status, **_state_headers(recording, upload))
    if final_length is not None and upload.offset >= final_length:
        recording = recordings.finish(recording, partial=False)
        if recording.state == SessionRecording.State.FAILED:
            return _refused(recording.error, 422, Recording_State=str(recording.state))
        return _tus(HttpResponse(status=204), Upload_Offset=str(upload.offset), Recording_State=str(recording.state))
    return _tus(HttpResponse(status=204), **_state_headers(recording, upload))
