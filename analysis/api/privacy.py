"""The API's privacy actions: delete a video's source and keep its results, and the owner's retention
(the person erasure is DELETE on the person, in persons.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.results.source_removal import SourceRemovalRefused, delete_source
from analysis.runs.retention import retention_days
from videos.models import RetentionPolicy
from videos.ownership import owned_video

from .serializers import VideoSerializer
from .views import LoginExemptMixin


class RetentionSerializer(serializers.Serializer):
    delete_sources_after_days = serializers.IntegerField(
        min_value=1, max_value=3650, allow_null=True, help_text="null: sources are kept until you delete them"
    )
    own = serializers.BooleanField(read_only=True, help_text="false: the site's default (SOURCE_RETENTION_DAYS)")


def _retention(request: Request) -> dict:
    own = RetentionPolicy.objects.filter(owner=request.user).exists()
    return {"delete_sources_after_days": retention_days(request.user), "own": own}


class VideoDeleteSource(LoginExemptMixin, APIView):
    @extend_schema(
        request=None,
        responses={
            200: VideoSerializer,
            404: OpenApiResponse(description="No such video (or not yours)"),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail": "..."}: an analysis is active'),
        },
        description="Delete the source video and keep the results: the file, the persons' thumbnails and face "
        "encodings go; samples, charts and exports stay. Repeating it is harmless.",
        operation_id="videos_delete_source",
    )
    def post(self, request: Request, pk: int) -> Response:
        video = owned_video(request, pk)
        try:
            delete_source(video, by=request, via="api")
        except SourceRemovalRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return Response(VideoSerializer(video, context={"request": request}).data)


class Retention(LoginExemptMixin, APIView):
    @extend_schema(responses={200: RetentionSerializer}, description="Your retention of source videos.")
    def get(self, request: Request) -> Response:
        return Response(_retention(request))

    @extend_schema(
        request=RetentionSerializer,
        responses={200: RetentionSerializer},
        description="Set your retention: source videos are deleted this many days after their latest analysis by "
        "the maintenance job (the results stay); null keeps them.",
    )
    def put(self, request: Request) -> Response:
        body = RetentionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        days = body.validated_data["delete_sources_after_days"]
        RetentionPolicy.objects.update_or_create(owner=request.user, defaults={"delete_sources_after_days": days})
        return Response(_retention(request))
