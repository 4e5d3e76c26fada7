"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "focusedcare.settings")
application = get_wsgi_application()

from focusedcare.middleware import TolerantRequest  # noqa: E402 - needs the settings loaded

application.request_class = TolerantRequest
