"""/studies/...: the study pages and their forms and downloads."""

from django.urls import path

from analysis.pages import study_views as views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("<int:pk>/", views.study_detail, name="detail"),
    path("<int:pk>/edit/", views.edit_study, name="edit"),
    path("<int:pk>/delete/", views.delete_study, name="delete"),
    path("<int:pk>/videos/add/", views.add_videos, name="add_videos"),
    path("<int:pk>/videos/<int:video_id>/remove/", views.remove_video, name="remove_video"),
    path("<int:pk>/variables/add/", views.add_variable, name="add_variable"),
    path("<int:pk>/variables/<int:variable_id>/rename/", views.rename_variable, name="rename_variable"),
    path("<int:pk>/variables/<int:variable_id>/delete/", views.delete_variable, name="delete_variable"),
    path("<int:pk>/values/", views.save_values, name="save_values"),
    path("<int:pk>/values/import/", views.import_values, name="import_values"),
    path("<int:pk>/participants/", views.participants_page, name="participants"),
    path("<int:pk>/participants/labels/", views.save_labels, name="save_labels"),
    path("<int:pk>/participants/confirm/", views.confirm_suggestion, name="confirm_suggestion"),
    path("<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/export.json", views.export_json, name="export_json"),
]
