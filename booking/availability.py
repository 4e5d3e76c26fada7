"""Free start times, and why a start is not one: the computation that the public flow, the
booking services, the back-office calendar and the benchmarks share.

A start is free for a therapist when it lies on the policy's grid, the session fits inside one
of their shifts (`booking.working_time`) without touching time off, the session and its cleanup
buffer clash with no other session and its buffer, and (for clients) it lies between the
minimum notice and the booking horizon. The buffer separates sessions only: a session may end
exactly when a shift ends, the day ends or time off begins. Times are computed on the clinic's
wall clock and compared as aware instants, so daylight-saving changes are right. The number of
queries is fixed: it does not grow with days, therapists or appointments.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking.exceptions import SlotUnavailable
from booking.models import Appointment, BookingPolicy, ServiceOption, Therapist
from booking.working_time import WorkingDay, WorkingTime, local_midnight, wall, working_time
from focusedcare.cache import APPOINTMENTS, CATALOG, remembered

# The rules a start can break, as `Refusal.rule`.
CLOSED = "closed"
NOTICE = "notice"
HORIZON = "horizon"
NOT_OFFERED = "not_offered"
NOT_WORKING = "not_working"
OUTSIDE_HOURS = "outside_hours"
OFF_GRID = "off_grid"
SHIFT_END = "shift_end"
TIME_OFF = "time_off"
TAKEN = "taken"
BUFFER_AFTER = "buffer_after"
BUFFER_BEFORE = "buffer_before"
NOBODY_FREE = "nobody_free"


@dataclass(frozen=True)
class Slot:
    start: datetime
    therapist: Therapist

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.start)


@dataclass(frozen=True)
class Refusal:
    """Why a start is not offered: the rule, and a sentence a client or staff member can read.
    Only `TAKEN` (the session overlaps another booking) says the time is taken."""

    rule: str
    message: str


@dataclass(frozen=True)
class _Booked:
    start: datetime
    end: datetime
    blocked_until: datetime


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


def wall_clock(moment: datetime) -> str:
    """ "9:45 AM" on the clinic's clock, as staff and clients read a time."""
    return timezone.localtime(moment).strftime("%-I:%M %p")


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


@dataclass
class _Computed:
    """What an Availability reads and computes before the notice and horizon are applied: the
    part that may be kept between requests (shared: never changed once built)."""

    candidates: list[Therapist]
    working: WorkingTime
    booked: dict[int, list[_Booked]] = field(default_factory=dict)
    bookings_per_day: dict[tuple[int, date], int] = field(default_factory=dict)
    slots_by_day: dict[date, list[Slot]] = field(default_factory=dict)


@dataclass
class Availability:
    """Free slots over a range of days, computed once: for one service option (who offers it,
    its length and buffer), or with `for_length` for a session length (the back office)."""

    option: ServiceOption | None
    first_day: date
    last_day: date
    therapist: Therapist | None = None
    now: datetime | None = None
    ignore: Appointment | None = None
    enforce_policy: bool = True
    minutes: int | None = None  # without an option: the session length
    therapists: list[Therapist] | None = None  # without an option: whose time
    schedules: WorkingTime | None = None  # already read for these days (the calendar's)
    fresh: bool = False  # read the database, never the cache: the booking services' choice
    policy: BookingPolicy = field(init=False)
    session: timedelta = field(init=False)
    buffer: timedelta = field(init=False)
    candidates: list[Therapist] = field(init=False)
    working: WorkingTime = field(init=False)
    moment: datetime = field(init=False)  # `now`, resolved and in UTC
    slots_by_day: dict[date, list[Slot]] = field(init=False)
    bookings_per_day: dict[tuple[int, date], int] = field(init=False)

    @classmethod
    def for_length(
        cls,
        *,
        minutes: int,
        therapists: list[Therapist],
        first_day: date,
        last_day: date,
        now: datetime | None = None,
        schedules: WorkingTime | None = None,
    ) -> "Availability":
        """Starts for a session of `minutes` plus the policy's buffer, for these therapists
        whatever they offer, as staff book them: no minimum notice, no horizon. `schedules`
        is their working time for these days when the caller has read it already."""
        return cls(
            option=None,
            first_day=first_day,
            last_day=last_day,
            now=now,
            enforce_policy=False,
            minutes=minutes,
            therapists=list(therapists),
            schedules=schedules,
        )

    def __post_init__(self) -> None:
        # All arithmetic in UTC: Python adds and compares datetimes that share a zone on the wall
        # clock, which is wrong by an hour across a daylight-saving change.
        self.moment = self.now = (self.now or timezone.now()).astimezone(UTC)
        self.policy = BookingPolicy.current()
        if self.option is not None:
            self.session = timedelta(minutes=self.option.duration_minutes)
            self.buffer = buffer_for(self.option, self.policy)
        else:
            self.session = timedelta(minutes=self.minutes or 0)
            self.buffer = timedelta(minutes=self.policy.buffer_minutes)
        self._booked: dict[int, list[_Booked]] = {}
        self._compute()

    def _therapists(self) -> list[Therapist]:
        if self.option is None:
            found = list(self.therapists or [])
            return [t for t in found if self.therapist is None or t.pk == self.therapist.pk]
        queryset = Therapist.objects.active().filter(services=self.option.service_id)
        if self.therapist is not None:
            queryset = queryset.filter(pk=self.therapist.pk)
        return list(queryset)

    def _compute(self) -> None:
        if self.option is not None and self._cacheable():
            key = (
                "availability",
                self.option.pk,
                self.therapist.pk if self.therapist is not None else None,
                self.first_day,
                self.last_day,
                timezone.get_current_timezone_name(),
            )
            state = remembered(key, self._read, CATALOG, APPOINTMENTS)
        else:
            state = self._read()
        self.candidates, self.working = state.candidates, state.working
        self._booked, self.bookings_per_day = state.booked, state.bookings_per_day
        # "Now" is applied here, on every read: a cached day never offers a start that has
        # come inside the minimum notice since it was computed.
        earliest, latest = self._policy_bounds()
        if earliest is None or latest is None:
            self.slots_by_day = {day: list(slots) for day, slots in state.slots_by_day.items()}
        else:
            self.slots_by_day = {
                day: [slot for slot in slots if earliest <= slot.start <= latest]
                for day, slots in state.slots_by_day.items()
            }

    def _cacheable(self) -> bool:
        """The slots a client is offered, kept until a write changes the catalog or the
        appointments (booking/signals.py). Never for the booking services (`fresh`): they decide
        on what the database says inside their transaction, whatever the cache holds."""
        return (
            not self.fresh
            and self.option is not None
            and self.option.pk is not None
            and self.ignore is None
            and self.schedules is None
        )

    def _read(self) -> "_Computed":
        """Everything but the notice and horizon, which depend on the moment of the request."""
        therapists = self._therapists()
        ids = [t.pk for t in therapists]
        schedules = self.schedules
        if schedules is not None and (
            set(ids) <= set(schedules.therapist_ids)
            and (schedules.first_day, schedules.last_day) == (self.first_day, self.last_day)
        ):
            working = schedules
        else:
            working = working_time(ids, self.first_day, self.last_day)
        state = _Computed(candidates=therapists, working=working)
        if not therapists or self.last_day < self.first_day:
            return state
        range_start = local_midnight(self.first_day)
        range_end = local_midnight(self.last_day + timedelta(days=1))

        appointments = (
            Appointment.objects.blocking()
            .filter(therapist_id__in=ids)
            .overlapping(range_start - timedelta(days=1), range_end + timedelta(days=1))
            .order_by("start")
        )
        if self.ignore is not None:
            appointments = appointments.exclude(pk=self.ignore.pk)
        booked: dict[int, list[_Booked]] = defaultdict(list)
        per_day: dict[tuple[int, date], int] = defaultdict(int)
        for therapist_id, start, end, blocked_until in appointments.values_list(
            "therapist_id", "start", "end", "blocked_until"
        ):
            booked[therapist_id].append(_Booked(start, end, blocked_until))
            per_day[(therapist_id, timezone.localdate(start))] += 1
        state.booked, state.bookings_per_day = dict(booked), dict(per_day)
        busy = {
            therapist_id: _Busy.of([(b.start, b.blocked_until) for b in rows])
            for therapist_id, rows in booked.items()
        }

        blocked = self.session + self.buffer
        for day in working.days():
            slots: list[Slot] = []
            for therapist in therapists:
                working_day = working.day(therapist.pk, day)
                therapist_busy = busy.get(therapist.pk, _Busy())
                for start in self._starts(working_day):
                    if working_day.off_during(start, start + self.session):
                        continue  # time off stops the session, not its cleanup
                    if not therapist_busy.clashes(start, start + blocked):
                        slots.append(Slot(start=start, therapist=therapist))
            slots.sort(key=lambda slot: (slot.start, slot.therapist.order, slot.therapist.name))
            state.slots_by_day[day] = slots
        return state

    def _policy_bounds(self) -> tuple[datetime | None, datetime | None]:
        if not self.enforce_policy:
            return None, None
        return self.moment + self.policy.min_notice, self.moment + self.policy.horizon

    def _starts(self, working: WorkingDay):
        """Starts on the step grid (from local midnight) whose session fits inside a shift."""
        step = self.policy.step_minutes
        for shift in working.shifts:
            local = timezone.localtime(shift.start)
            minute = local.hour * 60 + local.minute
            minute += -minute % step
            while minute < 24 * 60:
                at = time(minute // 60, minute % 60)
                minute += step
                start = wall(working.day, at)
                if timezone.localtime(start).time() != at or start < shift.start:
                    continue  # a wall-clock time skipped by the spring-forward change
                if start + self.session > shift.end:
                    break
                yield start

    def _on_grid(self, start: datetime) -> bool:
        """On the step grid from local midnight, and the one real instant of its wall time
        (the fall-back hour's second pass and the spring-forward gap are not starts)."""
        local = timezone.localtime(start)
        minute = local.hour * 60 + local.minute
        return (
            local.second == 0
            and local.microsecond == 0
            and minute % self.policy.step_minutes == 0
            and wall(local.date(), local.time().replace(fold=0)) == start
        )

    # Reading the result

    def days(self) -> list[date]:
        return list(self.slots_by_day)

    def slots(self, day: date) -> list[Slot]:
        return self.slots_by_day.get(day, [])

    def days_with_slots(self) -> list[date]:
        return [day for day, slots in self.slots_by_day.items() if slots]

    def starts(self, therapist: Therapist, day: date) -> set[datetime]:
        """The instants (UTC) at which this therapist is free on that day."""
        return {slot.start for slot in self.slots(day) if slot.therapist.pk == therapist.pk}

    def free_therapists_at(self, start: datetime) -> list[Therapist]:
        day = timezone.localdate(start)
        return [slot.therapist for slot in self.slots(day) if slot.start == start]

    def fairest_therapist_at(self, start: datetime) -> Therapist | None:
        """The free therapist with the fewest bookings that day; ties go to the listed order."""
        day = timezone.localdate(start)
        free = self.free_therapists_at(start)
        return min(
            free,
            key=lambda t: (self.bookings_per_day.get((t.pk, day), 0), t.order, t.name),
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

    # Why a start is not offered

    def why_not(self, start: datetime, therapist: Therapist | None = None) -> str | None:
        """The sentence that names the rule refusing `start` (None when it is offered)."""
        refusal = self.refusal(start, therapist)
        return None if refusal is None else refusal.message

    def refusal(self, start: datetime, therapist: Therapist | None = None) -> Refusal | None:
        """Which rule refuses `start` for `therapist` (or for everyone who could take it when
        None and this availability is for anyone); None when the start is offered."""
        start = start.astimezone(UTC)
        day = timezone.localdate(start)
        if not self.first_day <= day <= self.last_day:
            return self._for_day(day).refusal(start, therapist)
        if closed := self.working.closures.get(day):
            return Refusal(CLOSED, f"The clinic is closed on {day:%A, %B %-d} ({closed}).")
        policy = self.policy
        if self.enforce_policy and start < self.moment + policy.min_notice:
            return Refusal(
                NOTICE, f"Online bookings need at least {policy.min_notice_hours} hours' notice."
            )
        if self.enforce_policy and start > self.moment + policy.horizon:
            return Refusal(HORIZON, f"We take bookings up to {policy.horizon_days} days ahead.")
        therapist = therapist or self.therapist
        if therapist is not None and therapist.pk not in {t.pk for t in self.candidates}:
            if self.option is None:
                return Refusal(
                    NOT_OFFERED,
                    f"{therapist.name} offers no {_minutes(self.session)}-minute session.",
                )
            return Refusal(
                NOT_OFFERED,
                f"{therapist.name} doesn't take bookings for {self.option.service.name}.",
            )
        people = [therapist] if therapist is not None else self.candidates
        if not people:
            return Refusal(NOT_OFFERED, "No therapist takes bookings for this at the moment.")
        found = [self._refusal_for(person, start, day) for person in people]
        refusals = [refusal for refusal in found if refusal is not None]
        if len(refusals) < len(found):
            return None
        if len({refusal.rule for refusal in refusals}) == 1 and refusals[0].rule in (
            TAKEN,
            OFF_GRID,
        ):
            return refusals[0]
        if len(refusals) == 1:
            return refusals[0]
        reasons = " ".join(
            f"{person.name} has another session then." if refusal.rule == TAKEN else refusal.message
            for person, refusal in zip(people, refusals, strict=True)
        )
        return Refusal(NOBODY_FREE, f"No therapist is free at {wall_clock(start)}. {reasons}")

    def _for_day(self, day: date) -> "Availability":
        return Availability(
            option=self.option,
            first_day=day,
            last_day=day,
            therapist=self.therapist,
            now=self.now,
            ignore=self.ignore,
            enforce_policy=self.enforce_policy,
            minutes=self.minutes,
            therapists=self.therapists,
            fresh=self.fresh,
        )

    def _refusal_for(self, therapist: Therapist, start: datetime, day: date) -> Refusal | None:
        name, working = therapist.name, self.working.day(therapist.pk, day)
        end, blocked_until = start + self.session, start + self.session + self.buffer
        if not working.shifts:
            return Refusal(NOT_WORKING, f"{name} isn't working on {day:%A, %B %-d}.")
        shift = working.shift_at(start)
        if shift is None:
            hours = " and ".join(
                f"{wall_clock(s.start)} to {wall_clock(s.end)}" for s in working.shifts
            )
            return Refusal(
                OUTSIDE_HOURS, f"{wall_clock(start)} is outside {name}'s hours that day: {hours}."
            )
        if not self._on_grid(start):
            step = self.policy.step_minutes
            return Refusal(
                OFF_GRID,
                f"Sessions start every {step} minutes; {wall_clock(start)} isn't one of the start "
                "times. Please choose one of the listed times.",
            )
        if end > shift.end:
            return Refusal(
                SHIFT_END,
                f"A {_minutes(self.session)}-minute session at {wall_clock(start)} would end after "
                f"{name}'s shift ends at {wall_clock(shift.end)}.",
            )
        if off := working.off_during(start, end):
            until = timezone.localtime(off.end)
            ending = (
                wall_clock(off.end)
                if until.date() == day
                else f"{until:%a %b %-d} {wall_clock(until)}"
            )
            why = f" ({off.label})" if off.label and not self.enforce_policy else ""
            return Refusal(
                TIME_OFF, f"{name} has time off from {wall_clock(off.start)} to {ending}{why}."
            )
        booked = self._booked.get(therapist.pk, [])
        if any(b.start < end and start < b.end for b in booked):
            return Refusal(TAKEN, SlotUnavailable.message)
        for b in booked:
            if b.end <= start < b.blocked_until:
                return Refusal(
                    BUFFER_AFTER,
                    f"{name} needs the {_minutes(b.blocked_until - b.end)}-minute cleanup after "
                    f"the session at {wall_clock(b.start)}: the next start is at "
                    f"{wall_clock(b.blocked_until)} or later.",
                )
        for b in booked:
            if end <= b.start < blocked_until:
                return Refusal(
                    BUFFER_BEFORE,
                    f"{name} needs the {_minutes(self.buffer)}-minute cleanup before the session "
                    f"at {wall_clock(b.start)}: a {_minutes(self.session)}-minute session must "
                    "end by "
                    f"{wall_clock(b.start - self.buffer)}.",
                )
        return None


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


__all__ = ["Availability", "Refusal", "Slot", "buffer_for", "free_slots", "policy_days"]
