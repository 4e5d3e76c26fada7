"""The clinic this installation serves: Focused Care in Lancaster, PA. The owner edits the
details in admin; the street address and phone are placeholders until then."""

import datetime

from django.db import migrations

WEEK = [
    (0, "09:00", "19:00"),
    (1, "09:00", "19:00"),
    (2, "09:00", "19:00"),
    (3, "09:00", "19:00"),
    (4, "09:00", "17:00"),
    (5, "09:00", "14:00"),
]


def create_clinic(apps, schema_editor):
    Clinic = apps.get_model("booking", "Clinic")
    OpeningHours = apps.get_model("booking", "OpeningHours")
    if Clinic.objects.exists():
        return
    clinic = Clinic.objects.create(
        name="Focused Care Therapeutic Massage",
        tagline="Therapeutic massage for back pain in Lancaster, PA. Every session starts with assessment.",
        street_address="123 East King Street",
        locality="Lancaster",
        region="PA",
        postal_code="17602",
        country="US",
        phone="(717) 555-0142",
        email="hello@focusedcare.example",
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(
            clinic=clinic,
            weekday=day,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
        for day, opens, closes in WEEK
    )


def remove_clinic(apps, schema_editor):
    apps.get_model("booking", "Clinic").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial_catalog")]

    operations = [migrations.RunPython(create_clinic, remove_clinic)]
