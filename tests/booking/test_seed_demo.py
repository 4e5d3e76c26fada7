"""`seed_demo` builds the demo clinic once; running it again changes nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from booking.models import (
    Appointment,
    OutboundEmail,
    Service,
    ServiceOption,
    Therapist,
    WorkingHours,
)

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> list:
    return [
        list(Service.objects.values_list("slug", "name", "summary", "order")),
        list(ServiceOption.objects.values_list("service__slug", "duration_minutes", "price")),
        list(Therapist.objects.values_list("slug", "name", "bio")),
        list(Therapist.services.through.objects.values_list("therapist__slug", "service__slug")),
        list(get_user_model().objects.values_list("username", "password")),
        list(WorkingHours.objects.values_list("therapist__slug", "weekday", "starts", "ends")),
        list(Appointment.objects.values_list("client__email", "therapist__slug", "start")),
    ]


def test_seed_demo_creates_the_guides_four_services_with_60_and_90_minutes_and_three_therapists():
    seed()

    assert set(Service.objects.values_list("slug", flat=True)) == {
        "deep-tissue-myoskeletal-alignment",
        "hot-stone-therapy",
        "cupping-therapy",
        "sciatica-piriformis-release",
    }
    for service in Service.objects.all():
        assert sorted(service.options.values_list("duration_minutes", flat=True)) == [60, 90]
        assert service.therapists.exists()
    assert Therapist.objects.count() == 3
    assert all(t.bio and t.specialties_list for t in Therapist.objects.all())
    assert all(t.working_hours.exists() for t in Therapist.objects.all())


def test_seed_demo_books_a_few_appointments_through_the_booking_rules_without_emailing():
    seed()

    assert Appointment.objects.count() == 5
    assert Appointment.objects.filter(start__lte=timezone.now()).count() == 0
    assert not OutboundEmail.objects.exists()


def test_seed_demo_prints_the_owner_password_once_and_it_logs_in(client):
    first = seed()
    second = seed()

    password = first.split("password '")[1].split("'")[0]
    assert "password" not in second
    assert client.login(username="owner", password=password)
    assert client.get("/admin/").status_code == 200


def test_running_seed_demo_twice_changes_nothing():
    seed()
    before = snapshot()

    seed()

    assert snapshot() == before


def test_seed_demo_keeps_what_the_owner_changed():
    seed()
    Service.objects.filter(slug="cupping-therapy").update(name="Cupping")

    seed()

    assert Service.objects.get(slug="cupping-therapy").name == "Cupping"
