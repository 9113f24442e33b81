from django.urls import path

from . import views

app_name = "videos"
urlpatterns = [
    path("", views.video_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/file/", views.stream, name="stream"),
]
