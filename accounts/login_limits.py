"""Sign-in attempts, counted in Django's cache per (client address, username) pair and per address.

Within LOGIN_LOCKOUT_S of the first attempt, LOGIN_MAX_FAILURES wrong passwords for one username from
one address lock that pair out, and LOGIN_MAX_FAILURES_PER_ADDRESS wrong passwords from one address,
whatever the usernames, lock that address out; each lock lasts LOGIN_LOCKOUT_S from the failure that
reached the limit, and sign-in is then refused without checking the password. IPv6 addresses count
by their /64 (one host usually has a whole /64 to pick from); an unparsable address counts as itself.

There is no lock on a username alone: it would let anyone keep anyone (the admin included) locked out
by sending a few wrong passwords every LOGIN_LOCKOUT_S. A guesser spread over many addresses is still
bounded per address: LOGIN_MAX_FAILURES guesses at each username, LOGIN_MAX_FAILURES_PER_ADDRESS in
all, per LOGIN_LOCKOUT_S. The per-address limit is higher so that one person's typos do not lock out
a whole office or NAT behind the same address.

Race-safe: an attempt first reserves its place, an atomic increment of both counts, and is refused
when that takes either past its limit, so a burst of parallel guesses cannot all be checked before
the failures are counted. A wrong password keeps the reservation. Anything else gives it back: a
success clears the pair's count and takes one off the address's (so an office signing in all day
never locks itself out), and so does a right password for a user who may not sign in there (inactive,
or not staff at /admin/).

With the cache (Redis) unreachable, sign-in goes on unlimited rather than failing for everyone.
"""

import hashlib
import ipaddress
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
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


def counted_address(address: str) -> str:
    """What the limits count as one address: an IPv6 address's /64, an IPv4 address (IPv4-mapped IPv6
    included) as itself, anything unparsable as itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:  # a dual-stack socket's view of an IPv4 client: not all in ::ffff:0:0/64
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))  # int(): drops any %zone
    return str(ip)


def _hash(value: object) -> str:
    # Cache keys must be short and free of spaces and control characters whatever was typed.
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()


def _counter_keys(request: HttpRequest, username: str) -> tuple[str, str]:
    address = counted_address(client_address(request))
    user = username.strip().casefold()
    return f"login-attempts:pair:{_hash([address, user])}", f"login-attempts:address:{_hash(address)}"


def _lock_key(counter_key: str) -> str:
    return f"{counter_key}:locked-until"


def _locked_for_s(*counter_keys: str) -> int:
    locks = cache.get_many([_lock_key(key) for key in counter_keys])
    now = time.time()
    return max([0, *(math.ceil(until - now) for until in locks.values())])


def _take_place(key: str, window_s: int) -> int:
    for _ in range(3):
        cache.add(key, 0, timeout=window_s)  # the first attempt starts the window; incr keeps its expiry
        try:
            count = cache.incr(key)  # atomic: parallel attempts each get a place of their own
        except ValueError:  # the window ended between add and incr: start the next one
            continue
        if count == 1:
            # Django's incr is "exists, then INCR": had the key expired in between, INCR made a new one
            # without expiry. This attempt starts the window either way.
            cache.touch(key, window_s)
        return count
    raise RuntimeError(f"Could not count a sign-in attempt under {key}")


def _give_place_back(key: str) -> None:
    try:
        if cache.decr(key) < 0:  # the window ended in between and DECR made a key without expiry
            cache.delete(key)
    except ValueError:  # the window ended: nothing left to give back
        pass


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt's reservation. retry_after_s > 0: refused, nothing reserved; no keys: the
    cache was unreachable, so nothing is counted."""

    pair_key: str = ""
    address_key: str = ""
    pair_count: int = 0
    address_count: int = 0
    retry_after_s: int = 0

    @fail_open(None)
    def failed(self) -> None:
        """A wrong username or password: the reservation stays, and a count at its limit locks out."""
        if not self.pair_key:
            return
        lockout_s = settings.LOGIN_LOCKOUT_S
        until = time.time() + lockout_s
        if self.pair_count >= settings.LOGIN_MAX_FAILURES:
            cache.set(_lock_key(self.pair_key), until, timeout=lockout_s)
        if self.address_count >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS:
            cache.set(_lock_key(self.address_key), until, timeout=lockout_s)

    @fail_open(None)
    def succeeded(self) -> None:
        """Signed in: the pair starts afresh, and the address's count is as if this never happened."""
        if not self.pair_key:
            return
        cache.delete(self.pair_key)
        _give_place_back(self.address_key)

    @fail_open(None)
    def give_back(self) -> None:
        """Not a wrong password (the user may not sign in here, or something broke): not counted."""
        if not self.pair_key:
            return
        _give_place_back(self.pair_key)
        _give_place_back(self.address_key)


UNLIMITED = Attempt()


@fail_open(UNLIMITED)
def reserve(request: HttpRequest, username: str) -> Attempt:
    """Counts this attempt before its password is checked; refused (retry_after_s > 0) while the pair
    or the address is locked out, or when the attempts already under way take its place."""
    pair_key, address_key = _counter_keys(request, username)
    if retry_after_s := _locked_for_s(pair_key, address_key):
        return Attempt(retry_after_s=retry_after_s)
    window_s = settings.LOGIN_LOCKOUT_S
    address_count = _take_place(address_key, window_s)
    pair_count = _take_place(pair_key, window_s)
    attempt = Attempt(pair_key, address_key, pair_count, address_count)
    if pair_count > settings.LOGIN_MAX_FAILURES or address_count > settings.LOGIN_MAX_FAILURES_PER_ADDRESS:
        attempt.give_back()  # a refusal checks no password, so it costs nothing
        # The places are held by attempts under way; those that fail lock out for LOGIN_LOCKOUT_S from about now.
        return Attempt(retry_after_s=_locked_for_s(pair_key, address_key) or window_s)
    return attempt
