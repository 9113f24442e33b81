"""/videos/: the video pages (analysis.pages.video_views) and the file itself (videos.views)."""

from django.urls import path

from analysis.pages import access_views, finished_notice, privacy_views, video_list, video_views
from videos.views import played, stream

app_name = "videos"
urlpatterns = [
    path("", video_list.video_list, name="list"),
    path("bulk/", video_list.bulk_action, name="bulk"),
    path("bulk/delete/", video_list.delete_many, name="delete_many"),
    path("finished/dismiss/", finished_notice.dismiss, name="dismiss_finished"),
    path("retention/", privacy_views.retention_page, name="retention"),
    path("upload/", video_views.upload, name="upload"),
    path("<id:pk>/delete/", video_views.delete, name="delete"),
    path("<id:pk>/file/", stream, name="stream"),
    path("<id:pk>/file/played/", played, name="played"),
    path("access/", access_views.all_access, name="all_access"),
    path("<id:pk>/access/", access_views.video_access, name="access"),
]
