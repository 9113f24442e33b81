from django.urls import path

from . import views

app_name = "analysis"
urlpatterns = [
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/export.json", views.export_json, name="export_json"),
    path("<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/persons/<int:person_id>/thumbnail.jpg", views.thumbnail, name="thumbnail"),
    path("<int:pk>/reprocess/", views.reprocess_video, name="reprocess"),
]
