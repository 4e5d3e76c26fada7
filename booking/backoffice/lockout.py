"""The page a staff login gets while django-axes has it locked out (settings: AXES_*)."""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with the wait in minutes, on the site's own styled page."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(request, "lockout.html", {"minutes": minutes}, status=429)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response


class StaffLoginBackend(AxesStandaloneBackend):
    """Axes' check, before Django's own backend: refuses a locked-out login. A login without a
    request (a management command, a script) has no address to lock, so it is not checked."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
