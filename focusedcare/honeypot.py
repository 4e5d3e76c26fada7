"""The honeypot on the public forms: a field people never see or reach (templates/partials/
_honeypot.html) that form-filling robots do. A POST with it filled is refused with the styled
400 before any view runs, so nothing is written and no limit is spent."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

HONEYPOT_FIELD = "website"
logger = logging.getLogger(__name__)


class HoneypotMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        """After the CSRF check (listed after it), so the form was already read once."""
        if request.method == "POST" and request.POST.get(HONEYPOT_FIELD):
            logger.info("Honeypot filled on %s: refused", request.path)
            return render(request, "400.html", status=400)
        return None
