"""A fixed-window rate limit counted in the shared cache, so it holds across app servers."""

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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


def over_limit(scope: str, request: HttpRequest, rate: str) -> bool:
    """Counts this attempt; True once the address has made more than the rate allows in the
    current window. add() then incr() is atomic in Redis and in the local-memory cache."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{client_address(request)}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count > limit
