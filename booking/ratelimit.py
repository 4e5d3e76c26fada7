"""Abuse limits, counted in the shared cache so they hold across app servers (Redis).

Each limit is a sliding window kept as ten slices of the window: a use is counted for at least
one whole window and at most 1.1 windows, so no stretch of one window ever holds more uses than
the limit (a fixed window lets twice the limit through across its edge). A refused use is not
counted, so steady tries get the limit per window, no more and no fewer.

When the cache cannot count, a `strict` limit (one that guards a secret: gift codes) refuses
with 503; the others let the request through and log it, so bookings go on during an outage.
"""

import hashlib
import logging
import math
import re
import time
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from focusedcare.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SLICES = 10


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" -> (10, 3600); also "5/m", "100/d", "3/30s"."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate)
    if not match:
        raise ValueError(f"A rate looks like 10/h, not {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * UNITS[unit]


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with PROXY_COUNT proxies in front, the address the first of them saw."""
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Limit:
    """A limit on one kind of use, per identity (a client address, an email); its rate is the
    setting named `setting` ("10/h")."""

    scope: str
    setting: str
    message: str
    strict: bool = False
    unavailable: str = ""

    @property
    def rate(self) -> tuple[int, int]:
        return parse_rate(getattr(settings, self.setting))


CALL_US = "Please try again later, or call the clinic and we will help you by phone."
GIFT_CODES = Limit(
    "gift-code",
    "GIFT_BALANCE_RATE",
    message=(
        "Too many gift certificate codes were tried from your connection. Please wait a while, "
        "book without the code, or call the clinic."
    ),
    strict=True,
    unavailable=(
        "We can't check gift certificate codes right now. Please try again in a few minutes, "
        "book without the code, or call the clinic."
    ),
)
BOOKINGS_PER_ADDRESS = Limit(
    "booking-address",
    "BOOKING_RATE_PER_ADDRESS",
    message=f"Too many bookings were made from your connection in a short time. {CALL_US}",
)
BOOKINGS_PER_EMAIL = Limit(
    "booking-email",
    "BOOKING_RATE_PER_EMAIL",
    message=f"Too many bookings were made with this email address in a short time. {CALL_US}",
)
GIFT_ORDERS_PER_ADDRESS = Limit(
    "gift-order-address",
    "GIFT_ORDER_RATE_PER_ADDRESS",
    message=f"Too many gift certificates were ordered from your connection. {CALL_US}",
)
GIFT_EMAILS_PER_ADDRESS = Limit(
    "gift-email-address",
    "GIFT_EMAIL_RATE_PER_ADDRESS",
    message=(
        "Too many gift certificates were sent to other people from your connection. You can "
        f"send this one to yourself instead. {CALL_US}"
    ),
)


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: 429 over a limit, 503 when a strict limit can't be counted."""

    status: int
    message: str
    retry_after: int

    def apply(self, response: HttpResponse) -> HttpResponse:
        response.status_code = self.status
        response["Retry-After"] = str(self.retry_after)
        return response


def _keys(limit: Limit, identity: str, now: float) -> tuple[list[str], float]:
    """The keys of the slices the window covers, oldest first, the current one last."""
    _, window = limit.rate
    width = window / SLICES
    current = int(now // width)
    who = hashlib.sha256(identity.strip().lower().encode()).hexdigest()[:32]
    keys = [f"ratelimit:{limit.scope}:{who}:{n}" for n in range(current - SLICES, current + 1)]
    return keys, width


def _count(key: str, timeout: int) -> None:
    """One more use in this slice: add() then incr() is atomic in Redis and in local memory."""
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)


def _retry_after(counts: list[int], allowed: int, width: float, first: int, now: float) -> int:
    """Seconds until enough of the oldest slices leave the window for one more use."""
    excess = sum(counts) - allowed + 1
    for offset, count in enumerate(counts):
        excess -= count
        if excess <= 0:
            leaves = (first + offset + SLICES + 1) * width
            return max(1, math.ceil(leaves - now))
    return max(1, math.ceil(width * (SLICES + 1)))


def take(*uses: tuple[Limit, str], now: float | None = None) -> Refusal | None:
    """Counts one use of each (limit, identity); when any is over its limit, none is counted
    and the first refusal is returned. None: go ahead."""
    now = time.time() if now is None else now
    plans = [(limit, limit.rate, *_keys(limit, identity, now)) for limit, identity in uses]
    counted: list[str] = []
    try:
        for limit, (allowed, window), keys, width in plans:
            _count(keys[-1], timeout=math.ceil(window + 2 * width) + 5)
            counted.append(keys[-1])
            found = cache.get_many(keys)
            counts = [int(found.get(key, 0)) for key in keys]
            if sum(counts) > allowed:
                for key in counted:
                    with suppress(ValueError):  # expired meanwhile: nothing left to undo
                        cache.decr(key)
                counts[-1] -= 1
                first = int(now // width) - SLICES
                retry = _retry_after(counts, allowed, width, first, now)
                return Refusal(status=429, message=limit.message, retry_after=retry)
    except CACHE_ERRORS as error:
        logger.warning("Abuse limits could not be counted (%s): %s", type(error).__name__, error)
        strict = [limit for limit, _ in uses if limit.strict]
        if strict:
            return Refusal(status=503, message=strict[0].unavailable, retry_after=60)
    return None
