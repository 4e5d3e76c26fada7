"""Back-office pages beyond the model screens: calendar, day sheet, reports, moves, and the
admin's "view on site" shortcut made safe. Each is wrapped by `staff_view` (roles) in the urls."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.backoffice.calendar import (
    DEFAULT_MINUTES,
    day_grid,
    schedule_columns,
    session_lengths,
    week_grid,
)
from booking.backoffice.exports import appointments_csv as appointments_csv_response
from booking.backoffice.forms import (
    ClinicCancelForm,
    MoveForm,
    PhoneBookingForm,
    phone_booking_initial,
)
from booking.backoffice.grid_html import grid_rows
from booking.backoffice.reports import month_outcomes, week_report
from booking.backoffice.roles import limit_to_own, own_therapist, staff_view
from booking.clock import EARLIEST, LATEST, bounded_day, clinic_time, dollars
from booking.exceptions import AlreadyBooked, BookingError, GiftCertificateError
from booking.models import Appointment, Therapist
from booking.selectors import GiftTaken, gift_liability, gift_sales, gift_taken_by
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    mark_no_show,
    reschedule_appointment,
)
from focusedcare.cache import APPOINTMENTS, CATALOG, RECORDS, remembered


def _day(request: HttpRequest) -> date | None:
    value = request.GET.get("date")
    return bounded_day(value) if value else timezone.localdate()


def _minutes(request: HttpRequest, lengths: list[int]) -> int | None:
    """The session length the calendar offers starts for: one the clinic sells, 60 by default."""
    value = request.GET.get("minutes", "")
    if not value:
        return DEFAULT_MINUTES
    try:
        minutes = int(value)
    except ValueError:
        return None
    return minutes if minutes in lengths else None


BAD_DATE = (
    f"The date must look like 2026-03-10, between {EARLIEST.year} and {LATEST.year}. "
    "Nothing was changed."
)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """An address the back office cannot follow: why, on a back-office page, and a 400."""
    context = _context(request, title="That address can't be shown", message=message)
    return render(request, "admin/booking/bad_request.html", context, status=400)


def _bad_length(request: HttpRequest, lengths: list[int]) -> HttpResponse:
    offered = ", ".join(str(n) for n in lengths)
    message = f"Choose a session length the clinic offers: {offered} minutes."
    return _bad_request(request, message)


def _context(request: HttpRequest, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "show_health": request.user.has_perm("booking.view_intake"),
        **extra,
    }


def visible_therapists(request: HttpRequest):
    """The therapists whose schedules this staff member may see: a therapist sees their own."""
    therapist = own_therapist(request.user)
    if therapist is not None:
        return Therapist.objects.filter(pk=therapist.pk)
    return Therapist.objects.active()


def _calendar_query(request: HttpRequest) -> tuple[date, int, list[int]] | HttpResponse:
    """The day and session length a calendar shows (and the lengths on offer), or a 400."""
    day = _day(request)
    if day is None:
        return _bad_request(request, BAD_DATE)
    lengths = remembered(("session lengths",), session_lengths, CATALOG)
    minutes = _minutes(request, lengths)
    if minutes is None:
        return _bad_length(request, lengths)
    return day, minutes, lengths


def _calendar(request: HttpRequest, template: str, shown: tuple, build: Callable[[], dict]) -> dict:
    """The calendar's toolbar, grid and legend as HTML (`content`, beside what `build` put in
    the context), kept in this process until a write changes what they show (an appointment, a
    client or intake, hours or the catalog, on any app server): front desks look at the same
    day again and again. `shown` names the page (the view, the day, the length, whose columns
    this login may see); it also differs by who may book and read intakes, and by today."""
    can_book = request.user.has_perm("booking.add_appointment")
    show_health = request.user.has_perm("booking.view_intake")

    def compute() -> dict:
        context = build()
        grid = context["grid"]
        rows = grid_rows(grid, can_book=can_book, show_health=show_health)
        content = render_to_string(template, {**context, "grid_rows": rows, "can_book": can_book})
        return {**context, "content": content}

    scope = own_therapist(request.user)
    key = (
        "calendar",
        template,
        *shown,
        scope if scope is None else scope.pk,
        can_book,
        show_health,
    )
    return remembered((*key, timezone.localdate()), compute, CATALOG, APPOINTMENTS, RECORDS)


@staff_view("booking.view_appointment")
def calendar_day(request: HttpRequest) -> HttpResponse:
    shown = _calendar_query(request)
    if isinstance(shown, HttpResponse):
        return shown
    day, minutes, lengths = shown

    def build() -> dict:
        therapists = list(visible_therapists(request))
        return {
            "title": f"Day: {day:%A, %B %-d, %Y}",
            "day": day,
            "grid": day_grid(day, therapists, minutes),
            "minutes": minutes,
            "lengths": lengths,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "today": timezone.localdate(),
        }

    page = _calendar(request, "admin/booking/_calendar_day.html", (day, minutes), build)
    # Without the app sidebar: the grid needs the width (and rendering it, the time).
    context = _context(request, is_nav_sidebar_enabled=False, **page)
    return render(request, "admin/booking/calendar_day.html", context)


@staff_view("booking.view_appointment")
def calendar_week(request: HttpRequest, therapist_id: int) -> HttpResponse:
    shown = _calendar_query(request)
    if isinstance(shown, HttpResponse):
        return shown
    day, minutes, lengths = shown
    monday = day - timedelta(days=day.weekday())

    def build() -> dict:
        therapists = list(visible_therapists(request))
        therapist = next((t for t in therapists if t.pk == therapist_id), None)
        if therapist is None:
            raise Http404("No such therapist, or not one this login may see.")
        return {
            "title": f"Week of {monday:%B %-d, %Y}: {therapist.name}",
            "therapist": therapist,
            "therapists": therapists,
            "grid": week_grid(monday, therapist, minutes),
            "minutes": minutes,
            "lengths": lengths,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
        }

    key = (therapist_id, monday, minutes)
    page = _calendar(request, "admin/booking/_calendar_week.html", key, build)
    context = _context(request, is_nav_sidebar_enabled=False, **page)  # as the day's
    return render(request, "admin/booking/calendar_week.html", context)


@staff_view("booking.view_appointment")
def day_sheet(request: HttpRequest) -> HttpResponse:
    """The front desk's printable list of the day, per therapist."""
    day = _day(request)
    if day is None:
        return _bad_request(request, BAD_DATE)
    columns = schedule_columns(visible_therapists(request), [day])
    return render(
        request,
        "admin/booking/day_sheet.html",
        _context(request, title=f"Day sheet: {day:%A, %B %-d, %Y}", day=day, columns=columns),
    )


def _monday(request: HttpRequest) -> date | None:
    day = _day(request)
    return None if day is None else day - timedelta(days=day.weekday())


@staff_view("booking.view_reports")
def dashboard(request: HttpRequest) -> HttpResponse:
    monday = _monday(request)
    if monday is None:
        return _bad_request(request, BAD_DATE)
    report = week_report(monday)
    tallest = max(report.busiest_day_count, 1)
    bars = [
        {"day": day, "count": count, "height": round(120 * count / tallest), "x": 10 + i * 50}
        for i, (day, count) in enumerate(report.bookings_per_day)
    ]
    for bar in bars:
        bar["y"] = 130 - bar["height"]
    context = _context(
        request,
        title=f"Week of {monday:%B %-d, %Y}",
        report=report,
        bars=bars,
        extras=dashboard_extras(monday),
        outcomes=month_outcomes(monday),
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/dashboard.html", context)


def dashboard_extras(monday: date) -> dict:
    """Gift certificates: sold (paid, not voided since) in the week, and what the clinic owes
    on all of them."""
    start = datetime.combine(monday, time.min, tzinfo=timezone.get_current_timezone())
    return {
        "gift_sales": gift_sales(start, start + timedelta(days=7)),
        "gift_liability": gift_liability(),
    }


@staff_view("booking.view_reports")
def appointments_csv(request: HttpRequest) -> HttpResponse:
    """Appointments between two dates, for the owner's spreadsheet: no health answers."""
    first, last = bounded_day(request.GET.get("from")), bounded_day(request.GET.get("to"))
    if first is None or last is None:
        return _bad_request(request, f"Give ?from=YYYY-MM-DD&to=YYYY-MM-DD. {BAD_DATE}")
    if last < first or (last - first).days > 366:
        return _bad_request(request, "The range must run forwards and be a year at most.")
    zone = timezone.get_current_timezone()
    appointments = (
        Appointment.objects.filter(
            start__gte=datetime.combine(first, time.min, tzinfo=zone),
            start__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        )
        .select_related("client", "therapist", "option__service")
        .order_by("start")
    )
    return appointments_csv_response(
        appointments.iterator(chunk_size=500), f"appointments-{first}-{last}.csv"
    )


def _appointment(request: HttpRequest, pk: int) -> Appointment:
    """One appointment as this user may see it (a therapist: their own; otherwise 404)."""
    appointments = Appointment.objects.select_related("client", "therapist", "option__service")
    return get_object_or_404(limit_to_own(request.user, appointments, "therapist"), pk=pk)


def _back_to(appointment: Appointment) -> HttpResponse:
    return redirect("admin:booking_appointment_change", appointment.pk)


@staff_view("booking.add_appointment")
def phone_booking(request: HttpRequest) -> HttpResponse:
    """A phone or walk-in booking through `book_appointment`, the same rules as online (staff
    are not held to the notice and horizon); back to the calendar day it was booked on."""
    form = PhoneBookingForm(request.POST or None, initial=phone_booking_initial(request.GET))
    if request.method == "POST" and form.is_valid():
        try:
            appointment = book_appointment(**form.booking_kwargs(), by=request.user)
        except AlreadyBooked as error:
            messages.info(request, "That booking was already made; it was not booked twice.")
            return _back_to(error.appointment)
        except GiftCertificateError as error:
            form.add_error("gift_code", error.message)
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _booked_message(appointment))
            day = timezone.localdate(appointment.start)
            return redirect(f"{reverse('backoffice:calendar_day')}?date={day:%Y-%m-%d}")
    context = _context(request, title="Book a phone client", form=form, media=form.media)
    status = 400 if form.is_bound else 200
    return render(request, "admin/booking/phone_booking.html", context, status=status)


def _booked_message(appointment: Appointment) -> str:
    booked = (
        f"Booked {appointment.client.name} with {appointment.therapist.name} on "
        f"{clinic_time(appointment.start)}"
    )
    if appointment.has_started():
        return f"{booked}: recorded as a visit that has begun; no confirmation was emailed."
    if appointment.emails.filter(kind="appointment_booked").exists():
        return f"{booked}. The client has been emailed a confirmation."
    return f"{booked}. No confirmation was emailed."


@staff_view("booking.change_appointment")
def move_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff move a booking through the same service and emails as the client's own link; the
    minimum notice and horizon do not bind staff, working hours and other bookings do."""
    appointment = _appointment(request, pk)
    start = timezone.localtime(appointment.start)
    form = MoveForm(request.POST or None, initial={"day": start.date(), "time": start.time()})
    if request.method == "POST" and form.is_valid():
        try:
            reschedule_appointment(appointment=appointment, start=form.start(), by=request.user)
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Moved. The client has been emailed the new time.")
            return _back_to(appointment)
    context = _context(
        request, title=f"Move {appointment}", appointment=appointment, form=form, media=form.media
    )
    status = 400 if form.is_bound else 200
    return render(request, "admin/booking/move_appointment.html", context, status=status)


@staff_view("booking.change_appointment")
def cancel_by_clinic(request: HttpRequest, pk: int) -> HttpResponse:
    """The clinic cancels a booking: the client is emailed and any gift amount credited back."""
    appointment = _appointment(request, pk)
    form = ClinicCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_appointment(
                appointment=appointment, reason=form.cleaned_data["reason"], by=request.user
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Cancelled. The client has been emailed.")
            kept = gift_taken_by(appointment) if appointment.gift_amount else []
            if kept:  # once cancelled, what a booking still holds is what could not go back
                messages.warning(request, not_credited_back_message(kept))
            return _back_to(appointment)
    context = _context(
        request,
        title=f"Cancel {appointment}",
        appointment=appointment,
        form=form,
        gift_taken=gift_taken_by(appointment) if appointment.gift_amount else [],
    )
    status = 400 if form.is_bound else 200
    return render(request, "admin/booking/cancel_appointment.html", context, status=status)


def not_credited_back_message(kept: list[GiftTaken]) -> str:
    """What a cancellation could not give back, for staff to settle with the client (the last
    four of each code: whole codes are for staff who handle certificates)."""
    parts = ", ".join(
        f"{dollars(taken.amount)} paid from the certificate ending {taken.certificate.code[-4:]}"
        for taken in kept
    )
    return (
        f"Not credited back: {parts}. A void certificate takes nothing back: refund or "
        "re-issue that amount to the client."
    )


OUTCOMES = {"completed": complete_appointment, "no-show": mark_no_show}


@require_POST
@staff_view("booking.record_outcome_appointment")
def record_outcome(request: HttpRequest, pk: int, outcome: str) -> HttpResponse:
    """The appointment page's "Completed" and "No-show" buttons."""
    appointment = _appointment(request, pk)
    if outcome not in OUTCOMES:
        raise Http404("No such outcome.")
    try:
        OUTCOMES[outcome](appointment=appointment, by=request.user)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Marked {outcome}.")
    return _back_to(appointment)


def view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The admin's "view on site" link, in place of Django's, which checks nothing: it leads
    only to public pages (admins that turn `view_on_site` on), of rows this user may see.
    Booking links and gift certificates are bearer links, so their admins keep it off."""
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model_admin = admin.site._registry.get(content_type.model_class())
    if model_admin is None or not model_admin.view_on_site:
        raise Http404("This record has no public page.")
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("This record has no public page.")
    return redirect(obj.get_absolute_url())
