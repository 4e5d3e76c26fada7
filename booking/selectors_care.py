"""Reads for the care loop: earlier answers, the activities followed, a plan's progress (with
its server-drawn charts) and the owner's outcomes per service.

A change of 2 points or more is one that matters: published minimal important differences are
about 2 points for the Patient-Specific Functional Scale and 1.5 to 3.5 for the numeric pain
rating scale (J Orthop Sports Phys Ther 2014;44(8):560-564).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from booking.aftercare import tips_by_key
from booking.models import Appointment, Client, Intake, TreatmentPlan
from booking.models.care import LOCK_AFTER

MATTERS = 2  # points, on either 0-10 scale
MAX_ACTIVITIES = 3


def previous_intake(appointment: Appointment) -> Intake | None:
    """The client's latest answers before this visit (to fill the form in, or confirm)."""
    return (
        Intake.objects.filter(appointment__client_id=appointment.client_id)
        .exclude(appointment=appointment)
        .filter(appointment__start__lt=appointment.start)
        .order_by("-appointment__start")
        .first()
    )


def current_plan(client: Client, before: datetime | None = None) -> TreatmentPlan | None:
    """The client's latest plan written at a session before `before` (default: any)."""
    plans = TreatmentPlan.objects.filter(appointment__client=client)
    if before is not None:
        plans = plans.filter(appointment__start__lt=before)
    return plans.select_related("appointment").order_by("-appointment__start").first()


def tracked_activities(appointment: Appointment) -> list[str]:
    """The activities this visit's intake asks scores for: chosen once per plan (the plan's),
    or once per client when there is no plan (their first answers naming any). Empty: the
    client chooses them now."""
    plan = current_plan(appointment.client, before=appointment.start)
    if plan is not None and plan.activities:
        return list(plan.activities)
    earlier = Intake.objects.filter(appointment__client_id=appointment.client_id).exclude(
        appointment=appointment
    )
    if plan is not None:
        earlier = earlier.filter(appointment__start__gte=plan.appointment.start)
    for activities in earlier.order_by("appointment__start").values_list("activities", flat=True):
        if activities:
            return [item["name"] for item in activities]
    return []


def without_session_record(
    appointments: QuerySet[Appointment], now: datetime, *, locked: bool
) -> QuerySet[Appointment]:
    """Sessions that took place (over, neither cancelled nor missed) with no session record:
    still to write (`locked=False`: the record can be written until LOCK_AFTER after the
    session), or never written (`locked=True`: too late now, the gap stays on file)."""
    cutoff = now - LOCK_AFTER
    held = appointments.filter(end__lte=now, session_record__isnull=True).exclude(
        status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]
    )
    return held.filter(end__lte=cutoff) if locked else held.filter(end__gt=cutoff)


def book_next_path(appointment: Appointment, day: date) -> str:
    """The booking flow at the suggested day, with this session's service, length and therapist
    chosen (the public URL contract: /book/?service=&minutes=&therapist=&day=)."""
    return (
        f"{reverse('booking:book')}?service={appointment.option.service.slug}"
        f"&minutes={appointment.option.duration_minutes}"
        f"&therapist={appointment.therapist.slug}&day={day:%Y-%m-%d}"
    )


# ---------------------------------------------------------------------------------------------
# A plan's progress.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Visit:
    day: date
    status: str
    pain: int | None
    scores: dict[str, int]


@dataclass(frozen=True)
class Point:
    x: int
    y: int
    value: int
    day: date


@dataclass(frozen=True)
class Chart:
    """One line on a 0-10 scale, as SVG coordinates computed here (no script on the page)."""

    title: str
    points: list[Point]
    change: int | None  # last minus first
    better_when: str  # "lower" (pain) or "higher" (function)
    width: int = 320
    height: int = 180

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def improvement(self) -> int | None:
        if self.change is None:
            return None
        return -self.change if self.better_when == "lower" else self.change

    @property
    def matters(self) -> bool:
        return self.improvement is not None and abs(self.improvement) >= MATTERS

    @property
    def gridlines(self) -> list[tuple[int, int]]:
        return [(value, _y(value)) for value in (0, 5, 10)]


TOP, BOTTOM, LEFT, RIGHT = 20, 150, 40, 300


def _y(value: int) -> int:
    return round(BOTTOM - (BOTTOM - TOP) * value / 10)


def _chart(title: str, values: list[tuple[date, int]], better_when: str) -> Chart:
    count = len(values)
    step = (RIGHT - LEFT) / (count - 1) if count > 1 else 0
    points = [
        Point(
            x=round(LEFT + step * i) if count > 1 else (LEFT + RIGHT) // 2, y=_y(v), value=v, day=d
        )
        for i, (d, v) in enumerate(values)
    ]
    change = values[-1][1] - values[0][1] if count > 1 else None
    return Chart(title=title, points=points, change=change, better_when=better_when)


@dataclass
class Progress:
    plan: TreatmentPlan
    visits: list[Visit]
    done: int
    upcoming: Appointment | None
    charts: list[Chart] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return self.plan.sessions_planned

    @property
    def complete(self) -> bool:
        return self.done >= self.planned

    @property
    def next_day(self) -> date:
        """The suggested day of the next session: the plan's interval after the last one."""
        last = max((v.day for v in self.visits if v.status == "completed"), default=None)
        return (last or timezone.localdate(self.plan.appointment.start)) + timedelta(
            days=self.plan.interval_days
        )

    @property
    def activity_names(self) -> list[str]:
        return list(self.plan.activities) or _activity_names(self.visits)

    @property
    def rows(self) -> list[tuple[Visit, list[int | None]]]:
        """The table under the charts: each visit's pain and activity scores."""
        names = self.activity_names
        return [(visit, [visit.scores.get(name) for name in names]) for visit in self.visits]

    @property
    def home_care(self):
        return tips_by_key(self.plan.home_care)


def _plan_appointments(plan: TreatmentPlan) -> list[Appointment]:
    """The client's sessions from the plan's own until the next plan begins."""
    start = plan.appointment.start
    later = (
        TreatmentPlan.objects.filter(
            appointment__client_id=plan.appointment.client_id, appointment__start__gt=start
        )
        .order_by("appointment__start")
        .values_list("appointment__start", flat=True)
        .first()
    )
    appointments = Appointment.objects.filter(
        client_id=plan.appointment.client_id, start__gte=start
    ).exclude(status=Appointment.Status.CANCELLED)
    if later is not None:
        appointments = appointments.filter(start__lt=later)
    return list(appointments.select_related("intake").order_by("start"))


def _visits(appointments: list[Appointment]) -> list[Visit]:
    visits = []
    for appointment in appointments:
        intake = getattr(appointment, "intake", None)
        if appointment.status == Appointment.Status.BOOKED and intake is None:
            continue
        visits.append(
            Visit(
                day=timezone.localdate(appointment.start),
                status=appointment.status,
                pain=intake.pain if intake else None,
                scores=intake.activity_scores if intake else {},
            )
        )
    return visits


def plan_progress(plan: TreatmentPlan, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
    appointments = _plan_appointments(plan)
    visits = _visits(appointments)
    done = sum(1 for a in appointments if a.status == Appointment.Status.COMPLETED)
    upcoming = next(
        (a for a in appointments if a.status == Appointment.Status.BOOKED and a.start > now), None
    )
    charts = []
    pain = [(v.day, v.pain) for v in visits if v.pain is not None]
    if pain:
        charts.append(_chart("Pain (0 no pain, 10 worst imaginable)", pain, "lower"))
    for name in plan.activities or _activity_names(visits):
        scores = [(v.day, v.scores[name]) for v in visits if name in v.scores]
        if scores:
            charts.append(_chart(f"{name} (0 cannot, 10 as before the pain)", scores, "higher"))
    return Progress(plan=plan, visits=visits, done=done, upcoming=upcoming, charts=charts)


def _activity_names(visits: list[Visit]) -> list[str]:
    names: list[str] = []
    for visit in visits:
        names += [name for name in visit.scores if name not in names]
    return names[:MAX_ACTIVITIES]


# ---------------------------------------------------------------------------------------------
# The owner's outcomes per service.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    service: str
    plans: int
    improved: int
    completed: int
    rebooked: int

    @staticmethod
    def _percent(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    @property
    def improved_percent(self) -> int:
        return self._percent(self.improved, self.plans)

    @property
    def completed_percent(self) -> int:
        return self._percent(self.completed, self.plans)

    @property
    def rebooked_percent(self) -> int:
        return self._percent(self.rebooked, self.plans)


def _improved(visits: list[Visit]) -> bool:
    """Pain down by 2 or more, or the activities' average up by 2 or more, first to last."""
    pain = [v.pain for v in visits if v.pain is not None]
    if len(pain) > 1 and pain[0] - pain[-1] >= MATTERS:
        return True
    scored = [v.scores for v in visits if v.scores]
    if len(scored) > 1:
        first, last = scored[0], scored[-1]
        shared = [name for name in first if name in last]
        if shared:
            rise = sum(last[n] - first[n] for n in shared) / len(shared)
            return rise >= MATTERS
    return False


def outcomes_by_service(first: date, last: date) -> list[Outcome]:
    """For plans written at sessions between `first` and `last` (clinic days), per service: how
    many clients improved by 2 points or more on pain or function, how many completed the plan's
    sessions, and how many booked their next session within the plan's interval. Counts only:
    no names."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    plans = list(
        TreatmentPlan.objects.filter(appointment__start__gte=start, appointment__start__lt=end)
        .select_related("appointment__option__service")
        .order_by("appointment__start")
    )
    clients = {plan.appointment.client_id for plan in plans}
    by_client: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in (
        Appointment.objects.filter(client_id__in=clients)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("intake", "treatment_plan")
        .order_by("start")
    ):
        by_client[appointment.client_id].append(appointment)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for plan in plans:
        own = plan.appointment
        mine = [a for a in by_client[own.client_id] if a.start >= own.start]
        next_plan = next((a.start for a in mine[1:] if hasattr(a, "treatment_plan")), None)
        if next_plan is not None:
            mine = [a for a in mine if a.start < next_plan]
        counts = tally[own.option.service.name]
        counts[0] += 1
        counts[1] += _improved(_visits(mine))
        counts[2] += (
            sum(1 for a in mine if a.status == Appointment.Status.COMPLETED)
            >= plan.sessions_planned
        )
        due = timezone.localdate(own.start) + timedelta(days=plan.interval_days)
        later = [a for a in by_client[own.client_id] if a.start > own.start]
        counts[3] += bool(later) and timezone.localdate(later[0].start) <= due
    return [
        Outcome(service=name, plans=c[0], improved=c[1], completed=c[2], rebooked=c[3])
        for name, c in sorted(tally.items())
    ]
