"""Back-office pages beyond Django's model screens: the day and week calendar, the day sheet."""

from datetime import date, timedelta

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from booking.models import Therapist
from booking.schedule import day_grid, schedule_columns, week_grid


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
    """The therapists whose schedules this staff member may see."""
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
