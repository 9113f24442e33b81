from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from videos.ids import IdConverter

# JSON under /api/ for what no API view answers (an unknown path, a body too large), pages elsewhere.
handler400 = "analysis.api.errors.bad_request"
handler404 = "analysis.api.errors.page_not_found"

# `<id:pk>` in every app's URLs: ids within the database's integers (a larger one is 404, not a 500).
register_converter(IdConverter, "id")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="videos:list", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("videos/", include("analysis.pages.video_urls")),
    path("videos/", include("analysis.pages.urls")),
    path("studies/", include("analysis.pages.study_urls")),
    path("api/", include("analysis.api.urls")),
    # Participant sessions: no account; the link's token and the recording's key are the credentials.
    path("p/", include("analysis.pages.participant_urls")),
    # django-rq's dashboard; its views require staff.
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
