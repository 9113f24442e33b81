from django.urls import path

from . import markers, persons, resumable, views

app_name = "api"
urlpatterns = [
    path("videos/", views.VideoListCreate.as_view(), name="video-list"),
    path("videos/<int:pk>/", views.VideoDetail.as_view(), name="video-detail"),
    path("videos/<int:pk>/reprocess/", views.VideoReprocess.as_view(), name="video-reprocess"),
    path("videos/<int:pk>/results/", views.VideoResults.as_view(), name="video-results"),
    path("videos/<int:pk>/results.csv", views.VideoResultsCsv.as_view(), name="video-results-csv"),
    path("videos/<int:pk>/markers/", markers.VideoMarkers.as_view(), name="video-markers"),
    path("videos/<int:pk>/markers/import/", markers.VideoMarkerImport.as_view(), name="video-markers-import"),
    path("videos/<int:pk>/markers/<int:marker_id>/", markers.VideoMarkerDetail.as_view(), name="video-marker-detail"),
    path("videos/<int:pk>/persons/", persons.VideoPersons.as_view(), name="video-persons"),
    path("videos/<int:pk>/persons/<int:number>/", persons.VideoPersonDetail.as_view(), name="video-person-detail"),
    path("videos/<int:pk>/persons/<int:number>/merge/", persons.VideoPersonMerge.as_view(), name="video-person-merge"),
    path("videos/<int:pk>/persons/<int:number>/split/", persons.VideoPersonSplit.as_view(), name="video-person-split"),
    path("uploads/", resumable.UploadCreate.as_view(), name="upload-create"),
    # No trailing slash: `curl -T FILE URL/` would append the file name to the URL.
    path("uploads/<uuid:pk>", resumable.UploadDetail.as_view(), name="upload-detail"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]
