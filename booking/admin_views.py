"""Back-office pages beyond the model screens: calendar, day sheet, the owner's reports."""

import csv
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import Appointment, GiftCertificate, Therapist
from booking.reports import week_report
from booking.roles import own_therapist
from booking.schedule import day_grid, schedule_columns, week_grid
from booking.selectors import gift_liability
from booking.services.appointments import reschedule_appointment


def _day(request: HttpRequest) -> date | None:
    value = request.GET.get("date")
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


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


@permission_required("booking.view_appointment", raise_exception=True)
def calendar_day(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    if day is None:
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
    grid = day_grid(day, visible_therapists(request))
    context = _context(
        request,
        title=f"Day: {day:%A, %B %-d, %Y}",
        day=day,
        grid=grid,
        previous=day - timedelta(days=1),
        next=day + timedelta(days=1),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/calendar_day.html", context)


@permission_required("booking.view_appointment", raise_exception=True)
def calendar_week(request: HttpRequest, therapist_id: int) -> HttpResponse:
    therapist = get_object_or_404(visible_therapists(request), pk=therapist_id)
    day = _day(request)
    if day is None:
        return HttpResponseBadRequest("The date must look like 2026-03-10.")
    monday = day - timedelta(days=day.weekday())
    grid = week_grid(monday, therapist)
    context = _context(
        request,
        title=f"Week of {monday:%B %-d, %Y}: {therapist.name}",
        therapist=therapist,
        therapists=visible_therapists(request),
        monday=monday,
        grid=grid,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=timezone.localdate(),
    )
    return render(request, "admin/booking/calendar_week.html", context)


@permission_required("booking.view_appointment", raise_exception=True)
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


def can_see_reports(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("booking.view_reports"))


def reports_only(view):
    """The owner's figures: other staff get 403, not a login page they are already past."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_see_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@reports_only
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


@reports_only
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
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointments-{first}-{last}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "date",
            "start",
            "end",
            "therapist",
            "client",
            "email",
            "phone",
            "service",
            "minutes",
            "price",
            "status",
        ]  # fmt: skip
    )
    for a in appointments.iterator(chunk_size=500):
        start, end = timezone.localtime(a.start), timezone.localtime(a.end)
        writer.writerow(
            [
                f"{start:%Y-%m-%d}",
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                a.therapist.name,
                a.client.name,
                a.client.email,
                a.client.phone,
                a.option.service.name,
                a.option.duration_minutes,
                a.price,
                a.get_status_display(),
            ]
        )
    return response


class MoveForm(forms.Form):
    start = forms.SplitDateTimeField(
        label="New start", widget=admin.widgets.AdminSplitDateTime, help_text="Clinic time."
    )


@permission_required("booking.change_appointment", raise_exception=True)
def move_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff move a booking through the same service and emails as the client's own link; the
    minimum notice and horizon do not bind staff, working hours and other bookings do."""
    if own_therapist(request.user) is not None:
        raise PermissionDenied  # the front desk moves bookings; therapists record outcomes
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "therapist", "option__service"), pk=pk
    )
    form = MoveForm(request.POST or None, initial={"start": timezone.localtime(appointment.start)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reschedule_appointment(
                    appointment=appointment, start=form.cleaned_data["start"], by_staff=True
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
