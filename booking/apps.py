from django.apps import AppConfig
from django.db.models.signals import post_save


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Clinic and booking"

    def ready(self) -> None:
        from booking import signals

        signals.connect()

        from booking.images import render_after_save
        from booking.models import Clinic, Therapist

        post_save.connect(
            render_after_save("photo", "portrait"),
            sender=Therapist,
            weak=False,
            dispatch_uid="therapist-photo",
        )
        post_save.connect(
            render_after_save("hero_image", "hero"),
            sender=Clinic,
            weak=False,
            dispatch_uid="clinic-hero",
        )
