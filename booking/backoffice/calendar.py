"""The back office's calendar: a grid of quarter hours by therapist (a day) or by day (a week).

Built from five queries whatever the number of days, therapists or appointments. The grid is a
table (rowspans for sessions), so it needs no inline styles under the strict CSP and prints.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from booking.models import Appointment, ClinicClosure, Therapist, TimeOff, WorkingHours

STEP = timedelta(minutes=15)


@dataclass
class Column:
    """One therapist on one day."""

    therapist: Therapist
    day: date
    closed: str = ""  # the closure's name when the clinic is closed
    hours: list[tuple[datetime, datetime]] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)

    def working_at(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.hours)

    def off_at(self, moment: datetime) -> str | None:
        for start, end, reason in self.time_off:
            if start <= moment < end:
                return reason or "Time off"
        return None


@dataclass
class Cell:
    kind: str  # "appointment", "free", "off", "closed", "outside"
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


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def schedule_columns(
    therapists: QuerySet[Therapist] | list[Therapist], days: list[date]
) -> list[Column]:
    """Columns for every (day, therapist) pair, days first: five queries in all."""
    therapists = list(
        Therapist.objects.filter(pk__in=[t.pk for t in therapists]).prefetch_related(
            Prefetch("working_hours", queryset=WorkingHours.objects.order_by("starts"))
        )
    )
    first, last = min(days), max(days)
    window_start, window_end = _local(first, time.min), _local(last + timedelta(days=1), time.min)
    ids = [t.pk for t in therapists]
    closures: dict[date, str] = {}
    for closure in ClinicClosure.objects.filter(first_day__lte=last, last_day__gte=first):
        day = max(closure.first_day, first)
        while day <= min(closure.last_day, last):
            closures[day] = closure.name
            day += timedelta(days=1)
    time_off = defaultdict(list)
    for off in TimeOff.objects.filter(
        therapist_id__in=ids, starts_at__lt=window_end, ends_at__gt=window_start
    ):
        time_off[off.therapist_id].append((off.starts_at, off.ends_at, off.reason))
    booked = defaultdict(list)
    for appointment in (
        Appointment.objects.filter(therapist_id__in=ids, start__lt=window_end, end__gt=window_start)
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
            columns.append(
                Column(
                    therapist=therapist,
                    day=day,
                    closed=closures.get(day, ""),
                    hours=[
                        (_local(day, h.starts), _local(day, h.ends))
                        for h in therapist.working_hours.all()
                        if h.weekday == day.weekday()
                    ],
                    time_off=time_off[therapist.pk],
                    appointments=booked[(therapist.pk, day)],
                )
            )
    return columns


def _bounds(columns: list[Column]) -> tuple[time, time]:
    """The hours the grid shows: from the earliest work or session to the latest, 8-6 at least."""
    starts, ends = [time(8)], [time(18)]
    for column in columns:
        for start, end in column.hours:
            starts.append(timezone.localtime(start).time())
            ends.append(timezone.localtime(end).time())
        for appointment in column.appointments:
            starts.append(timezone.localtime(appointment.start).time())
            ends.append(timezone.localtime(appointment.end).time())
    first = min(starts).replace(minute=min(starts).minute // 15 * 15, second=0, microsecond=0)
    last = max(ends)
    return first, last


def build_grid(columns: list[Column]) -> Grid:
    """Quarter-hour rows on the clinic's wall clock; each session spans the rows it covers."""
    if not columns:
        return Grid(columns=[], rows=[])
    first, last = _bounds(columns)
    times = []
    moment = datetime.combine(date(2000, 1, 1), first)
    while moment.time() < last and moment.date() == date(2000, 1, 1):
        times.append(moment.time())
        moment += STEP
    rows = [Row(start=_local(columns[0].day, at), cells=[]) for at in times]
    for column in columns:
        starts = {
            timezone.localtime(a.start).replace(second=0, microsecond=0).time(): a
            for a in column.appointments
        }
        covered_until: datetime | None = None
        for row, at in zip(rows, times, strict=True):
            moment = _local(column.day, at)
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
            elif column.closed:
                row.cells.append(Cell("closed", label=column.closed))
            elif reason := column.off_at(moment.astimezone(UTC)):
                row.cells.append(Cell("off", label=reason))
            elif column.working_at(moment):
                row.cells.append(Cell("free", start=moment, therapist=column.therapist))
            else:
                row.cells.append(Cell("outside"))
    return Grid(columns=columns, rows=rows)


def day_grid(day: date, therapists: QuerySet[Therapist] | list[Therapist]) -> Grid:
    return build_grid(schedule_columns(therapists, [day]))


def week_grid(monday: date, therapist: Therapist) -> Grid:
    days = [monday + timedelta(days=n) for n in range(7)]
    return build_grid(schedule_columns([therapist], days))
