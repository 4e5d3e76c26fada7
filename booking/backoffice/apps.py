from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "booking.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        from booking.backoffice.roles import sync_roles

        # Listed last in INSTALLED_APPS, so every app's permissions exist by the time it runs.
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="backoffice_sync_roles")
