"""`seed_demo` builds the demo clinic once; running it again changes nothing."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from booking.models import (
    Appointment,
    ClinicClosure,
    OutboundEmail,
    Service,
    ServiceOption,
    SessionRecord,
    Therapist,
    TreatmentPlan,
    WorkingHours,
)
from booking.services.emails import enqueue_due_aftercare, enqueue_due_reminders

pytestmark = pytest.mark.django_db

LOGIN = re.compile(r"username '([\w-]+)', password '([\w-]+)'")


def seed(now: datetime | None = None, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **({"now": now} if now else {}), **options)
    return out.getvalue()


def at(moment: str) -> datetime:
    """A moment on the clinic's wall clock."""
    return datetime.fromisoformat(moment).replace(tzinfo=timezone.get_current_timezone())


def passwords(output: str) -> dict[str, str]:
    return dict(LOGIN.findall(output))


def figures(client, day: date | None = None) -> dict[str, str]:
    path = "/admin/reports/" + (f"?date={day}" if day else "")
    page = BeautifulSoup(client.get(path).content, "html.parser")
    figure = page.select_one("#fig-revenue").parent.get_text(" ", strip=True)
    return {
        "bookings": page.select_one("#fig-bookings").get_text(),
        "revenue": page.select_one("#fig-revenue").get_text(),
        "completed": figure.split("from ")[1].split(" completed")[0],
        "no_shows": page.select_one("#fig-noshow").parent.get_text().split("(")[1].split(")")[0],
    }


def snapshot() -> list:
    return [
        list(Service.objects.values_list("slug", "name", "summary", "order")),
        list(ServiceOption.objects.values_list("service__slug", "duration_minutes", "price")),
        list(Therapist.objects.values_list("slug", "name", "bio", "user__username")),
        list(Therapist.services.through.objects.values_list("therapist__slug", "service__slug")),
        list(get_user_model().objects.values_list("username", "password", "is_staff")),
        list(get_user_model().groups.through.objects.values_list("user__username", "group__name")),
        list(WorkingHours.objects.values_list("therapist__slug", "weekday", "starts", "ends")),
        list(
            Appointment.objects.values_list(
                "client__email", "therapist__slug", "start", "status", "aftercare_sent_at"
            )
        ),
        list(ClinicClosure.objects.values_list("name", "first_day", "last_day")),
        OutboundEmail.objects.count(),
    ]


def test_seed_demo_creates_the_guides_four_services_with_60_and_90_minutes_and_three_therapists():
    seed(past_fortnight=False)

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


def test_seed_demo_books_a_few_upcoming_appointments_through_the_booking_rules():
    now = timezone.now()
    seed(now, past_fortnight=False)

    upcoming = Appointment.objects.filter(start__gt=now)
    assert upcoming.count() == 5
    assert set(upcoming.values_list("status", flat=True)) == {Appointment.Status.BOOKED}
    first_day = timezone.localdate(now) + timedelta(days=2)
    assert all(timezone.localdate(a.start) >= first_day for a in upcoming)


def test_the_past_fortnight_holds_completed_no_show_and_cancelled_sessions_booked_by_the_desk():
    now = at("2026-03-11 18:00")  # a Wednesday evening
    seed(now)

    past = Appointment.objects.filter(start__lt=now)
    assert Appointment.objects.filter(start__gt=now, status=Appointment.Status.BOOKED).count() == 5
    assert past.filter(start__lt=now - timedelta(days=15)).count() == 0
    assert past.filter(end__gt=now).count() == 0
    counts = {s: past.filter(status=s).count() for s in Appointment.Status.values}
    assert counts[Appointment.Status.BOOKED] == 0
    assert counts[Appointment.Status.COMPLETED] >= 15
    assert counts[Appointment.Status.NO_SHOW] >= 2
    assert counts[Appointment.Status.CANCELLED] >= 2
    assert set(past.values_list("booked_by__username", flat=True)) == {"frontdesk"}
    assert set(past.values_list("therapist__slug", flat=True)) == {
        "maria-alvarez",
        "james-whitaker",
        "priya-shah",
    }
    # Each therapist's login records the outcomes of their own sessions; the desk, the rest.
    outcomes = past.exclude(status=Appointment.Status.CANCELLED)
    assert set(
        outcomes.filter(therapist__slug="maria-alvarez").values_list(
            "status_changed_by__username", flat=True
        )
    ) == {"maria"}
    assert set(
        outcomes.exclude(therapist__slug="maria-alvarez").values_list(
            "status_changed_by__username", flat=True
        )
    ) == {"frontdesk"}
    for appointment in past.filter(status=Appointment.Status.CANCELLED):
        assert appointment.cancelled_at < appointment.start
    assert all(a.created_at < a.start for a in past)


def test_each_completed_demo_session_has_its_record_and_plan_from_the_session_itself():
    now = at("2026-03-11 18:00")
    seed(now)

    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED)
    assert completed.count() >= 15
    for appointment in completed.select_related("session_record", "treatment_plan", "therapist"):
        record, plan = appointment.session_record, appointment.treatment_plan
        assert record.area_labels and record.technique_labels and record.notes
        assert plan.focus and plan.sessions_planned >= 3 and plan.home_care
        assert appointment.end < record.created_at < appointment.end + timedelta(hours=1)
        # Written by the therapist's own login; never by the desk (health data is not theirs).
        writer = appointment.therapist.user
        assert record.written_by == plan.written_by == writer
    assert SessionRecord.objects.filter(written_by__username="maria").exists()
    others = Appointment.objects.exclude(status=Appointment.Status.COMPLETED)
    assert not SessionRecord.objects.filter(appointment__in=others).exists()
    assert not TreatmentPlan.objects.filter(appointment__in=others).exists()


def test_seeding_emails_nobody_now_or_when_the_worker_runs_later():
    now = timezone.now()
    seed(now)

    assert not OutboundEmail.objects.exists()
    assert enqueue_due_aftercare(now=now) == 0
    assert enqueue_due_aftercare(now=now + timedelta(hours=3)) == 0
    assert enqueue_due_reminders(now=now) == 0
    assert not OutboundEmail.objects.exists()
    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED)
    assert completed.exists()
    assert not completed.filter(aftercare_sent_at=None).exists()


def test_the_seeded_past_is_the_same_for_the_same_moment():
    now = at("2026-03-11 18:00")
    seed(now)
    first = list(
        Appointment.objects.order_by("start", "therapist__slug").values_list(
            "start", "therapist__slug", "option__duration_minutes", "client__name", "status"
        )
    )
    Appointment.objects.all().delete()

    seed(now)

    assert (
        list(
            Appointment.objects.order_by("start", "therapist__slug").values_list(
                "start", "therapist__slug", "option__duration_minutes", "client__name", "status"
            )
        )
        == first
    )


def test_seed_demo_prints_three_logins_once_and_each_logs_in_to_the_back_office(client):
    first = seed(past_fortnight=False)
    second = seed(past_fortnight=False)

    logins = passwords(first)
    assert set(logins) == {"owner", "frontdesk", "maria"}
    assert "password" not in second
    for username, password in logins.items():
        assert f"'{username}'" in first
        client.logout()
        response = client.post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        assert response.status_code == 302, username
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_each_demo_login_is_staff_with_one_role_and_the_therapist_is_linked_to_her_record():
    seed(past_fortnight=False)
    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}

    roles = {name: [g.name for g in users[name].groups.all()] for name in users}
    assert roles == {"owner": ["Owner"], "frontdesk": ["Front desk"], "maria": ["Therapist"]}
    assert all(u.is_staff for u in users.values())
    assert [u.username for u in users.values() if u.is_superuser] == ["owner"]
    assert Therapist.objects.get(slug="maria-alvarez").user == users["maria"]
    assert not Therapist.objects.exclude(slug="maria-alvarez").filter(user__isnull=False).exists()


def test_an_existing_login_is_left_alone_and_only_the_new_ones_are_printed():
    user = get_user_model().objects.create_user(username="owner", password="kept-as-it-was")

    logins = passwords(seed(past_fortnight=False))

    assert set(logins) == {"frontdesk", "maria"}
    user.refresh_from_db()
    assert user.check_password("kept-as-it-was")
    assert not user.groups.exists()


def test_the_therapist_login_sees_only_her_own_column_and_clients_in_the_calendar(client):
    now = at("2026-03-11 18:00")
    logins = passwords(seed(now))
    client.login(username="maria", password=logins["maria"])

    page = BeautifulSoup(client.get("/admin/calendar/?date=2026-03-11").content, "html.parser")

    columns = [th.get_text(strip=True) for th in page.select(".fc-calendar thead th")][1:]
    assert columns == ["Maria Alvarez"]
    shown = page.select_one(".fc-calendar").get_text()
    others = Appointment.objects.filter(start__date=date(2026, 3, 11)).exclude(
        therapist__slug="maria-alvarez"
    )
    assert others.exists()
    assert all(a.client.name not in shown for a in others)
    client.login(username="owner", password=logins["owner"])
    page = BeautifulSoup(client.get("/admin/calendar/?date=2026-03-11").content, "html.parser")
    assert len(page.select(".fc-calendar thead th")) == 4


@pytest.mark.parametrize(
    "moment",
    [
        "2026-03-09 10:45",  # Monday morning, the day after a daylight-saving change
        "2026-03-15 21:00",  # Sunday night: the week is over
        "2026-09-08 15:00",  # the Tuesday after Labor Day, the clinic closed on Monday
    ],
)
def test_the_owners_dashboard_shows_figures_for_this_week_and_last_at_once(client, moment):
    now = at(moment)
    logins = passwords(seed(now))
    client.login(username="owner", password=logins["owner"])

    for day in (now.date(), now.date() - timedelta(days=7)):
        shown = figures(client, day)
        assert int(shown["bookings"]) > 0, (day, shown)
        assert shown["revenue"] != "$0.00", (day, shown)
        assert int(shown["completed"]) > 0, (day, shown)
        assert int(shown["no_shows"]) > 0, (day, shown)


def test_the_dashboard_as_it_opens_today_shows_bookings_and_last_week_the_rest(client):
    logins = passwords(seed())
    client.login(username="owner", password=logins["owner"])

    this_week = figures(client)
    last_week = figures(client, timezone.localdate() - timedelta(days=7))

    assert int(this_week["bookings"]) > 0
    assert int(last_week["completed"]) > 0
    assert int(last_week["no_shows"]) > 0
    assert last_week["revenue"] != "$0.00"


def test_the_clinic_closes_on_public_holidays_this_year_and_next():
    seed(at("2026-03-11 18:00"))

    closures = {c.first_day: c.name for c in ClinicClosure.objects.all()}
    assert closures == {
        date(2026, 1, 1): "New Year's Day",
        date(2026, 5, 25): "Memorial Day",
        date(2026, 7, 4): "Independence Day",
        date(2026, 9, 7): "Labor Day",
        date(2026, 11, 26): "Thanksgiving",
        date(2026, 12, 25): "Christmas Day",
        date(2027, 1, 1): "New Year's Day",
        date(2027, 5, 31): "Memorial Day",
        date(2027, 7, 4): "Independence Day",
        date(2027, 9, 6): "Labor Day",
        date(2027, 11, 25): "Thanksgiving",
        date(2027, 12, 25): "Christmas Day",
    }
    assert all(c.first_day == c.last_day for c in ClinicClosure.objects.all())


def test_no_session_is_seeded_on_a_holiday_in_the_past_fortnight():
    seed(at("2027-01-04 18:00"))  # the fortnight reaches back to last Christmas

    days = {
        timezone.localdate(start) for start in Appointment.objects.values_list("start", flat=True)
    }
    assert date(2026, 12, 25) in set(ClinicClosure.objects.values_list("first_day", flat=True))
    assert date(2026, 12, 25) not in days
    assert date(2027, 1, 1) not in days
    assert date(2026, 12, 24) in days


def test_a_holiday_already_closed_by_the_owner_is_not_closed_twice():
    ClinicClosure.objects.create(
        name="Winter break", first_day=date(2026, 12, 24), last_day=date(2027, 1, 2)
    )

    seed(at("2026-03-11 18:00"))

    assert (
        not ClinicClosure.objects.filter(name__in=["Christmas Day", "New Year's Day"])
        .filter(first_day__in=[date(2026, 12, 25), date(2027, 1, 1)])
        .exists()
    )


def test_running_seed_demo_twice_changes_nothing():
    seed()
    before = snapshot()

    seed()

    assert snapshot() == before


def test_seed_demo_keeps_what_the_owner_changed():
    seed(past_fortnight=False)
    Service.objects.filter(slug="cupping-therapy").update(name="Cupping")

    seed(past_fortnight=False)

    assert Service.objects.get(slug="cupping-therapy").name == "Cupping"
