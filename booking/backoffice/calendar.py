"""The back office's calendar: a grid of quarter hours by therapist (a day) or by day (a week).

Who works when comes from `booking.working_time` and the free starts from the availability
selector, for the session length staff chose: a free cell is exactly a start that books. Working
time where that length cannot start (inside another session's cleanup, too close to the end of
the shift, off the start grid) is shown but not offered. A fixed number of queries whatever the
number of days, therapists or appointments. The grid is a table (rowspans for sessions), so it
needs no inline styles under the strict CSP and prints.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.db.models import QuerySet
from django.utils import timezone

from booking.availability import TAKEN, Availability
from booking.models import Appointment, ServiceOption, Therapist
from booking.working_time import Span, local_midnight, working_time

STEP = timedelta(minutes=15)
DEFAULT_MINUTES = 60


def session_lengths() -> list[int]:
    """The lengths staff may pick: the distinct durations of the options on offer, and the
    default hour."""
    durations = (
        ServiceOption.objects.filter(is_active=True, service__is_active=True)
        .order_by()
        .values_list("duration_minutes", flat=True)
        .distinct()
    )
    return sorted({*durations, DEFAULT_MINUTES})


@dataclass
class Column:
    """One therapist on one day."""

    therapist: Therapist
    day: date
    closed: str = ""  # the closure's name when the clinic is closed
    hours: list[Span] = field(default_factory=list)  # shifts: weekly hours and extra shifts
    time_off: list[Span] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    starts: set[datetime] = field(default_factory=set)  # free starts (UTC) for the length shown
    availability: Availability | None = None

    def working_at(self, moment: datetime) -> bool:
        return any(moment in shift for shift in self.hours)

    def off_at(self, moment: datetime) -> str | None:
        for off in self.time_off:
            if moment in off:
                return off.label or "Time off"
        return None

    def why_not(self, moment: datetime) -> str:
        """Why the chosen length cannot start here, in staff words."""
        if self.availability is None:
            return ""
        refusal = self.availability.refusal(moment, self.therapist)
        if refusal is None:
            return ""
        if refusal.rule == TAKEN:
            return f"A {self.availability.minutes}-minute session here would run into the next one."
        return refusal.message


@dataclass
class Cell:
    kind: str  # "appointment", "free", "nostart", "off", "closed", "outside"
    rowspan: int = 1
    appointment: Appointment | None = None
    start: datetime | None = None
    label: str = ""
    therapist: Therapist | None = None


@dataclass
class Row:
    start: datetime
    cells: list[Cell | None]  # None: covered by a session's rowspan above

    @property
    def label(self) -> str:
        local = timezone.localtime(self.start)
        return local.strftime("%-I:%M %p") if local.minute == 0 else local.strftime(":%M")


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    minutes: int = DEFAULT_MINUTES


def _local(day: date, at: time, zone: tzinfo | None = None) -> datetime:
    return datetime.combine(day, at, tzinfo=zone or timezone.get_current_timezone())


def schedule_columns(
    therapists: QuerySet[Therapist] | list[Therapist],
    days: list[date],
    minutes: int | None = None,
) -> list[Column]:
    """Columns for every (day, therapist) pair, days first, in a fixed number of queries. With
    `minutes`, each column knows the starts a session of that length can book."""
    therapists = list(therapists)
    first, last = min(days), max(days)
    availability: Availability | None = None
    working = working_time([t.pk for t in therapists], first, last)
    if minutes is not None:
        offering = _offering(therapists, minutes)
        availability = Availability.for_length(
            minutes=minutes,
            therapists=[t for t in therapists if t.pk in offering],
            first_day=first,
            last_day=last,
            schedules=working,
        )
    window_start, window_end = local_midnight(first), local_midnight(last + timedelta(days=1))
    booked = defaultdict(list)
    for appointment in (
        Appointment.objects.filter(
            therapist_id__in=[t.pk for t in therapists], start__lt=window_end, end__gt=window_start
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("client", "option__service", "intake")
        .order_by("start")
    ):
        booked[(appointment.therapist_id, timezone.localdate(appointment.start))].append(
            appointment
        )
    columns = []
    for day in days:
        for therapist in therapists:
            schedule = working.day(therapist.pk, day)
            columns.append(
                Column(
                    therapist=therapist,
                    day=day,
                    closed=working.closures.get(day, ""),
                    hours=schedule.shifts,
                    time_off=schedule.time_off,
                    appointments=booked[(therapist.pk, day)],
                    starts=availability.starts(therapist, day) if availability else set(),
                    availability=availability,
                )
            )
    return columns


def _offering(therapists: list[Therapist], minutes: int) -> set[int]:
    """Who can be booked for a session of `minutes`: active, offering an option that long."""
    return set(
        ServiceOption.objects.filter(
            is_active=True,
            service__is_active=True,
            duration_minutes=minutes,
            service__therapists__in=[t.pk for t in therapists],
            service__therapists__is_active=True,
        ).values_list("service__therapists", flat=True)
    )


def _bounds(columns: list[Column]) -> tuple[time, time]:
    """The hours the grid shows: from the earliest work or session to the latest, 8-6 at least."""
    starts, ends = [time(8)], [time(18)]
    for column in columns:
        for shift in column.hours:
            starts.append(timezone.localtime(shift.start).time())
            ends.append(timezone.localtime(shift.end).time())
        for appointment in column.appointments:
            starts.append(timezone.localtime(appointment.start).time())
            ends.append(timezone.localtime(appointment.end).time())
    first = min(starts).replace(minute=min(starts).minute // 15 * 15, second=0, microsecond=0)
    last = max(ends)
    return first, last


def _free_or_not(column: Column, at: time, zone: tzinfo) -> Cell:
    """A quarter hour with no session in it: closed, time off, a start that books, working time
    where the chosen length cannot start (with the reason), or outside working hours."""
    moment = _local(column.day, at, zone)
    instant = moment.astimezone(UTC)
    if column.closed:
        return Cell("closed", label=column.closed)
    if reason := column.off_at(instant):
        return Cell("off", label=reason)
    if instant.astimezone(zone).time() != at:
        return Cell("outside")  # a wall-clock time the spring-forward change skips
    if instant in column.starts:
        return Cell("free", start=moment, therapist=column.therapist)
    if column.working_at(instant):
        return Cell(
            "nostart", start=moment, therapist=column.therapist, label=column.why_not(moment)
        )
    return Cell("outside")


def build_grid(columns: list[Column], minutes: int = DEFAULT_MINUTES) -> Grid:
    """Quarter-hour rows on the clinic's wall clock; each session spans the rows it covers."""
    if not columns:
        return Grid(columns=[], rows=[], minutes=minutes)
    first, last = _bounds(columns)
    times = []
    moment = datetime.combine(date(2000, 1, 1), first)
    while moment.time() < last and moment.date() == date(2000, 1, 1):
        times.append(moment.time())
        moment += STEP
    zone = timezone.get_current_timezone()  # once: each lookup costs, times hundreds of cells
    rows = [Row(start=_local(columns[0].day, at, zone), cells=[]) for at in times]
    for column in columns:
        starts = {
            timezone.localtime(a.start).replace(second=0, microsecond=0).time(): a
            for a in column.appointments
        }
        covered_until: datetime | None = None
        for row, at in zip(rows, times, strict=True):
            moment = _local(column.day, at, zone)
            if covered_until is not None and moment < covered_until:
                row.cells.append(None)
                continue
            appointment = starts.get(at) or next(
                (a for a in column.appointments if a.start <= moment < a.end), None
            )
            if appointment is not None:
                end = max(appointment.end, moment + STEP)
                span = max(1, -(-int((end - moment).total_seconds()) // int(STEP.total_seconds())))
                span = min(span, len(times) - times.index(at))
                covered_until = moment + STEP * span
                row.cells.append(Cell("appointment", rowspan=span, appointment=appointment))
            else:
                row.cells.append(_free_or_not(column, at, zone))
    return Grid(columns=columns, rows=rows, minutes=minutes)


def day_grid(
    day: date, therapists: QuerySet[Therapist] | list[Therapist], minutes: int = DEFAULT_MINUTES
) -> Grid:
    return build_grid(schedule_columns(therapists, [day], minutes), minutes)


def week_grid(monday: date, therapist: Therapist, minutes: int = DEFAULT_MINUTES) -> Grid:
    days = [monday + timedelta(days=n) for n in range(7)]
    return build_grid(schedule_columns([therapist], days, minutes), minutes)
