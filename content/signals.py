"""Every write to the site's own pages replaces the content version (focusedcare/cache.py), so
no cached page shows words older than the owner's last edit."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from focusedcare.cache import CONTENT, bump


def changed(sender, **kwargs) -> None:
    bump(CONTENT)


def connect() -> None:
    for model in apps.get_app_config("content").get_models():
        post_save.connect(changed, sender=model)
        post_delete.connect(changed, sender=model)
