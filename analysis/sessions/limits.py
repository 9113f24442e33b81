"""Rate limits of the participant pages, counted in Django's cache (Redis): a fixed window per key.

Participants have no account, so what is counted is the client address (its /64 for IPv6, as sign-in's
limits count it) per link, and each link as a whole. With the cache unreachable the pages go on
unlimited rather than refusing every participant.
"""

import hashlib
import logging

from django.core.cache import cache
from django.http import HttpRequest

from accounts.login_limits import client_address, counted_address

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many requests: the view answers 429 with Retry-After."""

    def __init__(self, retry_after_s: int):
        super().__init__("Too many requests: wait a little and try again.")
        self.retry_after_s = retry_after_s


def address_of(request: HttpRequest) -> str:
    return counted_address(client_address(request))


def take(name: str, parts: tuple, limit: int, window_s: int) -> None:
    """Count one more event of `name` for `parts` in the current window; RateLimited past `limit`."""
    key = "participant-limit:" + hashlib.sha256(repr((name, parts)).encode()).hexdigest()
    try:
        cache.add(key, 0, timeout=window_s)
        count = cache.incr(key)
    except Exception:
        log.warning("Participant limits skipped: the cache is unreachable", exc_info=True)
        return
    if count > limit:
        raise RateLimited(window_s)
