"""The front desk in a real Chromium: the day calendar, a phone booking, a completed session."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Appointment, Client, Therapist
from tests.e2e.conftest import log_in
from tests.factories import AppointmentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def test_front_desk_books_a_phone_client_from_the_day_view_and_completes_a_session(
    page, site, front_desk
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    maria = Therapist.objects.get(slug="maria-alvarez")
    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() > 4:  # Maria works Monday to Friday
        day += timedelta(days=1)
    earlier = AppointmentFactory(
        therapist=maria,
        option=maria.services.first().options.first(),
        start=timezone.now() - timedelta(hours=3),
        client=Client.objects.create(name="Walk Past", email="past@example.com", phone="1"),
    )
    log_in(page, site, *front_desk)

    page.goto(f"{site}/admin/calendar/?date={day.isoformat()}")
    page.screenshot(path=SCREENSHOTS / "admin-day.png", full_page=True)
    slot = page.locator(f'td.fc-free a[href*="therapist={maria.pk}&start={day.isoformat()}T11:00"]')
    slot.click()
    page.fill("#id_client_name", "Phone Caller")
    page.fill("#id_client_email", "caller@example.com")
    page.fill("#id_client_phone", "717-555-0160")
    page.select_option(
        "#id_option", value=str(maria.services.order_by("order").first().options.first().pk)
    )
    page.click("input[type=submit][value=Book]")
    expect(page.locator(".messagelist")).to_contain_text("Booked Phone Caller with Maria Alvarez")
    expect(page.locator("td.fc-appt", has_text="Phone Caller")).to_be_visible()  # back on the day

    booked = Appointment.objects.get(client__email="caller@example.com")
    assert booked.therapist == maria
    assert timezone.localtime(booked.start).strftime("%Y-%m-%d %H:%M") == f"{day} 11:00"
    page.goto(f"{site}/admin/calendar/?date={day.isoformat()}")
    expect(page.locator("td.fc-appt", has_text="Phone Caller")).to_be_visible()
    page.goto(f"{site}/admin/calendar/therapist/{maria.pk}/?date={day.isoformat()}")
    page.screenshot(path=SCREENSHOTS / "admin-week.png", full_page=True)

    page.goto(f"{site}/admin/booking/appointment/?q=past%40example.com")
    page.click(f'#result_list a[href*="/appointment/{earlier.pk}/change/"]')
    page.click("button:has-text('Completed')")
    expect(page.locator(".messagelist")).to_contain_text("Marked completed")
    earlier.refresh_from_db()
    assert earlier.status == "completed"
