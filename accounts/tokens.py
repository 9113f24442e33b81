"""The API token page: one DRF token per user, created (its key shown once) and revoked here."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token


def _page(request: HttpRequest, new_key: str | None = None) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/tokens.html", {"token": token, "new_key": new_key})


@require_GET
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@never_cache  # the response carries the key: no cache may keep it
def create_token(request: HttpRequest) -> HttpResponse:
    if Token.objects.filter(user=request.user).exists():
        messages.info(request, "You already have a token. Revoke it first to get a new one.")
        return redirect("api_tokens")
    token = Token.objects.create(user=request.user)
    # Rendered in this response, not redirected through the session or a message cookie:
    # the key is shown this once and stored nowhere but the token table.
    return _page(request, new_key=token.key)


@require_POST
def revoke_token(request: HttpRequest) -> HttpResponse:
    deleted, _ = Token.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, "Your API token was revoked; scripts using it now get 401.")
    return redirect("api_tokens")
