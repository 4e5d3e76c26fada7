"""Working time, computed once: weekly hours with split shifts, extra shifts, closures and time
off, as instants on the clinic's clock, right across both daylight-saving changes."""

from datetime import UTC, date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import ClinicClosure, ExtraShift, TimeOff
from booking.working_time import working_time
from tests.booking.backoffice.test_role_walk import form_shown
from tests.factories import (
    ClinicClosureFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
    week_of_hours,
)

pytestmark = pytest.mark.django_db

TUESDAY, WEDNESDAY = date(2026, 3, 10), date(2026, 3, 11)


def local(spans) -> list[tuple[str, str]]:
    return [
        (timezone.localtime(s.start).strftime("%H:%M"), timezone.localtime(s.end).strftime("%H:%M"))
        for s in spans
    ]


def utc(spans) -> list[tuple[str, str]]:
    return [(s.start.astimezone(UTC).strftime("%H:%M"), s.end.astimezone(UTC).strftime("%H:%M"))
            for s in spans]  # fmt: skip


@pytest.fixture
def maria():
    return TherapistFactory(name="Maria Alvarez", slug="maria")


def extra(therapist, day: date, starts: str, ends: str, note: str = "") -> ExtraShift:
    return ExtraShift.objects.create(
        therapist=therapist,
        day=day,
        starts=time.fromisoformat(starts),
        ends=time.fromisoformat(ends),
        note=note,
    )


def test_split_shifts_and_an_extra_shift_make_the_days_working_intervals(maria):
    week_of_hours(maria, [("09:00", "12:00"), ("13:00", "17:00")], days=[TUESDAY.weekday()])
    extra(maria, TUESDAY, "17:00", "20:00", "Late clinic")  # touches the afternoon: one shift
    extra(maria, WEDNESDAY, "10:00", "14:00", "Covering for Ben")  # no weekly hours that day

    working = working_time([maria.pk], TUESDAY, WEDNESDAY)

    assert local(working.day(maria.pk, TUESDAY).shifts) == [("09:00", "12:00"), ("13:00", "20:00")]
    assert local(working.day(maria.pk, WEDNESDAY).shifts) == [("10:00", "14:00")]
    assert working.day(maria.pk, TUESDAY).minutes == 3 * 60 + 7 * 60
    assert working.minutes(maria.pk) == 10 * 60 + 4 * 60


def test_a_clinic_closure_empties_the_day_for_everyone_extra_shift_included(maria):
    week_of_hours(maria, [("09:00", "17:00")])
    extra(maria, TUESDAY, "18:00", "20:00")
    ClinicClosureFactory(name="Spring day", first_day=TUESDAY, last_day=TUESDAY)

    working = working_time([maria.pk], TUESDAY, WEDNESDAY)

    assert working.closures == {TUESDAY: "Spring day"}
    assert working.day(maria.pk, TUESDAY).closed == "Spring day"
    assert working.day(maria.pk, TUESDAY).shifts == []
    assert working.day(maria.pk, TUESDAY).minutes == 0
    assert working.minutes(maria.pk) == 8 * 60


def test_time_off_is_kept_with_its_reason_and_taken_out_of_working_time_once(maria):
    week_of_hours(maria, [("09:00", "12:00"), ("13:00", "17:00")])
    TimeOffFactory(
        therapist=maria, starts_at=at("2026-03-10 11:00"), ends_at=at("2026-03-10 14:00"),
        reason="Dentist",
    )  # fmt: skip
    TimeOffFactory(  # entered twice, overlapping: counted once
        therapist=maria, starts_at=at("2026-03-10 11:30"), ends_at=at("2026-03-10 12:30")
    )
    TimeOffFactory(  # from Wednesday afternoon to Friday morning
        therapist=maria, starts_at=at("2026-03-11 15:00"), ends_at=at("2026-03-13 10:00"),
        reason="Course",
    )  # fmt: skip

    working = working_time([maria.pk], TUESDAY, date(2026, 3, 13))
    tuesday = working.day(maria.pk, TUESDAY)

    assert [(off.label, *pair) for off, pair in zip(tuesday.time_off, local(tuesday.time_off),
                                                     strict=True)] == [
        ("Dentist", "11:00", "14:00"),
        ("Course", "11:30", "12:30"),
    ]  # fmt: skip
    assert local(tuesday.working) == [("09:00", "11:00"), ("14:00", "17:00")]
    assert tuesday.minutes == 300
    assert local(working.day(maria.pk, WEDNESDAY).working) == [
        ("09:00", "12:00"),
        ("13:00", "15:00"),
    ]
    assert working.day(maria.pk, date(2026, 3, 12)).working == []
    assert [off.label for off in working.day(maria.pk, date(2026, 3, 12)).time_off] == ["Course"]
    assert local(working.day(maria.pk, date(2026, 3, 13)).working) == [
        ("10:00", "12:00"),
        ("13:00", "17:00"),
    ]


def test_across_the_spring_forward_change_wall_hours_become_the_right_instants(maria):
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    week_of_hours(maria, [("09:00", "17:00")], days=[5, 6, 0])
    extra(maria, date(2026, 3, 8), "01:00", "04:00", "Night shift")

    working = working_time([maria.pk], date(2026, 3, 7), date(2026, 3, 9))

    assert utc(working.day(maria.pk, date(2026, 3, 7)).shifts) == [("14:00", "22:00")]
    assert utc(working.day(maria.pk, date(2026, 3, 8)).shifts) == [
        ("06:00", "08:00"),  # 01:00 EST to 04:00 EDT: two real hours
        ("13:00", "21:00"),
    ]
    assert utc(working.day(maria.pk, date(2026, 3, 9)).shifts) == [("13:00", "21:00")]
    assert working.day(maria.pk, date(2026, 3, 8)).minutes == 120 + 480


def test_across_the_fall_back_change_the_repeated_hour_counts_twice(maria):
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    week_of_hours(maria, [("09:00", "17:00")], days=[5, 6, 0])
    extra(maria, date(2026, 11, 1), "00:30", "03:00")

    working = working_time([maria.pk], date(2026, 10, 31), date(2026, 11, 2))

    assert utc(working.day(maria.pk, date(2026, 10, 31)).shifts) == [("13:00", "21:00")]
    assert utc(working.day(maria.pk, date(2026, 11, 1)).shifts) == [
        ("04:30", "08:00"),  # 00:30 EDT to 03:00 EST: three and a half real hours
        ("14:00", "22:00"),
    ]
    assert working.day(maria.pk, date(2026, 11, 1)).minutes == 210 + 480
    assert working.day(maria.pk, date(2026, 11, 2)).minutes == 480


def test_four_queries_whatever_the_number_of_therapists_days_and_rows(
    maria, django_assert_num_queries
):
    with django_assert_num_queries(4):
        working_time([maria.pk], TUESDAY, TUESDAY)
    team = [TherapistFactory() for _ in range(6)]
    for person in team:
        week_of_hours(person, [("09:00", "12:00"), ("13:00", "17:00")])
        for n in range(20):
            extra(person, TUESDAY + timedelta(days=n), "18:00", "20:00")
            TimeOffFactory(
                therapist=person,
                starts_at=at("2026-03-10 09:00") + timedelta(days=n),
                ends_at=at("2026-03-10 10:00") + timedelta(days=n),
            )
    ClinicClosureFactory(first_day=date(2026, 3, 20), last_day=date(2026, 3, 21))

    with django_assert_num_queries(4):
        working = working_time([p.pk for p in team], TUESDAY, TUESDAY + timedelta(days=29))

    # 18 open days with the extra shift (7 + 2 hours, less 1 off), then 10 days of 7 hours;
    # the 2 closed days count nothing.
    assert working.minutes(team[0].pk) == 18 * 8 * 60 + 10 * 7 * 60


def test_an_extra_shift_reads_in_clinic_time_and_must_end_after_it_starts(maria):
    shift = extra(maria, TUESDAY, "18:00", "20:30")

    assert str(shift) == "Maria Alvarez: extra shift Tue Mar 10, 2026 6:00 PM to 8:30 PM"
    assert shift.history.count() == 1
    backwards = ExtraShift(therapist=maria, day=TUESDAY, starts=time(12), ends=time(9))
    with pytest.raises(ValidationError, match="The end must be after the start"):
        backwards.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        backwards.save()


# In the back office


def login(role: str, username: str):
    from django.contrib.auth.models import Group, User
    from django.test import Client as Browser

    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    browser = Browser()
    browser.force_login(user)
    return browser, user


def test_the_front_desk_adds_an_extra_shift_and_it_keeps_a_history(maria):
    desk, desk_user = login("Front desk", "desk")

    response = desk.post(
        "/admin/booking/extrashift/add/",
        {"therapist": maria.pk, "day": "2026-03-10", "starts": "18:00", "ends": "20:00",
         "note": "Late clinic"},
    )  # fmt: skip
    backwards = desk.post(
        "/admin/booking/extrashift/add/",
        {"therapist": maria.pk, "day": "2026-03-10", "starts": "20:00", "ends": "18:00"},
    )

    assert response.status_code == 302
    shift = ExtraShift.objects.get()
    assert (shift.note, shift.history.get().history_user) == ("Late clinic", desk_user)
    assert backwards.status_code == 400 and "The end must be after the start" in backwards.text
    assert ExtraShift.objects.count() == 1
    owner, _ = login("Owner", "owner")
    therapist_page = owner.get(f"/admin/booking/therapist/{maria.pk}/change/").text
    assert 'name="extra_shifts-TOTAL_FORMS"' in therapist_page


def test_a_therapist_sees_only_their_own_extra_shifts(maria):
    ben = TherapistFactory(name="Ben Okafor", slug="ben")
    own = extra(maria, TUESDAY, "18:00", "20:00", "Maria's evening")
    other = extra(ben, TUESDAY, "07:00", "09:00", "Ben's early start")
    browser, user = login("Therapist", "maria")
    maria.user = user
    maria.save()

    listing = browser.get("/admin/booking/extrashift/").text

    assert "Maria&#x27;s evening" in listing or "Maria's evening" in listing
    assert "early start" not in listing
    assert browser.get(f"/admin/booking/extrashift/{own.pk}/change/").status_code == 200
    assert browser.get(f"/admin/booking/extrashift/{other.pk}/change/").status_code == 403
    assert browser.get(f"/admin/booking/extrashift/{other.pk}/history/").status_code == 403
    assert browser.get("/admin/booking/extrashift/add/").status_code == 403


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_a_far_date_typed_by_staff_is_refused_with_a_message_and_nothing_saved(maria, day):
    """9999-12-31 in the evening is year 10000 in UTC: it must be a form error, not a 500."""
    desk, _ = login("Front desk", "desk")
    forms = {
        "/admin/booking/timeoff/add/": {
            "therapist": maria.pk, "starts_at_0": day, "starts_at_1": "18:00",
            "ends_at_0": day, "ends_at_1": "23:00", "reason": "Course",
        },
        "/admin/booking/extrashift/add/": {
            "therapist": maria.pk, "day": day, "starts": "18:00", "ends": "20:00",
        },
        "/admin/booking/clinicclosure/add/": {"name": "Holiday", "first_day": day, "last_day": day},
    }  # fmt: skip

    answers = {path: desk.post(path, form) for path, form in forms.items()}

    for path, response in answers.items():
        assert response.status_code == 400, path
        assert "Choose a date between 2000 and 2100." in response.text, path
    assert not TimeOff.objects.exists()
    assert not ExtraShift.objects.exists()
    assert not ClinicClosure.objects.exists()


def test_a_far_date_in_an_inline_is_refused_too(maria):
    owner, _ = login("Owner", "owner")
    page = f"/admin/booking/therapist/{maria.pk}/change/"
    form = form_shown(owner.get(page).text)
    form |= {
        "time_off-TOTAL_FORMS": ["1"], "time_off-0-starts_at_0": ["9999-12-31"],
        "time_off-0-starts_at_1": ["18:00"], "time_off-0-ends_at_0": ["9999-12-31"],
        "time_off-0-ends_at_1": ["23:00"], "time_off-0-reason": ["Course"],
    }  # fmt: skip

    response = owner.post(page, form)

    assert response.status_code == 400
    assert "Choose a date between 2000 and 2100." in response.text
    assert not TimeOff.objects.exists()
