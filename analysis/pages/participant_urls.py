"""The participants' URLs, under /p/: a link's token, then a recording's key (docs/participant-sessions.md)."""

from django.urls import path

from . import participant_upload
from . import participant_views as views

app_name = "participants"

urlpatterns = [
    path("withdraw/", views.withdraw, name="withdraw"),
    path("<str:token>/", views.consent, name="consent"),
    path("<str:token>/<str:key>/check/", views.camera_check, name="check"),
    path("<str:token>/<str:key>/watch/", views.watch, name="watch"),
    path("<str:token>/<str:key>/stimulus/", views.stimulus, name="stimulus"),
    path("<str:token>/<str:key>/times/", views.stimulus_times, name="times"),
    path("<str:token>/<str:key>/upload/", participant_upload.recording_upload, name="upload"),
    path("<str:token>/<str:key>/left/", views.left, name="left"),
    path("<str:token>/<str:key>/done/", views.done, name="done"),
]
