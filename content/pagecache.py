"""Whole pages for anonymous visitors, kept in the shared cache until staff change what they show.

The key holds the catalog and content versions (focusedcare/cache.py), read before the page is
rendered: any save or delete of a service, price, therapist, hours, clinic detail or page
replaces one of them, so the next visitor gets a page rendered after the edit.

Nothing of one visitor reaches another:
- only requests without a session or messages cookie are answered from, or stored in, the
  cache (staff always have a session: they never get, and never leave, a cached page);
- a page is stored only when it is a plain 200 that set no cookie, used no CSRF token, changed
  no session and queued no message;
- the CSP nonce is stored as a placeholder and each answer gets its own: a fresh nonce in the
  body and, from the CSP middleware, the same one in the header.
A cache that is down serves every page uncached.
"""

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils.cache import patch_vary_headers

from focusedcare.cache import CACHE_ERRORS, CATALOG, CONTENT, kept_once_found, versions

logger = logging.getLogger(__name__)

NONCE_PLACEHOLDER = "__csp_nonce_of_this_response__"
SECONDS = 10 * 60  # a ceiling only: edits replace pages at once; `{% now "Y" %}` needs one


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = _key(request) if _may_share(request) else None
        if key is not None:
            stored = _read(key)
            if stored is not None:
                return _answer(request, stored)
        response = view(request, *args, **kwargs)
        if key is not None and request.method == "GET" and _storable(request, response):
            _write(key, request, response)
            patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


def _may_share(request: HttpRequest) -> bool:
    """An anonymous GET of the page itself: no cookie that could make it someone's own, and no
    query string (it would only multiply copies of the same page)."""
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
    )


def _key(request: HttpRequest) -> str | None:
    current = versions(CATALOG, CONTENT)
    if current is None:
        return None  # the cache is down: render, keep nothing
    # Host and scheme: the canonical link and structured data name them.
    return f"page:{':'.join(current)}:{request.scheme}://{request.get_host()}{request.path}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    queued = getattr(request, "_messages", None)
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")  # never_cache, private...: as it says
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form token was rendered
        and not (session is not None and session.modified)
        and not (queued is not None and len(queued))
        and not (user is not None and user.is_authenticated)
    )


def _write(key: str, request: HttpRequest, response: HttpResponse) -> None:
    body = response.content.decode(response.charset)
    nonce = get_nonce(request)
    if nonce:  # generated while rendering: it is this response's alone
        body = body.replace(str(nonce), NONCE_PLACEHOLDER)
    headers = [(k, v) for k, v in response.items() if k.lower() != "content-length"]
    stored = {"headers": headers, "body": body}
    try:
        cache.set(key, stored, SECONDS)
    except CACHE_ERRORS as error:
        logger.warning("Page not cached, the cache is down: %s", error)


def _read(key: str) -> dict | None:
    """The stored page; after its first hit, from this process's own copy (no round trip, no
    unpickling of the page on every visit)."""
    return kept_once_found(("page", key), lambda: _read_shared(key))


def _read_shared(key: str) -> dict | None:
    try:
        return cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("Page cache unreadable, rendering anew: %s", error)
        return None


def _answer(request: HttpRequest, stored: dict) -> HttpResponse:
    body = stored["body"]
    if NONCE_PLACEHOLDER in body:
        # Generating it here makes the CSP middleware put the same one in the header.
        nonce = get_nonce(request)
        body = body.replace(NONCE_PLACEHOLDER, "" if nonce is None else str(nonce))
    response = HttpResponse(body)
    for name, value in stored["headers"]:
        response[name] = value
    patch_vary_headers(response, ["Cookie"])
    return response
