"""The site's 400 and 404 answers: JSON with a message under /api/, Django's pages elsewhere.

They answer what no API view does: a URL under /api/ that matches no route, and a request Django refuses
before any view runs (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed header).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        message = str(exception) if exception is not None and str(exception) else "Bad request."
        return JsonResponse({"detail": message}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
