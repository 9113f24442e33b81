"""/studies/...: the study pages and their forms and downloads."""

from django.urls import path

from analysis.pages import session_link_views as sessions
from analysis.pages import study_views as views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("<id:pk>/", views.study_detail, name="detail"),
    path("<id:pk>/edit/", views.edit_study, name="edit"),
    path("<id:pk>/delete/", views.delete_study, name="delete"),
    path("<id:pk>/videos/add/", views.add_videos, name="add_videos"),
    path("<id:pk>/videos/<id:video_id>/remove/", views.remove_video, name="remove_video"),
    path("<id:pk>/variables/add/", views.add_variable, name="add_variable"),
    path("<id:pk>/variables/<id:variable_id>/rename/", views.rename_variable, name="rename_variable"),
    path("<id:pk>/variables/<id:variable_id>/delete/", views.delete_variable, name="delete_variable"),
    path("<id:pk>/values/", views.save_values, name="save_values"),
    path("<id:pk>/values/import/", views.import_values, name="import_values"),
    path("<id:pk>/participants/", views.participants_page, name="participants"),
    path("<id:pk>/participants/labels/", views.save_labels, name="save_labels"),
    path("<id:pk>/participants/confirm/", views.confirm_suggestion, name="confirm_suggestion"),
    path("<id:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<id:pk>/export.json", views.export_json, name="export_json"),
    path("<id:pk>/sessions/add/", sessions.create_link, name="create_session_link"),
    path("<id:pk>/sessions/<id:link_id>/", sessions.link_detail, name="session_link"),
    path("<id:pk>/sessions/<id:link_id>/edit/", sessions.update_link, name="update_session_link"),
    path("<id:pk>/sessions/<id:link_id>/state/", sessions.set_link_state, name="session_link_state"),
]
