"""Whole pages for anonymous visitors, kept in the shared cache until what they show changes.

The key holds the versions of the data the page shows (focusedcare/cache.py), read before the
page is rendered: any save or delete of a service, price, therapist, hours, clinic detail or
page (and, for booking pages, of an appointment) replaces one of them, so the next visitor gets
a page rendered after the write. A page that depends on the time of day (free times) is kept
for the current minute only.

Nothing of one visitor reaches another:
- only requests that carry no cookie but the form token's are answered from, or stored in, the
  cache (staff always have a session: they never get, and never leave, a cached page; a client
  who typed details or carries find-my-massage answers gets pages filled in for them alone);
- a page is stored only when it is a plain 200 that set no cookie, changed no session, queued
  no message and named no signed-in user;
- the per-visit parts are stored as placeholders and each answer gets its own: the CSP nonce
  (a fresh one in the body and, from the CSP middleware, the same one in the header) and the
  form token (a fresh one from this visitor's own CSRF secret, its cookie set as usual). A page
  with a form token left anywhere a placeholder did not replace is not stored.
A cache that is down serves every page uncached.
"""

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from focusedcare.cache import CACHE_ERRORS, CATALOG, CONTENT, kept_once_found, versions

logger = logging.getLogger(__name__)

NONCE_PLACEHOLDER = "__csp_nonce_of_this_response__"
TOKEN_PLACEHOLDER = "__form_token_of_this_response__"  # nosec B105 # a marker, not a secret
SECONDS = 10 * 60  # a ceiling only: edits replace pages at once; `{% now "Y" %}` needs one
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
ANY_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def cached_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    kinds: Iterable[str] = (CATALOG, CONTENT),
    query: Iterable[str] = (),
    per_minute: bool = False,
):
    """The view's anonymous GETs shared through the cache, under the versions of `kinds`.
    `query`: the parameters the view reads; an address with those only (each once) has a copy
    of its own, any other query string is rendered and not kept. `per_minute`: the page shows
    what the clock decides (times still bookable), so a copy serves its minute only."""
    kinds, query = tuple(kinds), frozenset(query)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            key = _key(request, kinds, per_minute) if _may_share(request, query) else None
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

    return decorate if view is None else decorate(view)


def _may_share(request: HttpRequest, query: frozenset[str]) -> bool:
    """An anonymous GET with no cookie but the form token's, and no query string but the view's
    own parameters (any other would only multiply copies of the same page)."""
    if request.method not in ("GET", "HEAD"):
        return False
    if any(name != settings.CSRF_COOKIE_NAME for name in request.COOKIES):
        return False
    return all(name in query and len(values) == 1 for name, values in request.GET.lists())


def _key(request: HttpRequest, kinds: tuple[str, ...], per_minute: bool) -> str | None:
    current = versions(*kinds)
    if current is None:
        return None  # the cache is down: render, keep nothing
    minute = int(timezone.now().timestamp() // 60) if per_minute else ""
    address = urlencode(sorted(request.GET.items()))
    # Host and scheme: the canonical link and structured data name them. Hashed: an address
    # of any length or alphabet makes a short key of safe characters.
    where = f"{request.scheme}://{request.get_host()}{request.path}?{address}"
    return f"page:{':'.join(current)}:{minute}:{hashlib.sha256(where.encode()).hexdigest()}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    queued = getattr(request, "_messages", None)
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")  # never_cache, private...: as it says
        and not (session is not None and session.modified)
        and not (queued is not None and len(queued))
        and not (user is not None and user.is_authenticated)
    )


def _write(key: str, request: HttpRequest, response: HttpResponse) -> None:
    body = _with_placeholders(request, response.content.decode(response.charset))
    if body is None:
        return
    headers = [(k, v) for k, v in response.items() if k.lower() != "content-length"]
    stored = {"headers": headers, "body": body}
    try:
        cache.set(key, stored, SECONDS)
    except CACHE_ERRORS as error:
        logger.warning("Page not cached, the cache is down: %s", error)


def _with_placeholders(request: HttpRequest, body: str) -> str | None:
    """The page with this visit's nonce and form tokens as placeholders, or None when a token
    is left that no placeholder replaced (then the page is not kept)."""
    nonce = get_nonce(request)
    if nonce:  # generated while rendering: it is this response's alone
        body = body.replace(str(nonce), NONCE_PLACEHOLDER)
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return body  # no form token was rendered
    for token in set(FORM_TOKEN.findall(body)):
        body = body.replace(token, TOKEN_PLACEHOLDER)
    secret = request.META.get("CSRF_COOKIE", "")
    if not secret or any(_unmask_cipher_token(t) == secret for t in ANY_TOKEN.findall(body)):
        logger.warning("Page not cached: a form token outside a form field on %s", request.path)
        return None
    return body


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
    if TOKEN_PLACEHOLDER in body:
        # This visitor's own token; the CSRF middleware sets its cookie when they have none.
        body = body.replace(TOKEN_PLACEHOLDER, get_token(request))
    response = HttpResponse(body)
    for name, value in stored["headers"]:
        response[name] = value
    patch_vary_headers(response, ["Cookie"])
    return response
