"""Requests the site cannot read get the styled 400 page before anything else reads them."""

import codecs
import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from focusedcare.errors import bad_request

logger = logging.getLogger("django.security")

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
READABLE_CHARSETS = {"utf-8", "ascii"}  # codecs' own names: "UTF8", "us-ascii"... match too
# Django's refusals while parsing; OSError: the client hung up mid-body (UnreadablePostError).
UNREADABLE = (BadRequest, SuspiciousOperation, MultiPartParserError, UnicodeDecodeError, OSError)


class TolerantRequest(WSGIRequest):
    """gunicorn's request (see wsgi.py): a Content-Type header Django cannot parse (an unknown
    RFC 2231 charset) raises while the request is built, before any middleware could answer;
    here it is kept as unreadable, and the middleware below answers 400."""

    def _set_content_type_params(self, meta: dict) -> None:
        try:
            super()._set_content_type_params(meta)
        except BadRequest:
            self.content_type, self.content_params = "", {}
            self.unreadable_content_type = True


class UnreadableRequestMiddleware:
    """Before CsrfViewMiddleware: the address and the posted form are parsed here, once; a form
    in another charset than UTF-8, a body that is not UTF-8, malformed multipart, too many
    fields or too large a body answers 400 here, instead of raising later in the CSRF check,
    again in Django's own error pages (which read the form for a CSRF token), and then as
    gunicorn's bare 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = unreadable(request)
        if problem:
            # Never the content: a form may hold health answers.
            logger.warning("Refused an unreadable request to %s: %s", request.path, problem)
            return bad_request(request)
        return self.get_response(request)


def unreadable(request: HttpRequest) -> str:
    """Why the request's address or form cannot be read, or "" when they can."""
    if getattr(request, "unreadable_content_type", False):
        return "unparseable Content-Type"
    try:
        request.GET  # noqa: B018 - parsed now: too many fields raises here, not in a view
        if request.method != "POST" or request.content_type not in FORM_TYPES:
            return ""
        charset = request.content_params.get("charset")
        if charset is not None:
            try:
                name = codecs.lookup(charset).name
            except LookupError:
                return f"unknown charset {charset[:40]!r}"
            if name not in READABLE_CHARSETS:
                return f"charset {name}"
        request.POST  # noqa: B018
        request.FILES  # noqa: B018
        if request.content_type == "application/x-www-form-urlencoded":
            # Django would read undecodable bytes as Latin-1 and store mojibake.
            request.body.decode("utf-8")
    except UNREADABLE as error:
        return type(error).__name__
    return ""
