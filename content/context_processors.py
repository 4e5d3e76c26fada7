"""What every page's header, footer and structured data need."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from booking.selectors import current_clinic


def site(request: HttpRequest) -> dict:
    return {"clinic": SimpleLazyObject(current_clinic), "source_url": settings.SOURCE_URL}
