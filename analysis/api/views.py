"""The API's views: the caller's videos, their analysis and results (docs/api.md).

Another user's video is a 404 everywhere, as on the pages: every lookup is filtered by owner.
"""

import csv

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.models import AnalysisRun
from analysis.results.downloads import results_csv_rows, results_document, wants_boxes
from analysis.runs.launch import SOURCE_DELETED, reprocess_for_owner
from analysis.runs.lifecycle import cancel
from analysis.runs.limits import LimitReached
from videos.access_log import Action, record
from videos.models import Video
from videos.ownership import owned_video, owned_videos
from videos.upload_handlers import upload_was_too_large

from .renderers import CSVRenderer
from .serializers import VideoSerializer, VideoUploadSerializer
from .uploads import form_errors, upload_form


class LoginExemptMixin:
    # DRF authenticates (token or session) and answers 401 itself: LoginRequiredMiddleware must not
    # redirect API requests to the login page. (No docstring: the schema would show it.)

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))


def owned_videos_with_runs(request: HttpRequest | Request) -> QuerySet[Video]:
    runs = AnalysisRun.objects.order_by("-created_at", "-id")
    return owned_videos(request).prefetch_related(Prefetch("runs", queryset=runs, to_attr="runs_newest_first"))


def succeeded_run_or_404(video: Video) -> AnalysisRun:
    run = AnalysisRun.shown_for(video)
    if run is None:
        raise Http404("This video has no results yet.")
    return run


def export_filename(video: Video, extension: str) -> str:
    return f"{slugify(video.title) or 'video'}-{video.pk}-emotions.{extension}"


class VideoListCreate(LoginExemptMixin, generics.ListAPIView):
    """Your videos, newest first, each with its latest analysis' status and progress."""

    serializer_class = VideoSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Video]:
        return owned_videos_with_runs(self.request)

    @extend_schema(
        request={"multipart/form-data": VideoUploadSerializer},
        responses={
            201: VideoSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The upload form's messages, by field"),
        },
        description="Upload a video; its analysis is queued. Poll the video's URL for status and progress.",
    )
    def post(self, request: Request) -> Response:
        form = upload_form(request.data, request.FILES, request.user, upload_too_large=upload_was_too_large(request))
        if not form.is_valid() or (video := form.save()) is None:
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        video = owned_videos_with_runs(request).get(pk=video.pk)  # with its run, as enqueued (or failed to) on commit
        location = request.build_absolute_uri(reverse("api:video-detail", args=[video.pk]))
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class VideoDetail(LoginExemptMixin, generics.RetrieveDestroyAPIView):
    """One of your videos with its latest analysis' status and progress; DELETE removes it and its results."""

    serializer_class = VideoSerializer

    def get_queryset(self) -> QuerySet[Video]:
        return owned_videos_with_runs(self.request)

    def perform_destroy(self, instance: Video) -> None:
        # As the page's delete (analysis.pages.video_views.delete): stop its queued or running analysis, then delete
        # the video; its runs, persons and samples cascade and a signal removes the file.
        for run in instance.runs.filter(status__in=AnalysisRun.ACTIVE):
            cancel(run)
        record(self.request, instance, Action.DELETE, via="api")
        instance.delete()


ALREADY_ANALYSING = "This video is already being analysed."


class VideoReprocess(LoginExemptMixin, APIView):
    @extend_schema(
        request=None,
        responses={
            202: VideoSerializer,
            404: OpenApiResponse(description="No such video (or not yours)"),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description=f'{{"detail": "{ALREADY_ANALYSING}"}}'),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"detail": "..."}: you have USER_MAX_ACTIVE_RUNS analyses waiting or running',
            ),
        },
        description="Analyse the video again, as the results page's **Analyse again** does, with the last "
        "analysis' sampling. The new results start from the video: names, merges, splits and hidden persons "
        "are not carried over; the current results stay shown until the new ones succeed. Answers the video, "
        "its status `queued`.",
        operation_id="videos_reprocess",
    )
    def post(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        if video.source_deleted_at:
            return Response({"detail": SOURCE_DELETED}, status=status.HTTP_409_CONFLICT)
        try:
            run = reprocess_for_owner(video)
        except LimitReached as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if run is None:
            return Response({"detail": ALREADY_ANALYSING}, status=status.HTTP_409_CONFLICT)
        video = owned_videos_with_runs(request).get(pk=video.pk)  # with the new run, as enqueued (or failed to)
        return Response(VideoSerializer(video, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class VideoResults(LoginExemptMixin, APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The JSON export document (video, analysis, ...)"),
            404: OpenApiResponse(description="No such video, or no results yet"),
        },
        description="The latest succeeded analysis in the JSON export's schema (the results page's export.json).",
    )
    def get(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        run = succeeded_run_or_404(video)
        boxes = wants_boxes(request.query_params)
        record(request, video, Action.VIEW, "" if boxes else "without boxes", via="api")
        return Response(results_document(video, run, boxes))


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


class VideoResultsCsv(LoginExemptMixin, APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per sample (export.csv)"),
            404: OpenApiResponse(description="No such video, or no results yet"),
        },
        description="The latest succeeded analysis as the CSV export, one row per person and sample.",
        operation_id="videos_results_csv",
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        video = owned_video(request, pk)
        run = succeeded_run_or_404(video)
        boxes = wants_boxes(request.query_params)
        record(request, video, Action.EXPORT, "csv" if boxes else "csv without boxes", via="api")
        writer = csv.writer(_Echo())
        # Streamed: a long video has many thousand rows.
        lines = (writer.writerow(row) for row in results_csv_rows(run, boxes))
        response = StreamingHttpResponse(lines, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(video, "csv")}"'
        return response


class SchemaView(LoginExemptMixin, SpectacularAPIView):
    """The OpenAPI document: YAML, or JSON with ?format=json."""
