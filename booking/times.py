"""The page of free times: the next days that have any, grouped by day, with earlier and later
pages. One availability computation covers the days shown and the paging on both sides, so the
page makes the same number of queries however many days, therapists or bookings it spans. The
booking flow and the client's reschedule page share it; each builds its own links."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet

from booking.availability import Availability, Slot, policy_days
from booking.models import Appointment, ServiceOption, Therapist

DAYS_SHOWN = 5
REACH = timedelta(days=27)  # how far one page looks, each way, for days with free times
# A time is offered only if it stays bookable while the client types their details: one at the
# very edge of the minimum notice would be refused by the time they confirm.
TIME_TO_BOOK = timedelta(minutes=10)


@dataclass(frozen=True)
class Offered:
    """One free time as a link: its wall-clock start and where choosing it goes."""

    start: datetime
    href: str
    therapist: Therapist

    @property
    def label(self) -> str:
        """ "9:45 AM", as the template's time filter writes it, without its cost per link."""
        return f"{self.start:%-I:%M %p}"


@dataclass(frozen=True)
class DayOfTimes:
    day: date
    times: list[Offered]


@dataclass(frozen=True)
class TimesPage:
    days: list[DayOfTimes]
    earlier: date | None  # where the earlier page starts, when there is one
    later: date | None
    earlier_href: str = ""
    later_href: str = ""

    @property
    def count(self) -> int:
        return sum(len(day.times) for day in self.days)


def therapists_offering(option: ServiceOption) -> QuerySet[Therapist]:
    """Who can be chosen in the therapist filter: active therapists giving the service."""
    return Therapist.objects.active().filter(services=option.service_id)


def times_page(
    *,
    option: ServiceOption,
    therapist: Therapist | None,
    from_day: date | None,
    href: Callable[[Slot], str],
    page_href: Callable[[date], str],
    ignore: Appointment | None = None,
    now: datetime | None = None,
) -> TimesPage:
    """The first `DAYS_SHOWN` days with free times from `from_day` (or the first bookable day),
    one link per time (the first listed therapist's slot when anyone may take it); `href`
    makes a time's link, `page_href` the link to a page starting on a day."""
    first, last = policy_days()
    start = min(max(from_day or first, first), last)
    availability = Availability(
        option=option,
        first_day=max(first, start - REACH),
        last_day=min(last, start + REACH),
        therapist=therapist,
        ignore=ignore,
        now=now,
    )
    cutoff = availability.moment + availability.policy.min_notice + TIME_TO_BOOK

    def offered(day: date) -> list[Slot]:
        return [slot for slot in availability.slots(day) if slot.start >= cutoff]

    with_times = [day for day in availability.days_with_slots() if offered(day)]
    ahead = [day for day in with_times if day >= start]
    behind = [day for day in with_times if day < start]
    shown = ahead[:DAYS_SHOWN]
    later = None
    if len(ahead) > DAYS_SHOWN:
        later = ahead[DAYS_SHOWN]
    elif availability.last_day < last:
        later = availability.last_day + timedelta(days=1)
    earlier = None
    if behind:
        earlier = behind[-DAYS_SHOWN:][0]
    elif availability.first_day > first:
        earlier = availability.first_day
    days = []
    for day in shown:
        unique: dict[datetime, Slot] = {}
        for slot in offered(day):
            unique.setdefault(slot.start, slot)
        times = [Offered(s.local_start, href(s), s.therapist) for s in unique.values()]
        days.append(DayOfTimes(day=day, times=times))
    return TimesPage(
        days=days,
        earlier=earlier,
        later=later,
        earlier_href=page_href(earlier) if earlier else "",
        later_href=page_href(later) if later else "",
    )
