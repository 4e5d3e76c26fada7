"""The site's URLs plus /bench/bare/: the least a Django view can do, behind the same
middleware in the same process, so each page is measured as a share of that ceiling."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("focusedcare.urls")),
]
