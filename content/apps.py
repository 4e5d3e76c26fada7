from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Site pages"

    def ready(self) -> None:
        from content import (
            checks,  # noqa: F401 - registers the system checks
            signals,
        )

        signals.connect()
