"""The API's event markers of a video: list, add, import a CSV, delete (docs/api.md).

The checks and messages are the results page's (analysis.pages.forms.MarkerForm, MarkerImportForm and the
MAX_MARKERS limit, analysis.results.marker_store.add_markers). Markers belong to the video, with or without results.
"""

from collections.abc import Mapping

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from analysis.core.markers import MAX_MARKERS
from analysis.models import Marker
from analysis.pages.forms import MarkerForm, MarkerImportForm
from analysis.results.marker_store import MarkerRefused, add_markers
from videos.models import Video
from videos.ownership import owned_video

from .parsers import BoundedJSONParser
from .serializers import MarkerCreateSerializer, MarkerImportSerializer, MarkerSerializer
from .uploads import form_data, form_errors
from .views import LoginExemptMixin

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="The results page's messages, by field")
NOT_FOUND = OpenApiResponse(description="No such video (or not yours)")


def refused(error: MarkerRefused) -> Response:
    return Response({api_settings.NON_FIELD_ERRORS_KEY: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)


def not_an_object(data: object) -> Response:
    message = f"Invalid data. Expected a dictionary, but got {type(data).__name__}."  # DRF's message
    return Response({api_settings.NON_FIELD_ERRORS_KEY: [message]}, status=status.HTTP_400_BAD_REQUEST)


def sorted_markers(video: Video):
    return video.markers.order_by("t", "id")


class VideoMarkers(LoginExemptMixin, APIView):
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        responses={200: MarkerSerializer(many=True), 404: NOT_FOUND},
        description="The video's event markers, by time (a plain list: a video has at most "
        f"{MAX_MARKERS}). The same as the JSON export's `markers`, with ids.",
    )
    def get(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        return Response(MarkerSerializer(sorted_markers(video), many=True).data)

    @extend_schema(
        request=MarkerCreateSerializer,
        responses={201: MarkerSerializer, 400: ERRORS, 404: NOT_FOUND},
        description='Add a marker: `t` in seconds (12.5) or as m:ss ("0:12.5"), and a `label`. '
        f"A video can have at most {MAX_MARKERS}.",
    )
    def post(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        if not isinstance(request.data, Mapping):
            return not_an_object(request.data)
        # The page's form: a number in JSON becomes its text ("12.5"), read as the page reads the field.
        form = MarkerForm(form_data(request.data, ["t", "label"]))
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            (marker,) = add_markers(video, [(form.cleaned_data["t"], form.cleaned_data["label"])])
        except MarkerRefused as error:
            return refused(error)
        return Response(MarkerSerializer(marker).data, status=status.HTTP_201_CREATED)


class VideoMarkerImport(LoginExemptMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": MarkerImportSerializer},
        responses={
            201: MarkerSerializer(many=True),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description='The page\'s messages, e.g. {"file": ["Line 2: ..."]}; nothing added'
            ),
            404: NOT_FOUND,
        },
        description="Import a CSV of `time,label` lines, all or nothing: one bad line (the message names it) "
        f"or more than {MAX_MARKERS} markers in all adds none. Answers the imported markers, by time.",
    )
    def post(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        form = MarkerImportForm({}, {"file": request.FILES["file"]} if "file" in request.FILES else {})
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        rows = form.cleaned_data["file"]
        try:
            created = add_markers(video, rows)
        except MarkerRefused as error:
            return refused(error)
        created.sort(key=lambda marker: marker.t)  # stable: equal times keep the file's order, as their ids do
        return Response(MarkerSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class VideoMarkerDetail(LoginExemptMixin, APIView):
    @extend_schema(
        responses={204: None, 404: OpenApiResponse(description="No such video or marker (or not yours)")},
        description="Delete a marker.",
    )
    def delete(self, request: Request, pk: int, marker_id: int) -> Response:
        video = owned_video(request, pk)
        get_object_or_404(Marker, pk=marker_id, video=video).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
