"""The access log in the API: a video's events, and all events of the user's videos (deleted ones too)."""

from django.db.models import QuerySet
from rest_framework import generics, serializers

from videos.access_log import events_of_owner, events_of_video
from videos.models import AccessEvent
from videos.ownership import owned_video

from .views import LoginExemptMixin


class AccessEventSerializer(serializers.ModelSerializer):
    # The video's id stays after it is deleted (video_ref); "video" is then null.
    video = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The video's id; null once the video is deleted (see video_ref)"
    )

    class Meta:
        model = AccessEvent
        fields = ["id", "at", "username", "action", "detail", "via", "video", "video_ref", "video_title"]
        read_only_fields = fields


class VideoAccess(LoginExemptMixin, generics.ListAPIView):
    """One of your videos' access log, newest first (paginated)."""

    serializer_class = AccessEventSerializer

    def get_queryset(self) -> QuerySet[AccessEvent]:
        return events_of_video(owned_video(self.request, self.kwargs["pk"]))


class AllAccess(LoginExemptMixin, generics.ListAPIView):
    """The access log of all your videos, deleted ones included, newest first (paginated)."""

    serializer_class = AccessEventSerializer

    def get_queryset(self) -> QuerySet[AccessEvent]:
        return events_of_owner(self.request.user)
