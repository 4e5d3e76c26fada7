"""The care loop in a real Chromium: the therapist records a session and writes a plan in the
back office; the client opens the plan from its email and rebooks from it."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Appointment, Client, Intake, OutboundEmail, SessionRecord, Therapist
from booking.services.emails import enqueue_due_aftercare
from tests.factories import AppointmentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTE = "Left QL and piriformis hypertonic; SLR limited on the left"


def suggested_interval(session: Appointment) -> int:
    """Days from the session to a weekday Maria works, a week or more (the demo's hours:
    Monday-Friday)."""
    days = 7
    while (timezone.localdate(session.start) + timedelta(days=days)).weekday() > 4:
        days += 1
    return days


def test_a_therapist_records_a_session_and_plan_and_the_client_rebooks_from_it(
    new_page, site, serious_accessibility_violations
):
    maria = Therapist.objects.get(slug="maria-alvarez")
    login = User.objects.get(username="maria")
    login.set_password("maria-password-1")
    login.save()
    option = maria.services.order_by("order").first().options.order_by("duration_minutes").first()
    ann = Client.objects.create(name="Ann Client", email="ann.care@example.com", phone="1")
    session = AppointmentFactory(
        therapist=maria, option=option, client=ann,
        start=timezone.now() - timedelta(hours=4), status=Appointment.Status.COMPLETED,
    )  # fmt: skip
    Intake.objects.create(
        appointment=session, zones=["lower_back"], duration="weeks", pressure=4, consent=True,
        pain=6, activities=[{"name": "Driving", "score": 3}],
    )  # fmt: skip
    interval = suggested_interval(session)

    staff = new_page()
    staff.goto(f"{site}/admin/login/")
    staff.fill("#id_username", "maria")
    staff.fill("#id_password", "maria-password-1")
    staff.click("input[type=submit]")
    expect(staff.locator("#user-tools")).to_contain_text("Maria")
    staff.goto(f"{site}/admin/booking/appointment/{session.pk}/change/")
    staff.get_by_role("link", name="Write the session record").click()
    staff.select_option("#id_shoulder_height", "left_higher")
    staff.select_option("#id_hip_level", "right_higher")
    staff.select_option("#id_rom_forward_bend", "limited")
    staff.get_by_label("Lower back", exact=True).check()
    staff.get_by_label("Hips and glutes", exact=True).check()
    staff.get_by_label("Myoskeletal alignment", exact=True).check()
    staff.fill("#id_pressure", "4")
    staff.fill("#id_notes", NOTE)
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_contain_text("was added successfully")
    record = SessionRecord.objects.get(appointment=session)
    assert record.notes == NOTE and record.written_by == login

    staff.goto(f"{site}/admin/booking/appointment/{session.pk}/change/")
    staff.get_by_role("link", name="Write the treatment plan").click()
    staff.fill("#id_focus", "Release the hips so driving stops hurting")
    staff.fill("#id_sessions_planned", "4")
    staff.fill("#id_interval_days", str(interval))
    staff.get_by_label("Hips and glutes", exact=True).check()
    staff.fill("#id_own_advice", "Stand up and walk for two minutes every hour of driving.")
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_contain_text("was added successfully")
    assert serious_accessibility_violations(staff) == []

    enqueue_due_aftercare()
    email = OutboundEmail.objects.get(kind="treatment_plan", to=ann.email)
    assert NOTE not in email.body_text + email.body_html
    progress_url = re.search(r"http\S+/plan/[\w-]+/", email.body_text).group(0)
    path = urlsplit(progress_url).path
    suggested = timezone.localdate(session.start) + timedelta(days=interval)

    client = new_page()
    client.goto(f"{site}{path}")
    expect(client.get_by_role("heading", name="Your treatment plan", level=1)).to_be_visible()
    expect(client.locator("main")).to_contain_text("1 of 4 sessions done")
    expect(client.locator("figure").first).to_contain_text("Pain")
    assert serious_accessibility_violations(client) == []
    client.get_by_role("link", name="Book your next session with Maria Alvarez").click()

    query = parse_qs(urlsplit(client.url).query)
    assert query["therapist"] == ["maria-alvarez"] and query["day"] == [suggested.isoformat()]
    assert query["service"] == [option.service.slug]
    first_time = client.locator("a.time").first
    first_time.click()
    client.locator("#id_name").fill("Ann Client")
    client.locator("#id_email").fill(ann.email)
    client.locator("#id_phone").fill("717-555-0100")
    client.get_by_label("Lower back and hips", exact=True).check()
    client.get_by_label("Weeks", exact=True).check()
    client.get_by_role("button", name="Review your booking").click()
    client.get_by_role("button", name="Confirm booking").click()
    expect(client).to_have_url(re.compile(rf"^{re.escape(site)}/booking/[\w-]+/$"))

    rebooked = Appointment.objects.exclude(pk=session.pk).get(client=ann)
    assert rebooked.therapist == maria and rebooked.option == option
    assert timezone.localdate(rebooked.start) >= suggested
