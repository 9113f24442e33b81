from django.urls import path

from . import access, blurred, markers, persons, privacy, resumable, studies, views

app_name = "api"
urlpatterns = [
    path("videos/", views.VideoListCreate.as_view(), name="video-list"),
    path("videos/<id:pk>/", views.VideoDetail.as_view(), name="video-detail"),
    path("videos/<id:pk>/reprocess/", views.VideoReprocess.as_view(), name="video-reprocess"),
    path("videos/<id:pk>/delete-source/", privacy.VideoDeleteSource.as_view(), name="video-delete-source"),
    path("retention/", privacy.Retention.as_view(), name="retention"),
    path("videos/<id:pk>/results/", views.VideoResults.as_view(), name="video-results"),
    path("videos/<id:pk>/results.csv", views.VideoResultsCsv.as_view(), name="video-results-csv"),
    path("videos/<id:pk>/access/", access.VideoAccess.as_view(), name="video-access"),
    path("access/", access.AllAccess.as_view(), name="access"),
    path("videos/<id:pk>/blurred/", blurred.VideoBlurred.as_view(), name="video-blurred"),
    path("videos/<id:pk>/blurred.mp4", blurred.VideoBlurredFile.as_view(), name="video-blurred-file"),
    path("videos/<id:pk>/markers/", markers.VideoMarkers.as_view(), name="video-markers"),
    path("videos/<id:pk>/markers/import/", markers.VideoMarkerImport.as_view(), name="video-markers-import"),
    path("videos/<id:pk>/markers/<id:marker_id>/", markers.VideoMarkerDetail.as_view(), name="video-marker-detail"),
    path("videos/<id:pk>/persons/", persons.VideoPersons.as_view(), name="video-persons"),
    path("videos/<id:pk>/persons/<id:number>/", persons.VideoPersonDetail.as_view(), name="video-person-detail"),
    path("videos/<id:pk>/persons/<id:number>/merge/", persons.VideoPersonMerge.as_view(), name="video-person-merge"),
    path("videos/<id:pk>/persons/<id:number>/split/", persons.VideoPersonSplit.as_view(), name="video-person-split"),
    path("uploads/", resumable.UploadCreate.as_view(), name="upload-create"),
    # No trailing slash: `curl -T FILE URL/` would append the file name to the URL.
    path("uploads/<uuid:pk>", resumable.UploadDetail.as_view(), name="upload-detail"),
    path("studies/", studies.StudyListCreate.as_view(), name="study-list"),
    path("studies/<id:pk>/", studies.StudyDetail.as_view(), name="study-detail"),
    path("studies/<id:pk>/variables/", studies.StudyVariables.as_view(), name="study-variables"),
    path(
        "studies/<id:pk>/variables/<id:variable_id>/",
        studies.StudyVariableDetail.as_view(),
        name="study-variable-detail",
    ),
    path("studies/<id:pk>/videos/", studies.StudyVideos.as_view(), name="study-videos"),
    path("studies/<id:pk>/videos/<id:video_id>/", studies.StudyVideoDetail.as_view(), name="study-video-detail"),
    path("studies/<id:pk>/values/import/", studies.StudyValuesImport.as_view(), name="study-values-import"),
    path("studies/<id:pk>/participants/", studies.StudyParticipants.as_view(), name="study-participants"),
    path("studies/<id:pk>/comparison/", studies.StudyComparison.as_view(), name="study-comparison"),
    path("studies/<id:pk>/lines/", studies.StudyLines.as_view(), name="study-lines"),
    path("studies/<id:pk>/export.csv", studies.StudyExportCsv.as_view(), name="study-export-csv"),
    path("studies/<id:pk>/export.json", studies.StudyExportJson.as_view(), name="study-export-json"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]
