"""What every participant page shares: no sign-in, a Permissions-Policy that lets the page use the camera
and nothing else, 429 when a rate limit is reached, and the link and recording looked up from the URL's
secrets (404 for a wrong, revoked or foreign one)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from analysis.models import SessionLink, SessionRecording
from analysis.sessions.limits import RateLimited
from analysis.sessions.links import link_by_token
from analysis.sessions.recordings import recording_by_key

# Everything a page could ask the browser for, denied, except the camera on this site's own pages.
PERMISSIONS_POLICY = ", ".join(
    ["camera=(self)"]
    + [
        f"{feature}=()"
        for feature in (
            "microphone",
            "geolocation",
            "display-capture",
            "payment",
            "usb",
            "serial",
            "bluetooth",
            "hid",
            "midi",
            "accelerometer",
            "gyroscope",
            "magnetometer",
            "clipboard-read",
            "screen-wake-lock",
            "publickey-credentials-get",
        )
    ]
)


def participant_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_not_required
    @wraps(view)
    def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # the participant's own page, with the same headers: no way into the site from here
            response = render(request, "participants/not_found.html", status=404)
        except RateLimited as limited:
            response = render(request, "participants/limited.html", status=429)
            response["Retry-After"] = str(limited.retry_after_s)
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        # The link's secret never leaves in a Referer to another site ("no-referrer" would also make the
        # browser send "Origin: null" with the page's own forms, which CSRF protection refuses).
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "no-store"
        return response

    return page


def participant_recording(token: str, key: str) -> SessionRecording:
    """The recording of the URL's link and key; 404 unless both match and the link is not revoked."""
    link: SessionLink = link_by_token(token)
    return recording_by_key(link, key)
