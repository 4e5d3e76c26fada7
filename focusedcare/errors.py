"""The site's 400 and 500 pages. They read nothing of the request (no form, no session, no
database) and skip Django's CSRF step, so a request that broke once cannot break them again."""

from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def server_error(request: HttpRequest) -> HttpResponseServerError:
    return HttpResponseServerError(loader.render_to_string("500.html"))
