"""Working time, computed once: who works when, for a set of therapists over a range of dates.

Weekly hours (several intervals a day make breaks and split shifts) and one-off extra shifts are
read on the clinic's wall clock for each local date and turned into aware instants (UTC), so
sums and comparisons are right across daylight-saving changes. A clinic closure empties its days
for everyone (its name says why); time off is kept as intervals with their reason. Availability,
the back-office calendar and the owner's reports all read it from here, in four queries whatever
the number of therapists, days or rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking.models import ClinicClosure, ExtraShift, TimeOff, WorkingHours


def local_midnight(day: date) -> datetime:
    """The instant a local date begins on the clinic's wall clock."""
    return wall(day, time.min)


def wall(day: date, at: time) -> datetime:
    """A wall-clock time of a local date as an instant in UTC. A time the spring-forward change
    skips reads with the offset before the change (02:30 is 03:30 daylight time)."""
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone()).astimezone(UTC)


@dataclass(frozen=True)
class Span:
    """A half-open interval [start, end) between two aware instants (UTC)."""

    start: datetime
    end: datetime
    label: str = ""  # a time off's reason, or an extra shift's note

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def merged(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with overlapping or touching spans joined (9-12 and 12-15 make one shift 9-15)."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end, out[-1].label)
        else:
            out.append(Span(span.start, span.end, span.label))
    return out


def without(spans: list[Span], holes: Iterable[Span]) -> list[Span]:
    """`spans` less every hole (time off entered twice counts once)."""
    rest = list(spans)
    for hole in merged(holes):
        cut: list[Span] = []
        for span in rest:
            if not span.overlaps(hole.start, hole.end):
                cut.append(span)
                continue
            if span.start < hole.start:
                cut.append(Span(span.start, hole.start, span.label))
            if hole.end < span.end:
                cut.append(Span(hole.end, span.end, span.label))
        rest = cut
    return rest


@dataclass
class WorkingDay:
    """One therapist on one local date."""

    therapist_id: int
    day: date
    closed: str = ""  # the closure's name when the clinic is closed that day
    shifts: list[Span] = field(default_factory=list)  # weekly and extra, merged; none if closed
    time_off: list[Span] = field(default_factory=list)  # overlapping the day, reason as label

    @property
    def working(self) -> list[Span]:
        """The shifts less time off: the time the therapist can actually give sessions."""
        return without(self.shifts, self.time_off)

    @property
    def minutes(self) -> int:
        return int(sum((s.duration for s in self.working), timedelta(0)).total_seconds() // 60)

    def shift_at(self, moment: datetime) -> Span | None:
        return next((shift for shift in self.shifts if moment in shift), None)

    def off_during(self, start: datetime, end: datetime) -> Span | None:
        return next((off for off in self.time_off if off.overlaps(start, end)), None)


@dataclass
class WorkingTime:
    """Working days for `therapist_ids` from `first_day` to `last_day` (local dates)."""

    therapist_ids: list[int]
    first_day: date
    last_day: date
    closures: dict[date, str] = field(default_factory=dict)
    _days: dict[tuple[int, date], WorkingDay] = field(default_factory=dict)

    def day(self, therapist_id: int, day: date) -> WorkingDay:
        """A day outside the range, or a therapist not asked for, is a day without work."""
        return self._days.get((therapist_id, day)) or WorkingDay(therapist_id, day)

    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(max(count, 0))]

    def minutes(self, therapist_id: int) -> int:
        """Working minutes over the whole range: shifts less time off, closed days excluded."""
        return sum(self.day(therapist_id, day).minutes for day in self.days())


def working_time(therapist_ids: Iterable[int], first_day: date, last_day: date) -> WorkingTime:
    """Read the schedules of these therapists for these local dates: four queries in all."""
    ids = sorted(set(therapist_ids))
    result = WorkingTime(therapist_ids=ids, first_day=first_day, last_day=last_day)
    if last_day < first_day:
        return result
    for name, first, last in ClinicClosure.objects.filter(
        first_day__lte=last_day, last_day__gte=first_day
    ).values_list("name", "first_day", "last_day"):
        for day in result.days():
            if first <= day <= last:
                result.closures.setdefault(day, name)
    if not ids:
        return result

    weekly: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    for therapist_id, weekday, starts, ends in WorkingHours.objects.filter(
        therapist_id__in=ids
    ).values_list("therapist_id", "weekday", "starts", "ends"):
        weekly[(therapist_id, weekday)].append((starts, ends))
    extra: dict[tuple[int, date], list[tuple[time, time, str]]] = defaultdict(list)
    for therapist_id, day, starts, ends, note in ExtraShift.objects.filter(
        therapist_id__in=ids, day__gte=first_day, day__lte=last_day
    ).values_list("therapist_id", "day", "starts", "ends", "note"):
        extra[(therapist_id, day)].append((starts, ends, note))
    off: dict[int, list[Span]] = defaultdict(list)
    for therapist_id, starts_at, ends_at, reason in (
        TimeOff.objects.filter(
            therapist_id__in=ids,
            starts_at__lt=local_midnight(last_day + timedelta(days=1)),
            ends_at__gt=local_midnight(first_day),
        )
        .order_by("starts_at")
        .values_list("therapist_id", "starts_at", "ends_at", "reason")
    ):
        off[therapist_id].append(Span(starts_at.astimezone(UTC), ends_at.astimezone(UTC), reason))

    for day in result.days():
        day_start, day_end = local_midnight(day), local_midnight(day + timedelta(days=1))
        closed = result.closures.get(day, "")
        for therapist_id in ids:
            intervals = [(s, e, "") for s, e in weekly[(therapist_id, day.weekday())]]
            intervals += extra[(therapist_id, day)]
            shifts = []
            if not closed:
                shifts = merged(Span(wall(day, s), wall(day, e), note) for s, e, note in intervals)
            result._days[(therapist_id, day)] = WorkingDay(
                therapist_id=therapist_id,
                day=day,
                closed=closed,
                shifts=shifts,
                time_off=[o for o in off[therapist_id] if o.overlaps(day_start, day_end)],
            )
    return result


__all__ = ["Span", "WorkingDay", "WorkingTime", "local_midnight", "wall", "working_time"]
