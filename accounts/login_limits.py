"""Failed sign-ins, counted in Django's cache by client address and by username.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_S (counted from the first), that address or
username is locked out for LOGIN_LOCKOUT_S: sign-in is refused without checking the password. A
success clears the username's count, not the address's: one account of one's own must not reset
the count of guesses at others'.
"""

import hashlib
import logging
import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger(__name__)


def fail_open(default):
    """With the cache (Redis) down, sign-in goes on unlimited rather than failing for everyone."""

    def decorate(function: Callable) -> Callable:
        @wraps(function)
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:
                log.warning("Sign-in limits skipped: the cache is unreachable", exc_info=True)
                return default

        return guarded

    return decorate


def client_address(request: HttpRequest) -> str:
    # Behind the HTTPS reverse proxy (HTTPS=1, see settings) every request comes from the proxy: the
    # client is the address the proxy appended last to X-Forwarded-For.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.HTTPS and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _counter_keys(request: HttpRequest, username: str) -> tuple[str, str]:
    # Hashed: cache keys must be short and free of spaces and control characters whatever was typed.
    address = hashlib.sha256(client_address(request).encode()).hexdigest()
    user = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return f"login-failures:address:{address}", f"login-failures:user:{user}"


def _lock_key(counter_key: str) -> str:
    return f"{counter_key}:locked-until"


@fail_open(0)
def retry_after_s(request: HttpRequest, username: str) -> int:
    """Seconds until this address and username may try again; 0 when neither is locked out."""
    locks = cache.get_many([_lock_key(key) for key in _counter_keys(request, username)])
    now = time.time()
    return max([0, *(math.ceil(until - now) for until in locks.values())])


@fail_open(None)
def record_failure(request: HttpRequest, username: str) -> None:
    lockout_s = settings.LOGIN_LOCKOUT_S
    for key in _counter_keys(request, username):
        cache.add(key, 0, timeout=lockout_s)  # starts the window; incr keeps its expiry
        try:
            failures = cache.incr(key)  # atomic, so parallel guesses are all counted
        except ValueError:  # the window ended between add and incr
            failures = 1
            cache.set(key, failures, timeout=lockout_s)
        if failures >= settings.LOGIN_MAX_FAILURES:
            cache.set(_lock_key(key), time.time() + lockout_s, timeout=lockout_s)


@fail_open(None)
def record_success(request: HttpRequest, username: str) -> None:
    _, user_key = _counter_keys(request, username)
    cache.delete(user_key)
