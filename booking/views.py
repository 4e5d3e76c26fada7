"""The public booking flow and the client's own booking page. Views parse input, call one
selector or service, and pick the response; the rules live in availability and services."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from booking.availability import Availability, Slot, policy_days
from booking.calendar import appointment_ics, google_calendar_url
from booking.clock import bounded_day, dollars
from booking.exceptions import (
    AlreadyBooked,
    BookingError,
    GiftAmountChanged,
    GiftCertificateError,
    NeedsDoctor,
    SlotUnavailable,
)
from booking.forms import CancelForm, DetailsForm, IntakeForm, SelectionForm
from booking.models import Appointment, BookingPolicy, ServiceOption, Therapist
from booking.ratelimit import (
    BOOKINGS_PER_ADDRESS,
    BOOKINGS_PER_EMAIL,
    GIFT_CODES,
    client_address,
    take,
)
from booking.selectors import (
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


def _days_ahead(
    option: ServiceOption, therapist: Therapist | None, start_day: date | None
) -> tuple[list[tuple[date, int]], date | None]:
    """The next days with free time (and how many times each has), and where "later" starts."""
    first, last = policy_days()
    start_day = max(start_day or first, first)
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


STEPS = [
    ("service", "Massage"),
    ("therapist", "Therapist"),
    ("day", "Day"),
    ("time", "Time"),
    ("details", "Your details"),
    ("review", "Review"),
]
NOT_FREE = "That time isn't available. Please choose one of the free times."


def _render_step(
    request: HttpRequest, step: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"step": step, "steps": STEPS, "policy": BookingPolicy.current(), **context}
    return render(request, "booking/book.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables()
def book(request: HttpRequest) -> HttpResponse:
    """The booking wizard. The address (or the posted form) carries the choices made so far,
    and the first step still missing a choice answers; details and confirmation are POSTs.
    Its POSTs carry health answers: an error report shows none of them, nor any variable of
    the steps below (the two `sensitive_` decorators)."""
    selection = SelectionForm(request.POST if request.method == "POST" else request.GET)
    if not selection.is_valid():
        return _link_refused(request, selection)
    data = selection.cleaned_data
    if data["service"] is None or selection.option is None:
        return _service_step(request, selection)
    if not data.get("therapist"):
        return _therapist_step(request, selection)
    if data.get("day") is None:
        return _day_step(request, selection, bounded_day(request.GET.get("from")))
    first, last = policy_days()
    if not first <= data["day"] <= last:
        return _day_refused(request, selection, first)
    if selection.start is None:
        return _time_step(request, selection)
    if request.method == "GET":
        return _details_step(request, selection)
    return _details_posted(request, selection)


def _link_refused(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """A link that can't be followed (unknown massage, bad date...): why, then the massages."""
    context = {"services": bookable_services(), "selection_errors": selection.errors}
    return _render_step(request, "service", context, status=400)


def _service_step(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 1: the massage and its length; only what the therapist gives, if one is chosen."""
    data = selection.cleaned_data
    services = bookable_services()
    if data["therapist_obj"] is not None:
        services = services.filter(therapists=data["therapist_obj"])
    context = {"services": services, "chosen": data["service"], "selection": data}
    return _render_step(request, "service", context)


def _therapist_step(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 2: the therapists who give the massage, or the first available."""
    data = selection.cleaned_data
    therapists = Therapist.objects.active().filter(services=data["service"])
    return _render_step(request, "therapist", {"selection": data, "therapists": therapists})


def _day_step(
    request: HttpRequest,
    selection: SelectionForm,
    from_day: date | None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Step 3: the next days with free time, from `from_day` (the "later" link) or the first."""
    data = selection.cleaned_data
    days, later = _days_ahead(selection.option, data["therapist_obj"], from_day)
    context = {"selection": data, "days": days, "later": later}
    if error:
        context["error"] = error
    return _render_step(request, "day", context, status)


def _day_refused(request: HttpRequest, selection: SelectionForm, first: date) -> HttpResponse:
    """A day before the notice or past the horizon: why, then the days from the first."""
    if selection.cleaned_data["day"] < first:
        error = "That day can no longer be booked online. Please choose another day."
    else:
        error = f"We take bookings up to {BookingPolicy.current().horizon_days} days ahead."
    return _day_step(request, selection, first, error=error, status=400)


def _time_step(
    request: HttpRequest,
    selection: SelectionForm,
    error: str = "",
    status: int = 200,
    wanted: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Step 4: the free times on the day; with `wanted` (a time refused), the nearest free."""
    option, data = selection.option, selection.cleaned_data
    day, therapist = data["day"], data["therapist_obj"]
    availability = Availability(option=option, first_day=day, last_day=day, therapist=therapist)
    context = {
        **(extra or {}),
        "selection": data,
        "day": day,
        "periods": day_periods(availability.slots(day)),
        "error": error,
    }
    if wanted is not None:
        first, last = policy_days()
        around = Availability(
            option=option,
            first_day=max(first, day - timedelta(days=3)),
            last_day=min(last, day + timedelta(days=3)),
            therapist=therapist,
        )
        context["alternatives"] = around.nearest(wanted)
    return _render_step(request, "time", context, status)


def _therapist_for(request: HttpRequest, selection: SelectionForm) -> Therapist | None:
    """Who takes the chosen time, keeping the therapist already shown while still free."""
    day, therapist = selection.cleaned_data["day"], selection.cleaned_data["therapist_obj"]
    availability = Availability(
        option=selection.option, first_day=day, last_day=day, therapist=therapist
    )
    return availability.therapist_for(selection.start, shown=request.POST.get("assigned", ""))


def _details_step(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 5: who the client will see, and the details and intake forms (typed before, kept)."""
    assigned = _therapist_for(request, selection)
    if assigned is None:
        return _time_step(request, selection, NOT_FREE, status=400, wanted=selection.start)
    context = {
        "selection": selection.cleaned_data,
        "start": selection.start,
        "assigned": assigned,
        "form": DetailsForm(initial=request.session.get(SESSION_DETAILS, {})),
        "intake": IntakeForm(),
    }
    return _render_step(request, "details", context)


def _details_posted(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 5 posted: the details kept, the time checked again, the details and intake checked."""
    form = DetailsForm(request.POST)
    if form.is_valid():
        # Kept before the time is checked: if it was just taken, nothing typed is lost.
        request.session[SESSION_DETAILS] = {k: form.cleaned_data[k] for k in DETAIL_FIELDS}
    assigned = _therapist_for(request, selection)
    if assigned is None:
        return _time_step(request, selection, NOT_FREE, status=409, wanted=selection.start)
    intake = IntakeForm(request.POST)
    context = {
        "selection": selection.cleaned_data,
        "start": selection.start,
        "assigned": assigned,
        "form": form,
        "intake": intake,
    }
    if not (form.is_valid() and intake.is_valid()):
        return _render_step(request, "details", context, status=400)
    if not intake.screening.may_book:
        return _render_step(request, "details", {**context, "screening": intake.screening})
    return _review_step(request, selection, context)


def _review_step(
    request: HttpRequest, selection: SelectionForm, context: dict[str, Any]
) -> HttpResponse:
    """Step 6: everything to check, with the gift certificate quoted; confirming books."""
    price = selection.option.price
    typed = typed_gift_codes(request.POST)
    # The same budget as the balance page: the review step must not be a guessing oracle.
    if typed and (refusal := take((GIFT_CODES, client_address(request)))):
        shown_typed = request.POST.get("gift_code", "")[:60]
        context["gift"] = GiftQuote(due=price, typed=shown_typed, error=refusal.message)
        return refusal.apply(_render_step(request, "review", context))
    gift = quote_gift_certificate(typed=typed, price=price)
    context["gift"] = gift
    if "confirm" not in request.POST or gift.error:
        return _render_step(request, "review", context, status=400 if gift.error else 200)
    if gift.code and gift_shown(request.POST) is None:
        # A code typed and confirmed without "Apply": the client has not seen what it pays yet.
        context["notice"] = (
            f"Your gift certificate pays {dollars(gift.applied)}. Please check and confirm."
        )
        return _render_step(request, "review", context)
    shown = request.POST.get("assigned")
    if shown and shown != context["assigned"].slug:
        # Never book someone other than the therapist the client saw: show the change first.
        context["error"] = (
            "The therapist we showed you was just booked at that time. "
            f"{context['assigned'].name} is free instead: please check and confirm again."
        )
        return _render_step(request, "review", context, status=409)
    return _confirm_step(request, selection, context)


def _confirm_step(
    request: HttpRequest, selection: SelectionForm, context: dict[str, Any]
) -> HttpResponse:
    """Confirmed: book it, or send the client back to the step where they can fix why not."""
    form, gift, start = context["form"], context["gift"], selection.start
    refusal = take(
        (BOOKINGS_PER_ADDRESS, client_address(request)),
        (BOOKINGS_PER_EMAIL, form.cleaned_data["email"]),
    )
    if refusal:
        return refusal.apply(_render_step(request, "review", {**context, "error": refusal.message}))
    try:
        appointment = book_appointment(
            option=selection.option,
            start=start,
            therapist=context["assigned"],
            client=ClientDetails(**{k: form.cleaned_data[k] for k in DETAIL_FIELDS}),
            request_key=form.cleaned_data["request_key"],
            intake=context["intake"].answers(),
            gift_code=gift.code,
            gift_shown=gift_shown(request.POST) if gift.code else None,
        )
    except AlreadyBooked as error:
        return render(
            request, "booking/already_booked.html", {"appointment": error.appointment}, status=409
        )
    except SlotUnavailable as error:
        if selection.cleaned_data["therapist_obj"] is None:
            return _still_free_step(request, selection, context)
        return _time_step(request, selection, error.message, status=409, wanted=start)
    except NeedsDoctor as error:
        return _render_step(request, "details", {**context, "screening": error.screening})
    except GiftAmountChanged as error:
        # Shown again with what it pays now; confirming this review books that amount.
        context["gift"] = quote_gift_certificate(typed=[gift.code], price=selection.option.price)
        return _render_step(request, "review", {**context, "error": error.message}, status=409)
    except GiftCertificateError as error:
        due = selection.option.price
        context["gift"] = GiftQuote(typed=gift.typed, due=due, error=error.message)
        return _render_step(request, "review", context, status=400)
    except BookingError as error:
        return _render_step(request, "review", {**context, "error": error.message}, status=400)
    messages.success(request, "You're booked. We've emailed your confirmation.")
    return redirect(appointment)


def _still_free_step(
    request: HttpRequest, selection: SelectionForm, context: dict[str, Any]
) -> HttpResponse:
    """A "first available" booking refused because its therapist was just booked: whoever is
    still free at that time, each one tap from booked (the form as reviewed, that therapist),
    and the nearest free times."""
    start, day = selection.start, selection.cleaned_data["day"]
    availability = Availability(option=selection.option, first_day=day, last_day=day)
    still_free = availability.free_therapists_at(start)
    taken = context.pop("assigned")
    error = f"Sorry, {taken.name} was just booked at that time."
    if still_free:
        error += f" Still free then: {', '.join(t.name for t in still_free)}."
    extra = {**context, "still_free": still_free, "shown_gift": gift_shown(request.POST)}
    return _time_step(request, selection, error, status=409, wanted=start, extra=extra)


def gift_shown(data: QueryDict) -> Decimal | None:
    """The amount the review step showed the certificate paying, carried by its form; None when
    missing or not an amount (then the client is shown the review first)."""
    try:
        amount = Decimal(data.get("gift_shown", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


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
    """The client moves their own booking: a day, then a free time on it, posted to move."""
    appointment = _appointment(token)
    context = {"appointment": appointment, "policy": BookingPolicy.current()}
    if not can_change(appointment):
        return _private(render(request, "booking/too_late.html", context, status=409))
    first, last = policy_days()
    source = request.POST if request.method == "POST" else request.GET
    day = bounded_day(source.get("day"))
    if source.get("day") and (day is None or not first <= day <= last):
        context["error"] = "Please choose one of the days listed."
        day = None
    if day is None:
        return _reschedule_days(request, appointment, context, first, last)
    context.update(day=day, periods=_reschedule_periods(appointment, day))
    if request.method == "GET":
        return _reschedule_page(request, context)
    return _reschedule_move(request, appointment, context)


def _reschedule_page(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _private(render(request, "booking/reschedule.html", context, status=status))


def _reschedule_days(
    request: HttpRequest, appointment: Appointment, context: dict[str, Any], first: date, last: date
) -> HttpResponse:
    """Moving, step 1: the days with free time for the same massage and therapist."""
    from_day = max(first, bounded_day(request.GET.get("from")) or first)
    availability = Availability(
        option=appointment.option,
        therapist=appointment.therapist,
        first_day=from_day,
        last_day=min(last, from_day + timedelta(days=27)),
        ignore=appointment,
    )
    days = [(d, len(availability.slots(d))) for d in availability.days_with_slots()]
    context["days"] = days[:DAYS_PER_PAGE]
    return _reschedule_page(request, context, status=400 if "error" in context else 200)


def _reschedule_periods(appointment: Appointment, day: date) -> list[tuple[str, list[Slot]]]:
    """Moving, step 2: the free times on the day, the booking's own time counted as free."""
    availability = Availability(
        option=appointment.option,
        therapist=appointment.therapist,
        first_day=day,
        last_day=day,
        ignore=appointment,
    )
    return day_periods(availability.slots(day))


def _reschedule_move(
    request: HttpRequest, appointment: Appointment, context: dict[str, Any]
) -> HttpResponse:
    """Moving, posted: the new time, or why not with the day's free times again."""
    try:
        at = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        context["error"] = "Please choose one of the free times."
        return _reschedule_page(request, context, status=400)
    start = datetime.combine(context["day"], at, tzinfo=timezone.get_current_timezone())
    try:
        reschedule_appointment(appointment=appointment, start=start)
    except BookingError as error:
        context["error"] = error.message
        status = 409 if isinstance(error, SlotUnavailable) else 400
        return _reschedule_page(request, context, status=status)
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
