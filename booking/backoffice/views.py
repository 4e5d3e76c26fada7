"""Back-office pages beyond the model screens: calendar, day sheet, reports, moves, and the
admin's "view on site" shortcut made safe. Each is wrapped by `staff_view` (roles) in the urls."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from booking.backoffice.calendar import (
    DEFAULT_MINUTES,
    day_grid,
    schedule_columns,
    session_lengths,
    week_grid,
)
from booking.backoffice.exports import appointments_csv as appointments_csv_response
from booking.backoffice.reports import week_report
from booking.backoffice.roles import own_therapist, staff_view
from booking.exceptions import BookingError
from booking.models import Appointment, GiftCertificate, Therapist
from booking.selectors import gift_liability
from booking.services.appointments import reschedule_appointment

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _day(request: HttpRequest) -> date | None:
    value = request.GET.get("date")
    if not value:
        return timezone.localdate()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    # Far from date.min and date.max, where a day or a week more raises OverflowError (a 500).
    return day if FIRST_DAY <= day <= LAST_DAY else None


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


def _bad_length(lengths: list[int]) -> HttpResponse:
    offered = ", ".join(str(n) for n in lengths)
    return HttpResponseBadRequest(f"Choose a session length the clinic offers: {offered} minutes.")


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


@staff_view("booking.view_appointment")
def calendar_day(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    if day is None:
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
    lengths = session_lengths()
    minutes = _minutes(request, lengths)
    if minutes is None:
        return _bad_length(lengths)
    grid = day_grid(day, visible_therapists(request), minutes)
    context = _context(
        request,
        title=f"Day: {day:%A, %B %-d, %Y}",
        day=day,
        grid=grid,
        minutes=minutes,
        lengths=lengths,
        previous=day - timedelta(days=1),
        next=day + timedelta(days=1),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/calendar_day.html", context)


@staff_view("booking.view_appointment")
def calendar_week(request: HttpRequest, therapist_id: int) -> HttpResponse:
    therapist = get_object_or_404(visible_therapists(request), pk=therapist_id)
    day = _day(request)
    if day is None:
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
    lengths = session_lengths()
    minutes = _minutes(request, lengths)
    if minutes is None:
        return _bad_length(lengths)
    monday = day - timedelta(days=day.weekday())
    grid = week_grid(monday, therapist, minutes)
    context = _context(
        request,
        title=f"Week of {monday:%B %-d, %Y}: {therapist.name}",
        therapist=therapist,
        minutes=minutes,
        lengths=lengths,
        therapists=visible_therapists(request),
        monday=monday,
        grid=grid,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/calendar_week.html", context)


@staff_view("booking.view_appointment")
def day_sheet(request: HttpRequest) -> HttpResponse:
    """The front desk's printable list of the day, per therapist."""
    day = _day(request)
    if day is None:
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
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
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
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
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/dashboard.html", context)


def dashboard_extras(monday: date) -> dict:
    """Gift certificates: sold (paid) in the week, and what the clinic owes on all of them."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    amounts = GiftCertificate.objects.filter(
        paid_at__gte=start, paid_at__lt=start + timedelta(days=7)
    ).values_list("amount", flat=True)
    return {"gift_sales": sum(amounts, Decimal("0.00")), "gift_liability": gift_liability()}


@staff_view("booking.view_reports")
def appointments_csv(request: HttpRequest) -> HttpResponse:
    """Appointments between two dates, for the owner's spreadsheet: no health answers."""
    try:
        first = date.fromisoformat(request.GET.get("from", ""))
        last = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return HttpResponseBadRequest("Give ?from=YYYY-MM-DD&to=YYYY-MM-DD.")
    if last < first or (last - first).days > 366:
        return HttpResponseBadRequest("The range must run forwards and be a year at most.")
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


class MoveForm(forms.Form):
    start = forms.SplitDateTimeField(
        label="New start", widget=admin.widgets.AdminSplitDateTime, help_text="Clinic time."
    )


@staff_view("booking.change_appointment")
def move_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff move a booking through the same service and emails as the client's own link; the
    minimum notice and horizon do not bind staff, working hours and other bookings do."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "therapist", "option__service"), pk=pk
    )
    form = MoveForm(request.POST or None, initial={"start": timezone.localtime(appointment.start)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reschedule_appointment(
                    appointment=appointment, start=form.cleaned_data["start"], by=request.user
                )
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Moved. The client has been emailed the new time.")
                return redirect("admin:booking_appointment_change", appointment.pk)
        status = 400
    context = _context(
        request,
        title=f"Move {appointment}",
        appointment=appointment,
        form=form,
        media=form.media,
    )
    return render(request, "admin/booking/move_appointment.html", context, status=status)


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
