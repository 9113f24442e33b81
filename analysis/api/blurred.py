"""The API's blurred copies: ask for one, its state, and the file (docs/api.md)."""

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.models import BlurredCopy
from analysis.runs.blur_launch import (
    CopyLimitReached,
    CopyRefused,
    copy_state,
    download_name,
    latest_copy,
    ready_copy,
    start_blurred_copy,
)
from videos.access_log import Action, is_first_of_playback, record
from videos.ids import MAX_ID
from videos.ownership import owned_video
from videos.streaming import ranged_file_response

from .views import LoginExemptMixin


class BlurRequestSerializer(serializers.Serializer):
    keep_visible = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text="Numbers of the persons to leave unblurred",
    )


def described(request: Request, copy: BlurredCopy) -> dict:
    state = copy_state(copy)
    ready = copy.status == BlurredCopy.Status.SUCCEEDED
    state["download_url"] = (
        request.build_absolute_uri(reverse("api:video-blurred-file", kwargs={"pk": copy.video_id})) if ready else None
    )
    return state


class VideoBlurred(LoginExemptMixin, APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The newest blurred copy's status and progress"),
            404: OpenApiResponse(description="No such video (or not yours), or no copy asked for yet"),
        },
        description="The video's newest blurred copy: status, frames done of total, error, download URL when ready.",
        operation_id="videos_blurred_read",
    )
    def get(self, request: Request, pk: int) -> Response:
        copy = latest_copy(owned_video(request, pk))
        if copy is None:
            raise Http404("No blurred copy")
        return Response(described(request, copy))

    @extend_schema(
        request=BlurRequestSerializer,
        responses={
            202: OpenApiResponse(OpenApiTypes.OBJECT, description="The queued copy"),
            400: OpenApiResponse(description="Bad keep_visible"),
            404: OpenApiResponse(description="No such video (or not yours)"),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"detail": "..."}: no finished analysis to take the faces from, the source was deleted, '
                "a person was erased, or a copy of this video is already queued or being made",
            ),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"detail": "..."}: you already have USER_MAX_ACTIVE_COPIES copies queued or being made',
            ),
        },
        description="Make a copy of the video with every tracked face of its shown analysis blurred (hidden "
        "persons too), but the person numbers in `keep_visible`; a background job, sound kept.",
        operation_id="videos_blurred_create",
    )
    def post(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        asked = BlurRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            copy = start_blurred_copy(video, asked.validated_data["keep_visible"], by=request, via="api")
        except CopyLimitReached as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except CopyRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return Response(described(request, copy), status=status.HTTP_202_ACCEPTED)


class VideoBlurredFile(LoginExemptMixin, APIView):
    @extend_schema(
        responses={
            (200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY, description="The newest finished copy"),
            404: OpenApiResponse(description="No such video (or not yours), or no finished copy"),
        },
        description="The newest finished blurred copy, as an attachment (Range requests answered with 206).",
        operation_id="videos_blurred_file",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        video = owned_video(request, pk)
        copy = ready_copy(video)
        if copy is None:
            raise Http404("No finished blurred copy")
        if is_first_of_playback(request.headers.get("Range")):
            record(request, video, Action.DOWNLOAD, detail="blurred copy", via="api")
        response = ranged_file_response(request, copy.file.storage, copy.file.name, "video/mp4")
        response["Content-Disposition"] = f'attachment; filename="{download_name(copy)}"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file whatever the Accept header asks (a player asks for video/*).
        return super().perform_content_negotiation(request, force=True)
