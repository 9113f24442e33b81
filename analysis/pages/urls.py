"""/videos/<pk>/...: the results page, its JSON, and the identity and marker forms."""

from django.urls import path

from analysis.pages import blur_views, identity_views, marker_views, privacy_views
from analysis.pages import result_views as views

app_name = "analysis"
urlpatterns = [
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/export.json", views.export_json, name="export_json"),
    path("<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/persons/<int:person_id>/thumbnail.jpg", views.thumbnail, name="thumbnail"),
    path("<int:pk>/persons/<int:person_id>/charts.json", views.person_charts_json, name="person_charts"),
    path("<int:pk>/overlay.json", views.overlay_json, name="overlay"),
    path("<int:pk>/blurred/", blur_views.make_copy, name="make_blurred"),
    path("<int:pk>/blurred/progress.json", blur_views.copy_progress, name="blurred_progress"),
    path("<int:pk>/blurred/stream.mp4", blur_views.stream_copy, name="blurred_stream"),
    path("<int:pk>/blurred/download.mp4", blur_views.download_copy, name="blurred_download"),
    path("<int:pk>/reprocess/", views.reprocess_video, name="reprocess"),
    path("<int:pk>/persons/<int:person_id>/rename/", identity_views.rename_person, name="rename_person"),
    path("<int:pk>/persons/<int:person_id>/merge/", identity_views.merge_person, name="merge_person"),
    path("<int:pk>/persons/<int:person_id>/split/", identity_views.split_person, name="split_person"),
    path("<int:pk>/persons/<int:person_id>/hide/", identity_views.hide_person, name="hide_person"),
    path("<int:pk>/persons/<int:person_id>/calm/", identity_views.calm_stretch, name="calm_stretch"),
    path("<int:pk>/delete-source/", privacy_views.delete_source_page, name="delete_source"),
    path("<int:pk>/persons/<int:person_id>/erase/", privacy_views.erase_person_page, name="erase_person"),
    path("<int:pk>/markers/", marker_views.add_marker, name="add_marker"),
    path("<int:pk>/markers/import/", marker_views.import_markers, name="import_markers"),
    path("<int:pk>/markers/<int:marker_id>/delete/", marker_views.delete_marker, name="delete_marker"),
]
