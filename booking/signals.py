"""Every write to the booking models replaces the version of what it changes (focusedcare/
cache.py): the catalog (what the public pages and free slots show), the appointments (who is
booked when), or the records the back office's calendar shows with them (clients, intakes).
Emails, gift certificates and care (session records, addenda, plans, the access log) change
none."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from focusedcare.cache import APPOINTMENTS, CATALOG, RECORDS, bump

# Booking models no page and no free slot is computed from.
PRIVATE = {
    "outboundemail",
    "giftcertificate",
    "giftledgerentry",
    "processedstripeevent",
    "sessionrecord",
    "sessionaddendum",
    "treatmentplan",
    "accesslog",
}


def kinds_changed_by(model_name: str) -> tuple[str, ...]:
    """What a write to this booking model changes. A model added later counts as catalog until
    listed otherwise: a page is never stale for want of a line here."""
    name = model_name.lower().removeprefix("historical")
    if model_name.lower().startswith("historical") or name in PRIVATE:
        return ()  # the history rows come with a write already counted
    if name == "appointment":
        return (APPOINTMENTS,)
    if name in ("client", "intake"):
        return (RECORDS,)
    return (CATALOG,)


def connect() -> None:
    """Per model, never for every sender: Django keeps fast deletes for the others."""
    for model in apps.get_app_config("booking").get_models():
        kinds = kinds_changed_by(model.__name__)
        if not kinds:
            continue
        receiver = _receiver(kinds)
        post_save.connect(receiver, sender=model, weak=False)
        post_delete.connect(receiver, sender=model, weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(receiver, sender=field.remote_field.through, weak=False)


def _receiver(kinds: tuple[str, ...]):
    def changed(sender, **kwargs) -> None:
        bump(*kinds)

    return changed
