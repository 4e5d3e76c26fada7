"""The owner's figures: bookings, utilisation, revenue and no-shows for a week.

Utilisation is booked minutes over working minutes (weekly hours and extra shifts, less time off
and closed days: `booking.working_time`).
Revenue counts completed sessions at the price they were booked at.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from booking.clock import cents
from booking.models import Appointment, Therapist
from booking.selectors_care import Outcome, outcomes_by_service
from booking.working_time import working_time


@dataclass(frozen=True)
class Utilisation:
    therapist: Therapist
    booked_minutes: int
    working_minutes: int

    @property
    def ratio(self) -> float:
        return self.booked_minutes / self.working_minutes if self.working_minutes else 0.0

    @property
    def percent(self) -> int:
        return round(self.ratio * 100)


@dataclass(frozen=True)
class WeekReport:
    monday: date
    bookings: int
    bookings_next_week: int
    bookings_per_day: list[tuple[date, int]]
    utilisation: list[Utilisation]
    revenue: Decimal
    completed: int
    no_shows: int

    @property
    def no_show_rate(self) -> float:
        attended_or_not = self.completed + self.no_shows
        return self.no_shows / attended_or_not if attended_or_not else 0.0

    @property
    def no_show_percent(self) -> int:
        return round(self.no_show_rate * 100)

    @property
    def busiest_day_count(self) -> int:
        return max((count for _, count in self.bookings_per_day), default=0)


def _local(day: date, at: time = time.min) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def week_report(monday: date) -> WeekReport:
    """Figures for the week starting `monday` (clinic time), in a fixed number of queries."""
    days = [monday + timedelta(days=n) for n in range(7)]
    start, end = _local(monday), _local(monday + timedelta(days=7))
    active = Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
    in_week = active.filter(start__gte=start, start__lt=end)

    per_day: dict[date, int] = defaultdict(int)
    booked: dict[int, int] = defaultdict(int)
    for therapist_id, starts, ends in in_week.values_list("therapist_id", "start", "end"):
        per_day[timezone.localdate(starts)] += 1
        booked[therapist_id] += int((ends - starts).total_seconds() // 60)

    therapists = list(Therapist.objects.active())
    working = working_time([t.pk for t in therapists], days[0], days[-1])
    utilisation = [
        Utilisation(therapist=t, booked_minutes=booked[t.pk], working_minutes=working.minutes(t.pk))
        for t in therapists
    ]
    outcomes = in_week.aggregate(
        revenue=Sum("price", filter=Q(status=Appointment.Status.COMPLETED)),
        completed=Count("pk", filter=Q(status=Appointment.Status.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
    )
    next_week = active.filter(start__gte=end, start__lt=_local(monday + timedelta(days=14)))
    return WeekReport(
        monday=monday,
        bookings=sum(per_day.values()),
        bookings_next_week=next_week.count(),
        bookings_per_day=[(day, per_day[day]) for day in days],
        utilisation=utilisation,
        revenue=cents(outcomes["revenue"]),
        completed=outcomes["completed"],
        no_shows=outcomes["no_shows"],
    )


@dataclass(frozen=True)
class OutcomesReport:
    first: date
    last: date
    services: list[Outcome]


def month_outcomes(day: date) -> OutcomesReport:
    """Treatment-plan outcomes per service for plans written in `day`'s calendar month."""
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return OutcomesReport(first=first, last=last, services=outcomes_by_service(first, last))
