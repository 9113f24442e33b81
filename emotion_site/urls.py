from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="videos:list", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("videos/", include("analysis.pages.video_urls")),
    path("videos/", include("analysis.pages.urls")),
    path("studies/", include("analysis.pages.study_urls")),
    path("api/", include("analysis.api.urls")),
    # django-rq's dashboard; its views require staff.
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
