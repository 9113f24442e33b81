"""/videos/: the video pages (analysis.pages.video_views) and the file itself (videos.views)."""

from django.urls import path

from analysis.pages import access_views, privacy_views, video_views
from videos.views import played, stream

app_name = "videos"
urlpatterns = [
    path("", video_views.video_list, name="list"),
    path("retention/", privacy_views.retention_page, name="retention"),
    path("upload/", video_views.upload, name="upload"),
    path("<id:pk>/delete/", video_views.delete, name="delete"),
    path("<id:pk>/file/", stream, name="stream"),
    path("<id:pk>/file/played/", played, name="played"),
    path("access/", access_views.all_access, name="all_access"),
    path("<id:pk>/access/", access_views.video_access, name="access"),
]
