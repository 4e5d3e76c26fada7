"""The public booking flow and the client's own booking page. Views parse input, call one
selector or service, and pick the response; the rules live in availability and services."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from booking.availability import Availability, Slot, policy_days
from booking.calendar import appointment_ics, google_calendar_url
from booking.exceptions import (
    AlreadyBooked,
    BookingError,
    GiftCertificateError,
    NeedsDoctor,
    SlotUnavailable,
)
from booking.forms import CancelForm, DetailsForm, IntakeForm, SelectionForm
from booking.models import Appointment, BookingPolicy, Therapist
from booking.ratelimit import over_limit
from booking.selectors import (
    TOO_MANY_TRIES,
    GiftQuote,
    bookable_services,
    current_clinic,
    quote_gift_certificate,
)
from booking.services.appointments import (
    book_appointment,
    can_change,
    cancel_appointment,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails

DAYS_PER_PAGE = 14
SESSION_DETAILS = "booking_details"
DETAIL_FIELDS = ("name", "email", "phone")


def day_periods(slots: list[Slot]) -> list[tuple[str, list[Slot]]]:
    """Free times grouped as a client scans them: morning, afternoon, evening (one per time)."""
    unique: dict[datetime, Slot] = {}
    for slot in slots:
        unique.setdefault(slot.start, slot)
    periods: dict[str, list[Slot]] = {"Morning": [], "Afternoon": [], "Evening": []}
    for slot in unique.values():
        hour = slot.local_start.hour
        periods["Morning" if hour < 12 else "Afternoon" if hour < 17 else "Evening"].append(slot)
    return [(name, slots) for name, slots in periods.items() if slots]


def _days_ahead(option, therapist, start_day: date) -> tuple[list[tuple[date, int]], date | None]:
    """The next days with free time (and how many times each has), and where "later" starts."""
    first, last = policy_days()
    start_day = max(start_day, first)
    end_day = min(start_day + timedelta(days=27), last)
    availability = Availability(
        option=option, first_day=start_day, last_day=end_day, therapist=therapist
    )
    days = [
        (day, len({slot.start for slot in availability.slots(day)}))
        for day in availability.days_with_slots()
    ][:DAYS_PER_PAGE]
    later = end_day + timedelta(days=1)
    if days and len(days) == DAYS_PER_PAGE:
        later = days[-1][0] + timedelta(days=1)
    return days, (later if later <= last else None)


def _render_step(request, step: str, context: dict, status: int = 200) -> HttpResponse:
    context = {"step": step, "steps": STEPS, "policy": BookingPolicy.current(), **context}
    return render(request, "booking/book.html", context, status=status)


STEPS = [
    ("service", "Massage"),
    ("therapist", "Therapist"),
    ("day", "Day"),
    ("time", "Time"),
    ("details", "Your details"),
    ("review", "Review"),
]


def _time_step(request, selection, day, error: str = "", status: int = 200, wanted=None):
    option = selection.option
    therapist = selection.cleaned_data["therapist_obj"]
    first, last = policy_days()
    availability = Availability(option=option, first_day=day, last_day=day, therapist=therapist)
    context = {
        "selection": selection.cleaned_data,
        "day": day,
        "periods": day_periods(availability.slots(day)),
        "error": error,
    }
    if wanted is not None:
        around = Availability(
            option=option,
            first_day=max(first, day - timedelta(days=3)),
            last_day=min(last, day + timedelta(days=3)),
            therapist=therapist,
        )
        context["alternatives"] = around.nearest(wanted)
    return _render_step(request, "time", context, status)


@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    selection = SelectionForm(source)
    if not selection.is_valid():
        return _render_step(
            request,
            "service",
            {"services": bookable_services(), "selection_errors": selection.errors},
            status=400,
        )
    data = selection.cleaned_data
    service, option = data["service"], selection.option
    if service is None or option is None:
        services = bookable_services()
        if data["therapist_obj"] is not None:
            services = services.filter(therapists=data["therapist_obj"])
        context = {"services": services, "chosen": service, "selection": data}
        return _render_step(request, "service", context)
    if not data.get("therapist"):
        therapists = Therapist.objects.active().filter(services=service)
        return _render_step(request, "therapist", {"selection": data, "therapists": therapists})

    therapist = data["therapist_obj"]
    first, last = policy_days()
    day = data.get("day")
    if day is None:
        from_day = _parse_day(request.GET.get("from")) or first
        days, later = _days_ahead(option, therapist, from_day)
        context = {"selection": data, "days": days, "later": later}
        return _render_step(request, "day", context)
    if not first <= day <= last:
        error = (
            "That day can no longer be booked online. Please choose another day."
            if day < first
            else f"We take bookings up to {BookingPolicy.current().horizon_days} days ahead."
        )
        days, later = _days_ahead(option, therapist, first)
        context = {"selection": data, "days": days, "later": later, "error": error}
        return _render_step(request, "day", context, status=400)

    start = selection.start
    if start is None:
        return _time_step(request, selection, day)

    form = DetailsForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        # Kept before the time is checked: if it was just taken, nothing typed is lost.
        request.session[SESSION_DETAILS] = {k: form.cleaned_data[k] for k in DETAIL_FIELDS}

    availability = Availability(option=option, first_day=day, last_day=day, therapist=therapist)
    assigned = availability.therapist_for(start, shown=request.POST.get("assigned", ""))
    if assigned is None:
        return _time_step(
            request,
            selection,
            day,
            error="That time isn't available. Please choose one of the free times.",
            status=400 if request.method == "GET" else 409,
            wanted=start,
        )

    context = {"selection": data, "start": start, "assigned": assigned}
    if form is None:
        form = DetailsForm(initial=request.session.get(SESSION_DETAILS, {}))
        return _render_step(request, "details", {**context, "form": form, "intake": IntakeForm()})

    intake = IntakeForm(request.POST)
    context.update(form=form, intake=intake)
    if not (form.is_valid() and intake.is_valid()):
        return _render_step(request, "details", context, status=400)
    if not intake.screening.may_book:
        return _render_step(request, "details", {**context, "screening": intake.screening})
    if typed_gift_codes(request.POST) and over_limit(
        "gift-code", request, settings.GIFT_BALANCE_RATE
    ):
        # The same budget as the balance page: the review step must not be a guessing oracle.
        typed = request.POST.get("gift_code", "")[:60]
        context["gift"] = GiftQuote(due=option.price, typed=typed, error=TOO_MANY_TRIES)
        return _render_step(request, "review", context, status=429)
    gift = quote_gift_certificate(typed=typed_gift_codes(request.POST), price=option.price)
    context["gift"] = gift
    if "confirm" not in request.POST or gift.error:
        return _render_step(request, "review", context, status=400 if gift.error else 200)
    shown = request.POST.get("assigned")
    if shown and shown != assigned.slug:
        # Never book someone other than the therapist the client saw: show the change first.
        context["error"] = (
            f"The therapist we showed you was just booked at that time. {assigned.name} is free "
            "instead: please check and confirm again."
        )
        return _render_step(request, "review", context, status=409)

    try:
        appointment = book_appointment(
            option=option,
            start=start,
            therapist=assigned,
            client=ClientDetails(**{k: form.cleaned_data[k] for k in DETAIL_FIELDS}),
            request_key=form.cleaned_data["request_key"],
            intake=intake.answers(),
            gift_code=gift.code,
        )
    except AlreadyBooked as error:
        return render(
            request, "booking/already_booked.html", {"appointment": error.appointment}, status=409
        )
    except SlotUnavailable as error:
        return _time_step(request, selection, day, error.message, status=409, wanted=start)
    except NeedsDoctor as error:
        return _render_step(request, "details", {**context, "screening": error.screening})
    except GiftCertificateError as error:
        context["gift"] = GiftQuote(typed=gift.typed, due=option.price, error=error.message)
        return _render_step(request, "review", context, status=400)
    except BookingError as error:
        return _render_step(request, "review", {**context, "error": error.message}, status=400)
    messages.success(request, "You're booked. We've emailed your confirmation.")
    return redirect(appointment)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _appointment(token: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("client", "therapist", "option__service")
        .filter(token=token)
        .first()
    )
    if appointment is None:
        raise Http404("No booking has this link.")
    return appointment


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment(token)
    clinic = current_clinic()
    manage_url = request.build_absolute_uri(appointment.get_absolute_url())
    context = {
        "appointment": appointment,
        "start": timezone.localtime(appointment.start),
        "end": timezone.localtime(appointment.end),
        "can_change": can_change(appointment),
        "policy": BookingPolicy.current(),
        "google_url": google_calendar_url(appointment, clinic, manage_url),
    }
    return _private(render(request, "booking/manage.html", context))


@never_cache
@require_GET
def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment(token)
    manage_url = request.build_absolute_uri(appointment.get_absolute_url())
    ics = appointment_ics(appointment, current_clinic(), manage_url)
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return _private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment(token)
    context = {"appointment": appointment, "policy": BookingPolicy.current()}
    if not can_change(appointment):
        return _private(render(request, "booking/too_late.html", context, status=409))
    first, last = policy_days()
    source = request.POST if request.method == "POST" else request.GET
    day = _parse_day(source.get("day"))
    if source.get("day") and (day is None or not first <= day <= last):
        context["error"] = "Please choose one of the days listed."
        day = None
    availability_args = {"option": appointment.option, "therapist": appointment.therapist}
    if day is None:
        from_day = _parse_day(request.GET.get("from")) or first
        availability = Availability(
            first_day=max(first, from_day),
            last_day=min(last, max(first, from_day) + timedelta(days=27)),
            ignore=appointment,
            **availability_args,
        )
        context["days"] = [(d, len(availability.slots(d))) for d in availability.days_with_slots()][
            :DAYS_PER_PAGE
        ]
        status = 400 if "error" in context else 200
        return _private(render(request, "booking/reschedule.html", context, status=status))

    availability = Availability(
        first_day=day, last_day=day, ignore=appointment, **availability_args
    )
    context.update(day=day, periods=day_periods(availability.slots(day)))
    if request.method == "GET":
        return _private(render(request, "booking/reschedule.html", context))
    try:
        at = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        context["error"] = "Please choose one of the free times."
        return _private(render(request, "booking/reschedule.html", context, status=400))
    start = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
    try:
        reschedule_appointment(appointment=appointment, start=start)
    except BookingError as error:
        context["error"] = error.message
        status = 409 if isinstance(error, SlotUnavailable) else 400
        return _private(render(request, "booking/reschedule.html", context, status=status))
    messages.success(request, "Your appointment has been moved. We've emailed the new time.")
    return redirect(appointment)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment(token)
    context = {"appointment": appointment, "policy": BookingPolicy.current()}
    if not can_change(appointment):
        return _private(render(request, "booking/too_late.html", context, status=409))
    form = CancelForm(request.POST or None)
    context.update(form=form, start=timezone.localtime(appointment.start))
    if request.method == "POST":
        if form.is_valid():
            try:
                cancel_appointment(appointment=appointment, reason=form.cleaned_data["reason"])
            except BookingError as error:
                context["error"] = error.message
                return _private(render(request, "booking/cancel.html", context, status=409))
            messages.success(request, "Your appointment has been cancelled. We've emailed you.")
            return redirect(appointment)
        return _private(render(request, "booking/cancel.html", context, status=400))
    return _private(render(request, "booking/cancel.html", context))


def typed_gift_codes(data: QueryDict) -> list[str]:
    """The review step's code field(s), POST only (never in an address); empty once removed."""
    if "remove_gift" in data:
        return []
    return [value.strip()[:60] for value in data.getlist("gift_code") if value.strip()]
