"""/videos/<pk>/...: the results page, its JSON, and the identity and marker forms."""

from django.urls import path

from analysis.pages import blur_views, identity_views, marker_views, preview_views, privacy_views
from analysis.pages import result_views as views

app_name = "analysis"
urlpatterns = [
    path("<id:pk>/", views.results, name="results"),
    path("<id:pk>/progress.json", views.progress, name="progress"),
    path("<id:pk>/export.json", views.export_json, name="export_json"),
    path("<id:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<id:pk>/persons/<id:person_id>/thumbnail.jpg", views.thumbnail, name="thumbnail"),
    path("<id:pk>/persons/<id:person_id>/charts.json", views.person_charts_json, name="person_charts"),
    path("<id:pk>/overlay.json", views.overlay_json, name="overlay"),
    path("<id:pk>/blurred/", blur_views.make_copy, name="make_blurred"),
    path("<id:pk>/blurred/progress.json", blur_views.copy_progress, name="blurred_progress"),
    path("<id:pk>/blurred/stream.mp4", blur_views.stream_copy, name="blurred_stream"),
    path("<id:pk>/blurred/played/", blur_views.copy_played, name="blurred_played"),
    path("<id:pk>/blurred/download.mp4", blur_views.download_copy, name="blurred_download"),
    path("<id:pk>/preview/state.json", preview_views.preview_state, name="preview_state"),
    path("<id:pk>/preview/again/", preview_views.make_preview_again, name="make_preview_again"),
    path("<id:pk>/reprocess/", views.reprocess_video, name="reprocess"),
    path("<id:pk>/persons/<id:person_id>/rename/", identity_views.rename_person, name="rename_person"),
    path("<id:pk>/persons/<id:person_id>/merge/", identity_views.merge_person, name="merge_person"),
    path("<id:pk>/persons/<id:person_id>/split/", identity_views.split_person, name="split_person"),
    path("<id:pk>/persons/<id:person_id>/hide/", identity_views.hide_person, name="hide_person"),
    path("<id:pk>/persons/<id:person_id>/calm/", identity_views.calm_stretch, name="calm_stretch"),
    path("<id:pk>/delete-source/", privacy_views.delete_source_page, name="delete_source"),
    path("<id:pk>/persons/<id:person_id>/erase/", privacy_views.erase_person_page, name="erase_person"),
    path("<id:pk>/markers/", marker_views.add_marker, name="add_marker"),
    path("<id:pk>/markers/import/", marker_views.import_markers, name="import_markers"),
    path("<id:pk>/markers/<id:marker_id>/delete/", marker_views.delete_marker, name="delete_marker"),
]
