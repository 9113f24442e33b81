from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("videos/", views.VideoListCreate.as_view(), name="video-list"),
    path("videos/<int:pk>/", views.VideoDetail.as_view(), name="video-detail"),
    path("videos/<int:pk>/results/", views.VideoResults.as_view(), name="video-results"),
    path("videos/<int:pk>/results.csv", views.VideoResultsCsv.as_view(), name="video-results-csv"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]
