"""Free start times: one computation that the public flow, the admin and the benchmarks share.

A start is free for a therapist when the session plus its cleanup buffer fits inside one of
their working intervals and clashes with no blocking appointment, time off or clinic closure,
and (for clients) lies between the minimum notice and the booking horizon. Times are computed on
the clinic's wall clock and compared as aware instants, so daylight-saving changes are right.
The number of queries is fixed: it does not grow with days, therapists or appointments.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking.models import (
    Appointment,
    BookingPolicy,
    ClinicClosure,
    ServiceOption,
    Therapist,
    TimeOff,
)


@dataclass(frozen=True)
class Slot:
    start: datetime
    therapist: Therapist

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.start)


@dataclass
class _Busy:
    """A therapist's busy intervals, merged and sorted, for O(log n) clash checks."""

    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)

    @classmethod
    def of(cls, intervals: list[tuple[datetime, datetime]]) -> "_Busy":
        busy = cls()
        for start, end in sorted(intervals):
            if busy.ends and start <= busy.ends[-1]:
                busy.ends[-1] = max(busy.ends[-1], end)
            else:
                busy.starts.append(start)
                busy.ends.append(end)
        return busy

    def clashes(self, start: datetime, end: datetime) -> bool:
        index = bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


def buffer_for(option: ServiceOption, policy: BookingPolicy) -> timedelta:
    minutes = option.service.buffer_minutes
    return timedelta(minutes=policy.buffer_minutes if minutes is None else minutes)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class Availability:
    """Free slots for one service option over a range of days, computed once."""

    option: ServiceOption
    first_day: date
    last_day: date
    therapist: Therapist | None = None
    now: datetime | None = None
    ignore: Appointment | None = None
    enforce_policy: bool = True
    policy: BookingPolicy = field(init=False)
    slots_by_day: dict[date, list[Slot]] = field(init=False)
    bookings_per_day: dict[tuple[int, date], int] = field(init=False)

    def __post_init__(self) -> None:
        # All arithmetic in UTC: Python adds and compares datetimes that share a zone on the wall
        # clock, which is wrong by an hour across a daylight-saving change.
        self.now = (self.now or timezone.now()).astimezone(UTC)
        self.policy = BookingPolicy.current()
        self.slots_by_day = {}
        self.bookings_per_day = defaultdict(int)
        self._compute()

    def _therapists(self) -> list[Therapist]:
        queryset = Therapist.objects.active().filter(services=self.option.service_id)
        if self.therapist is not None:
            queryset = queryset.filter(pk=self.therapist.pk)
        return list(queryset.prefetch_related("working_hours"))

    def _compute(self) -> None:
        therapists = self._therapists()
        if not therapists or self.last_day < self.first_day:
            return
        range_start = local_midnight(self.first_day)
        range_end = local_midnight(self.last_day + timedelta(days=1))
        ids = [t.pk for t in therapists]

        intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        appointments = (
            Appointment.objects.blocking()
            .filter(therapist_id__in=ids)
            .overlapping(range_start - timedelta(days=1), range_end + timedelta(days=1))
        )
        if self.ignore is not None:
            appointments = appointments.exclude(pk=self.ignore.pk)
        for therapist_id, start, blocked_until in appointments.values_list(
            "therapist_id", "start", "blocked_until"
        ):
            intervals[therapist_id].append((start, blocked_until))
            self.bookings_per_day[(therapist_id, timezone.localdate(start))] += 1
        for therapist_id, start, end in TimeOff.objects.filter(
            therapist_id__in=ids, starts_at__lt=range_end, ends_at__gt=range_start
        ).values_list("therapist_id", "starts_at", "ends_at"):
            intervals[therapist_id].append((start, end))
        closed = self._closed_days()
        busy = {therapist_id: _Busy.of(spans) for therapist_id, spans in intervals.items()}

        session = timedelta(minutes=self.option.duration_minutes)
        blocked = session + buffer_for(self.option, self.policy)
        earliest, latest = self._policy_bounds()
        day = self.first_day
        while day <= self.last_day:
            slots: list[Slot] = []
            if day not in closed:
                for therapist in therapists:
                    therapist_busy = busy.get(therapist.pk, _Busy())
                    for start in self._starts(therapist, day, blocked):
                        if earliest is not None and not (earliest <= start <= latest):
                            continue
                        if not therapist_busy.clashes(start, start + blocked):
                            slots.append(Slot(start=start, therapist=therapist))
            slots.sort(key=lambda slot: (slot.start, slot.therapist.order, slot.therapist.name))
            self.slots_by_day[day] = slots
            day += timedelta(days=1)

    def _closed_days(self) -> set[date]:
        closed: set[date] = set()
        for first, last in ClinicClosure.objects.filter(
            first_day__lte=self.last_day, last_day__gte=self.first_day
        ).values_list("first_day", "last_day"):
            day = max(first, self.first_day)
            while day <= min(last, self.last_day):
                closed.add(day)
                day += timedelta(days=1)
        return closed

    def _policy_bounds(self) -> tuple[datetime | None, datetime | None]:
        if not self.enforce_policy:
            return None, None
        return self.now + self.policy.min_notice, self.now + self.policy.horizon

    def _starts(self, therapist: Therapist, day: date, blocked: timedelta):
        """Start times on the step grid (from local midnight) whose session and buffer fit."""
        step = self.policy.step_minutes
        zone = timezone.get_current_timezone()
        for hours in therapist.working_hours.all():
            if hours.weekday != day.weekday():
                continue
            interval_end = datetime.combine(day, hours.ends, tzinfo=zone).astimezone(UTC)
            minute = hours.starts.hour * 60 + hours.starts.minute
            minute += -minute % step
            while minute < 24 * 60:
                wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
                minute += step
                start = wall.astimezone(UTC)
                if start.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
                    continue  # a wall-clock time skipped by the spring-forward change
                if start + blocked > interval_end:
                    break
                yield start

    def days(self) -> list[date]:
        return list(self.slots_by_day)

    def slots(self, day: date) -> list[Slot]:
        return self.slots_by_day.get(day, [])

    def days_with_slots(self) -> list[date]:
        return [day for day, slots in self.slots_by_day.items() if slots]

    def free_therapists_at(self, start: datetime) -> list[Therapist]:
        day = timezone.localdate(start)
        return [slot.therapist for slot in self.slots(day) if slot.start == start]

    def fairest_therapist_at(self, start: datetime) -> Therapist | None:
        """The free therapist with the fewest bookings that day; ties go to the listed order."""
        day = timezone.localdate(start)
        free = self.free_therapists_at(start)
        return min(
            free,
            key=lambda t: (self.bookings_per_day[(t.pk, day)], t.order, t.name),
            default=None,
        )

    def therapist_for(self, start: datetime, shown: str = "") -> Therapist | None:
        """Who takes a start: the therapist asked for if free; for "first available", the one
        already shown to the client (slug `shown`) while still free, else the fairest free one."""
        free = self.free_therapists_at(start)
        if self.therapist is not None:
            return self.therapist if self.therapist in free else None
        for therapist in free:
            if therapist.slug == shown:
                return therapist
        return self.fairest_therapist_at(start)

    def nearest(self, start: datetime, count: int = 3) -> list[Slot]:
        """The free slots closest to a wanted start, one per time, for "that time was taken"."""
        unique: dict[datetime, Slot] = {}
        for slots in self.slots_by_day.values():
            for slot in slots:
                unique.setdefault(slot.start, slot)
        closest = sorted(unique.values(), key=lambda slot: abs(slot.start - start))[:count]
        return sorted(closest, key=lambda slot: slot.start)


def free_slots(
    *,
    option: ServiceOption,
    day: date,
    therapist: Therapist | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots on one day (one per therapist and time when `therapist` is None)."""
    return Availability(
        option=option, first_day=day, last_day=day, therapist=therapist, now=now
    ).slots(day)


def policy_days(now: datetime | None = None) -> tuple[date, date]:
    """The first and last day a client can book on, from the minimum notice and the horizon."""
    now = now or timezone.now()
    policy = BookingPolicy.current()
    return timezone.localdate(now + policy.min_notice), timezone.localdate(now + policy.horizon)


__all__ = ["Availability", "Slot", "buffer_for", "free_slots", "policy_days"]
