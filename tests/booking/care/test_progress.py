"""Progress: the client's private plan page (charts drawn on the server, a table of the same
numbers) and the owner's outcomes per service, each against figures worked by hand."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from booking.models import Appointment, Intake, TreatmentPlan
from booking.selectors_care import outcomes_by_service
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    ServiceFactory,
    ServiceOptionFactory,
    at,
    staff_user,
)

pytestmark = pytest.mark.django_db


def visit(week, client, when: str, status="completed", pain=None, option=None, **scores):
    appointment = AppointmentFactory(
        therapist=week.therapist, option=option or week.option, client=client, start=at(when),
        status=status,
    )  # fmt: skip
    if pain is not None or scores:
        Intake.objects.create(
            appointment=appointment, zones=["lower_back"], duration="weeks", pressure=3,
            consent=True, pain=pain,
            activities=[{"name": name, "score": score} for name, score in scores.items()],
        )  # fmt: skip
    return appointment


def plan_at(appointment, planned: int, interval: int, activities=()) -> TreatmentPlan:
    return TreatmentPlan.objects.create(
        appointment=appointment, focus="Ease the lower back", sessions_planned=planned,
        interval_days=interval, activities=list(activities), home_care=["keep-moving"],
    )  # fmt: skip


def test_the_plan_page_charts_match_the_scores_worked_by_hand(client, clinic_week):
    ann = ClientFactory(name="Ann Client")
    first = visit(clinic_week, ann, "2026-03-02 10:00", pain=7, Driving=3, Sleeping=4)
    visit(clinic_week, ann, "2026-03-09 10:00", pain=5, Driving=5, Sleeping=4)
    visit(clinic_week, ann, "2026-03-16 10:00", pain=4, Driving=6, Sleeping=5)
    plan = plan_at(first, planned=4, interval=7, activities=["Driving", "Sleeping"])

    response = client.get(plan.get_progress_url())

    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    page = BeautifulSoup(response.content, "html.parser")
    shown = page.get_text(" ", strip=True)
    assert "3 of 4 sessions done" in shown
    figures = page.select("figure")
    captions = [f.figcaption.get_text(" ", strip=True) for f in figures]
    # Pain 7 -> 4: 3 points better; Driving 3 -> 6: 3 better; Sleeping 4 -> 5: 1 better.
    assert captions == [
        "Pain (0 no pain, 10 worst imaginable) : better by 3 points (a change that matters)",
        "Driving (0 cannot, 10 as before the pain) : better by 3 points (a change that matters)",
        "Sleeping (0 cannot, 10 as before the pain) : better by 1 point",
    ]
    # y = 150 - 130 * score / 10, x spread from 40 to 300.
    lines = [f.svg.polyline["points"] for f in figures]
    assert lines == ["40,59 170,85 300,98", "40,111 170,85 300,72", "40,98 170,98 300,85"]
    assert figures[0].svg["role"] == "img"
    assert figures[0].svg["aria-label"].endswith("Mar 2 7, Mar 9 5, Mar 16 4")
    rows = [[c.get_text(strip=True) for c in tr.select("th, td")] for tr in page.select("tbody tr")]
    assert rows == [
        ["Mar 2, 2026", "7", "3", "4"],
        ["Mar 9, 2026", "5", "5", "4"],
        ["Mar 16, 2026", "4", "6", "5"],
    ]
    # The next step: the interval after the last session, with this therapist and service.
    book = page.find("a", string=lambda s: s and "Book your next session" in s)
    assert book["href"] == "/book/?service=deep-tissue&minutes=60&therapist=maria&day=2026-03-23"
    assert "J Orthop Sports Phys Ther 2014;44(8):560-564" in shown


def test_an_unknown_plan_link_is_a_404(client, db):
    assert client.get("/plan/no-such-plan-token-here-at-all/").status_code == 404


def test_the_outcomes_report_matches_a_seeded_month_worked_by_hand(admin_client, clinic_week):
    hot = ServiceFactory(name="Hot Stone", slug="hot-stone")
    hot_option = ServiceOptionFactory(service=hot, duration_minutes=60, price=Decimal("80.00"))
    clinic_week.therapist.services.add(hot)
    one, two, three, four = (ClientFactory() for _ in range(4))
    # Deep Tissue, plan 1: 3 of 3 done (completed); pain 8 -> 5 (improved); next in 7 <= 14 days.
    p1 = visit(clinic_week, one, "2026-03-02 10:00", pain=8)
    visit(clinic_week, one, "2026-03-09 10:00", pain=6)
    visit(clinic_week, one, "2026-03-16 10:00", pain=5)
    plan_at(p1, planned=3, interval=14)
    # Plan 2: 2 of 4 (not completed); pain 6 -> 5 but Driving 2 -> 5 (improved); next 20 > 14.
    p2 = visit(clinic_week, two, "2026-03-03 10:00", pain=6, Driving=2)
    visit(clinic_week, two, "2026-03-23 10:00", pain=5, Driving=5)
    plan_at(p2, planned=4, interval=14, activities=["Driving"])
    # Plan 3: 1 of 2, never back: nothing; a cancelled booking is no rebooking.
    p3 = visit(clinic_week, three, "2026-03-04 10:00", pain=5)
    visit(clinic_week, three, "2026-03-06 10:00", status=Appointment.Status.CANCELLED)
    plan_at(p3, planned=2, interval=14)
    # Hot Stone, plan 4: 1 of 1 (completed), no scores; the next booked 5 <= 7 days later.
    p4 = visit(clinic_week, four, "2026-03-05 10:00", option=hot_option)
    visit(clinic_week, four, "2026-03-10 10:00", status=Appointment.Status.BOOKED)
    plan_at(p4, planned=1, interval=7)
    # Outside the month: not counted.
    plan_at(visit(clinic_week, ClientFactory(), "2026-02-20 10:00", pain=9), planned=1, interval=7)

    outcomes = outcomes_by_service(at("2026-03-01 00:00").date(), at("2026-03-31 00:00").date())

    assert [(o.service, o.plans, o.improved, o.completed, o.rebooked) for o in outcomes] == [
        ("Deep Tissue", 3, 2, 1, 1),
        ("Hot Stone", 1, 0, 1, 1),
    ]
    deep = outcomes[0]
    assert (deep.improved_percent, deep.completed_percent, deep.rebooked_percent) == (67, 33, 33)

    owner = staff_user("owner", role="Owner")
    admin_client.force_login(owner)
    page = BeautifulSoup(admin_client.get("/admin/reports/?date=2026-03-09").content, "html.parser")
    table = page.select_one("table.fc-outcomes")
    rows = [
        [c.get_text(" ", strip=True) for c in tr.select("th, td")]
        for tr in table.select("tbody tr")
    ]
    assert rows == [
        ["Deep Tissue", "3", "67% (2)", "33% (1)", "33% (1)"],
        ["Hot Stone", "1", "0% (0)", "100% (1)", "100% (1)"],
    ]
    assert one.name not in page.get_text()  # no names
    assert timezone.now()
