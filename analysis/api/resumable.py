"""Resumable uploads: the tus 1.0 protocol (core, creation, termination, expiration) at /api/uploads/.

A client creates an upload (POST, `Upload-Length`, `Upload-Metadata` with `filename`, `title`,
`sample_fps`), sends its bytes in as many PATCH requests as it likes, asks where it stands after a
dropped connection (HEAD) and goes on from there. When the last byte is in, the file passes the same
checks as a one-request upload (analysis.pages.upload_form) and becomes a video with its analysis
queued; the last PATCH then names it (`Video-Location`, `Video-Page`), or answers 422 with the
form's messages. Another user's upload is a 404. docs/api.md shows a session with curl.
"""

import base64
import binascii

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.pages.tus_protocol import OFFSET_CONTENT_TYPE, TUS_VERSION, whole_number_header
from videos import partial_uploads
from videos.models import PartialUpload, Video

from .uploads import form_errors, upload_form
from .views import LoginExemptMixin

TUS_EXTENSIONS = "creation,termination,expiration"


def parse_metadata(header: str) -> dict[str, str]:
    """`key base64value,key2 base64value2` -> {key: text}; ValueError for a malformed header."""
    metadata = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(encoded, validate=True).decode() if encoded else ""
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(f"Upload-Metadata: {key} is not base64 of UTF-8 text.") from error
    return metadata


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def version_refusal(request: Request) -> Response | None:
    """412 for a request without the protocol version this server speaks (every request but OPTIONS)."""
    if request.headers.get("Tus-Resumable") == TUS_VERSION:
        return None
    return Response(status=status.HTTP_412_PRECONDITION_FAILED, headers={"Tus-Version": TUS_VERSION})


def expires(upload: PartialUpload) -> str:
    return http_date(upload.expires_at.timestamp())


def video_headers(request: Request, video: Video | None) -> dict[str, str]:
    """Where a finished upload's video is: its API URL and its results page, both absolute (as Location is)."""
    if video is None:
        return {}
    location = request.build_absolute_uri(reverse("api:video-detail", args=[video.pk]))
    return {"Video-Location": location, "Video-Page": request.build_absolute_uri(video.get_absolute_url())}


def refusal(errors: dict, code: int) -> Response:
    return Response(errors, status=code, headers=tus_headers())


def tus_header(name: str, description: str, required: bool = True, kind=OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.HEADER, required=required, description=description)


TUS_RESUMABLE = tus_header("Tus-Resumable", f'The protocol version: "{TUS_VERSION}" (else 412)')
REFUSED = OpenApiResponse(OpenApiTypes.OBJECT, description='The messages, e.g. {"non_field_errors": ["..."]}')
NO_UPLOAD = OpenApiResponse(OpenApiTypes.OBJECT, description="No such upload of yours (cancelled, refused or expired)")
WRONG_VERSION = OpenApiResponse(description="Tus-Resumable missing or not 1.0.0 (Tus-Version says which)")


class TusView(LoginExemptMixin, APIView):
    """tus 1.0.0 (docs/api.md): its own protocol, headers in and out, described here as far as OpenAPI goes."""

    @extend_schema(
        responses={204: OpenApiResponse(description="Tus-Version, Tus-Extension and Tus-Max-Size headers")},
        description="The tus protocol's capabilities.",
    )
    def options(self, request: Request, *args, **kwargs) -> Response:
        return Response(
            status=status.HTTP_204_NO_CONTENT,
            headers=tus_headers(
                **{
                    "Tus-Version": TUS_VERSION,
                    "Tus-Extension": TUS_EXTENSIONS,
                    "Tus-Max-Size": str(settings.VIDEO_MAX_UPLOAD_BYTES),
                }
            ),
        )


class UploadCreate(TusView):
    @extend_schema(
        operation_id="uploads_create",
        request=None,
        parameters=[
            TUS_RESUMABLE,
            tus_header("Upload-Length", "The file's size in bytes", kind=OpenApiTypes.INT),
            tus_header(
                "Upload-Metadata",
                "Comma-separated `key base64(value)` pairs: filename, title, sample_fps, study",
                required=False,
            ),
        ],
        responses={
            201: OpenApiResponse(description="Created: its URL in Location, its expiry in Upload-Expires"),
            400: REFUSED,
            412: WRONG_VERSION,
            413: REFUSED,
            429: REFUSED,
        },
        description="Start a resumable upload (tus creation). The title, sampling and study are checked now.",
    )
    def post(self, request: Request) -> Response:
        if refused := version_refusal(request):
            return refused
        try:
            length = whole_number_header(request, "Upload-Length")
            metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        except ValueError as error:
            return refusal({"non_field_errors": [str(error)]}, status.HTTP_400_BAD_REQUEST)
        if length is None:
            return refusal({"non_field_errors": ["Upload-Length is required."]}, status.HTTP_400_BAD_REQUEST)
        filename = metadata.get("filename") or "upload"
        fields = {
            "title": metadata.get("title") or filename.rsplit(".", 1)[0],
            "sample_fps": metadata.get("sample_fps"),
            "study": metadata.get("study") or "",
        }
        # The form's other fields now, not after the last byte: a bad title must not cost an hour's upload.
        checked = upload_form(fields, {}, request.user, upload_too_large=False)
        checked.is_valid()
        if errors := {field: messages for field, messages in form_errors(checked).items() if field != "file"}:
            return refusal(errors, status.HTTP_400_BAD_REQUEST)
        try:
            upload = partial_uploads.create(request.user, filename, length, fields)
        except partial_uploads.UploadRefused as refused:
            return refusal({refused.field or "non_field_errors": [str(refused)]}, refused.status)
        location = request.build_absolute_uri(reverse("api:upload-detail", args=[upload.pk]))
        return Response(
            status=status.HTTP_201_CREATED,
            headers=tus_headers(Location=location, **{"Upload-Expires": expires(upload)}),
        )


class UploadDetail(TusView):
    def owned_upload(self, request: Request, pk) -> PartialUpload:
        upload = PartialUpload.objects.select_related("video").filter(pk=pk, owner=request.user).first()
        if upload is None or upload.expires_at <= timezone.now():
            raise Http404("No such upload (cancelled, refused or expired).")
        return upload

    @extend_schema(
        operation_id="uploads_offset",
        parameters=[TUS_RESUMABLE],
        responses={
            200: OpenApiResponse(description="Upload-Offset and Upload-Length; Video-Location once finished"),
            404: NO_UPLOAD,
            412: WRONG_VERSION,
        },
        description="How many bytes the server has: resume from Upload-Offset.",
    )
    def head(self, request: Request, pk) -> Response:
        if refused := version_refusal(request):
            return refused
        upload = self.owned_upload(request, pk)
        headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length)}
        headers["Upload-Expires"] = expires(upload)
        return Response(headers=tus_headers(**headers, **video_headers(request, upload.video)))

    @extend_schema(
        operation_id="uploads_append",
        request={OFFSET_CONTENT_TYPE: OpenApiTypes.BINARY},
        parameters=[
            TUS_RESUMABLE,
            tus_header("Upload-Offset", "Where these bytes go: the current offset", kind=OpenApiTypes.INT),
        ],
        responses={
            204: OpenApiResponse(description="Appended: the new Upload-Offset; Video-Location after the last byte"),
            400: REFUSED,
            404: NO_UPLOAD,
            409: REFUSED,
            412: WRONG_VERSION,
            413: REFUSED,
            415: REFUSED,
            422: REFUSED,
        },
        description=f"Append bytes (Content-Type {OFFSET_CONTENT_TYPE}) at Upload-Offset; 409 when the offset is "
        "not the server's or the upload is finished; 422 when the finished file is refused (not a video...).",
    )
    def patch(self, request: Request, pk) -> Response:
        if refused := version_refusal(request):
            return refused
        upload = self.owned_upload(request, pk)
        if upload.video is not None:  # finished already (HEAD says so): nothing more to append
            headers = {"Upload-Offset": str(upload.offset), **video_headers(request, upload.video)}
            errors = {"non_field_errors": ["This upload is finished."]}
            return Response(errors, status=status.HTTP_409_CONFLICT, headers=tus_headers(**headers))
        if request.content_type.split(";")[0].strip() != OFFSET_CONTENT_TYPE:
            return refusal(
                {"non_field_errors": [f"Content-Type must be {OFFSET_CONTENT_TYPE}."]},
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        try:
            offset = whole_number_header(request, "Upload-Offset")
            sent = whole_number_header(request, "Content-Length")
        except ValueError as error:
            return refusal({"non_field_errors": [str(error)]}, status.HTTP_400_BAD_REQUEST)
        if offset is None:
            return refusal({"non_field_errors": ["Upload-Offset is required."]}, status.HTTP_400_BAD_REQUEST)
        try:
            upload = partial_uploads.append(upload, offset, request.stream.read if sent else empty, sent)
        except partial_uploads.OffsetMismatch as mismatch:
            return refusal({"non_field_errors": [str(mismatch)]}, status.HTTP_409_CONFLICT)
        except partial_uploads.UploadRefused as refused:
            return refusal({refused.field or "non_field_errors": [str(refused)]}, refused.status)
        headers = {"Upload-Offset": str(upload.offset), "Upload-Expires": expires(upload)}
        if upload.offset == upload.length:
            return self.finish(request, upload, headers)
        return Response(status=status.HTTP_204_NO_CONTENT, headers=tus_headers(**headers))

    def finish(self, request: Request, upload: PartialUpload, headers: dict[str, str]) -> Response:
        """The last byte is in: the one-request upload's checks, then a video and its queued analysis."""
        file = partial_uploads.finished_file(upload)
        video = None
        try:
            form = upload_form(upload.metadata, {"file": file}, request.user, upload_too_large=False)
            video = form.save() if form.is_valid() else None
        finally:
            file.close()
            if video is None:
                partial_uploads.discard(upload)  # refused, or failed: nothing of it is kept
        if video is None:
            return refusal(form_errors(form), status.HTTP_422_UNPROCESSABLE_ENTITY)
        partial_uploads.mark_finished(upload, video)
        return Response(
            status=status.HTTP_204_NO_CONTENT, headers=tus_headers(**headers, **video_headers(request, video))
        )

    @extend_schema(
        operation_id="uploads_cancel",
        parameters=[TUS_RESUMABLE],
        responses={204: None, 404: NO_UPLOAD, 412: WRONG_VERSION},
        description="Cancel an upload: its bytes are deleted.",
    )
    def delete(self, request: Request, pk) -> Response:
        if refused := version_refusal(request):
            return refused
        partial_uploads.discard(self.owned_upload(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT, headers=tus_headers())


def empty(_: int) -> bytes:
    return b""
