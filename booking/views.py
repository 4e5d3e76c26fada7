"""The public booking flow and the client's own booking page. Views parse input, call one
selector or service, and pick the response; the rules live in availability and services."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
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
from booking.forms import (
    ANY,
    CancelForm,
    DetailsForm,
    IntakeForm,
    SelectionForm,
    carried_answers,
    forget_carried_answers,
)
from booking.models import Appointment, BookingPolicy, Therapist
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
    booked_by_form,
    current_clinic,
    gift_not_credited_back,
    quote_gift_certificate,
)
from booking.services.appointments import (
    book_appointment,
    can_change,
    cancel_appointment,
    change_deadline,
    may_change_online,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails
from booking.services.intake import with_consent
from booking.templatetags.booking_flow import flow_url, time_link
from booking.times import therapists_offering, times_page
from focusedcare.cache import APPOINTMENTS, CATALOG, CONTENT
from focusedcare.pagecache import cached_page

SESSION_DETAILS = "booking_details"
DETAIL_FIELDS = ("name", "email", "phone")


STEPS = [
    ("service", "Massage"),
    ("times", "Time"),
    ("details", "Your details"),
    ("review", "Review"),
]
# What the flow's address may carry: a GET with these only is one page, the same for everyone.
FLOW_PARAMS = (*SelectionForm.base_fields, "from")
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
@cached_page(kinds=(CATALOG, APPOINTMENTS, CONTENT), query=FLOW_PARAMS, per_minute=True)
def book(request: HttpRequest) -> HttpResponse:
    """The booking flow. The address (or the posted form) carries the choices made so far: the
    massage and its length, then one page of times (first available unless a therapist is
    chosen), then details and intake, review and confirmation, which are POSTs.
    Its POSTs carry health answers: an error report shows none of them, nor any variable of
    the steps below (the two `sensitive_` decorators)."""
    selection = SelectionForm(request.POST if request.method == "POST" else request.GET)
    if not selection.is_valid():
        return _link_refused(request, selection)
    data = selection.cleaned_data
    if data["service"] is None or selection.option is None:
        return _service_step(request, selection)
    data["therapist"] = data["therapist"] or ANY
    day = data.get("day")
    if day is not None:
        first, last = policy_days()
        if not first <= day <= last:
            return _day_refused(request, selection, first)
    if selection.start is None:
        return _times_step(request, selection, day or bounded_day(request.GET.get("from")))
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


def _day_refused(request: HttpRequest, selection: SelectionForm, first: date) -> HttpResponse:
    """A day before the notice or past the horizon: why, then the times from the first day."""
    if selection.cleaned_data["day"] < first:
        error = "That day can no longer be booked online. Please choose another day."
    else:
        error = f"We take bookings up to {BookingPolicy.current().horizon_days} days ahead."
    return _times_step(request, selection, first, error=error, status=400)


def _times_step(
    request: HttpRequest,
    selection: SelectionForm,
    from_day: date | None,
    error: str = "",
    status: int = 200,
    wanted: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Step 2: the free times of the next days that have any, from `from_day`; with `wanted`
    (a time refused), the nearest free times first."""
    option, data = selection.option, selection.cleaned_data
    therapist = data["therapist_obj"]
    link = time_link(data)
    page = times_page(
        option=option,
        therapist=therapist,
        from_day=from_day,
        href=lambda slot: link(slot.local_start),
        page_href=lambda day: flow_url(data, day=day),
    )
    context = {
        **(extra or {}),
        "selection": data,
        "times": page,
        "therapists": therapists_offering(option),
        "error": error,
    }
    if wanted is not None:
        first, last = policy_days()
        day = timezone.localdate(wanted)
        around = Availability(
            option=option,
            first_day=max(first, day - timedelta(days=3)),
            last_day=min(last, day + timedelta(days=3)),
            therapist=therapist,
        )
        context["alternatives"] = around.nearest(wanted)
    return _render_step(request, "times", context, status)


def _already_booked(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    return render(request, "booking/already_booked.html", {"appointment": appointment}, status=409)


def _sent_again(request: HttpRequest) -> Appointment | None:
    """The booking this very form already made, when a confirmation is sent again."""
    if not request.POST.get("confirm"):
        return None
    return booked_by_form(request.POST.get("request_key"))


def _therapist_for(request: HttpRequest, selection: SelectionForm) -> Therapist | None:
    """Who takes the chosen time, keeping the therapist already shown while still free."""
    day, therapist = selection.cleaned_data["day"], selection.cleaned_data["therapist_obj"]
    availability = Availability(
        option=selection.option, first_day=day, last_day=day, therapist=therapist
    )
    return availability.therapist_for(selection.start, shown=request.POST.get("assigned", ""))


def _details_step(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 3: who the client will see, and the details and intake forms (typed before, kept;
    where it hurts and for how long filled in from find-my-massage when answered there)."""
    assigned = _therapist_for(request, selection)
    if assigned is None:
        day = selection.cleaned_data["day"]
        return _times_step(request, selection, day, NOT_FREE, status=400, wanted=selection.start)
    carried = carried_answers(request)
    context = {
        "selection": selection.cleaned_data,
        "start": selection.start,
        "assigned": assigned,
        "form": DetailsForm(initial=request.session.get(SESSION_DETAILS, {})),
        "intake": IntakeForm(initial=carried),
        "carried": bool(carried),
    }
    return _render_step(request, "details", context)


def _details_posted(request: HttpRequest, selection: SelectionForm) -> HttpResponse:
    """Step 3 posted: the details kept, the time checked again, the details and intake checked.
    `edit` (the red-flag stop's "ticked by mistake?") shows the answers again to change them."""
    form = DetailsForm(request.POST)
    if form.is_valid():
        # Kept before the time is checked: if it was just taken, nothing typed is lost.
        request.session[SESSION_DETAILS] = {k: form.cleaned_data[k] for k in DETAIL_FIELDS}
    if booked := _sent_again(request):
        # The same form sent again (a double click) after the first booked the time: that
        # booking, not "the time was taken".
        return _already_booked(request, booked)
    assigned = _therapist_for(request, selection)
    if assigned is None and request.POST.get("confirm"):
        # Confirming a therapist the client chose: the booking decides under its lock, and a
        # refusal offers whoever else is free then (`_still_free_step`), nothing typed lost.
        assigned = selection.cleaned_data["therapist_obj"]
    if assigned is None:
        if booked := _sent_again(request):  # the first send booked it since the check above
            return _already_booked(request, booked)
        day = selection.cleaned_data["day"]
        return _times_step(request, selection, day, NOT_FREE, status=409, wanted=selection.start)
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
    if "edit" in request.POST:
        return _render_step(request, "details", context)
    if not intake.screening.may_book:
        return _render_step(request, "details", {**context, "screening": intake.screening})
    return _review_step(request, selection, context)


def _review_step(
    request: HttpRequest, selection: SelectionForm, context: dict[str, Any]
) -> HttpResponse:
    """Step 4: everything to check, with the gift certificate quoted and, truthfully for this
    session, until when it can be changed online; confirming books."""
    context["change_deadline"] = change_deadline(selection.start)
    context["changes_online"] = may_change_online(selection.start)
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
    """Confirmed: book it, or send the client back to the step where they can fix why not.
    Confirming under the consent statement is the client's consent: recorded with their name."""
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
            intake=with_consent(context["intake"].answers(), name=form.cleaned_data["name"]),
            gift_code=gift.code,
            gift_shown=gift_shown(request.POST) if gift.code else None,
        )
    except AlreadyBooked as error:
        return _already_booked(request, error.appointment)
    except SlotUnavailable as error:
        return _still_free_step(request, selection, context, error.message)
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
    response = redirect(appointment)
    forget_carried_answers(response)
    return response


def _still_free_step(
    request: HttpRequest, selection: SelectionForm, context: dict[str, Any], refusal: str
) -> HttpResponse:
    """A booking refused at confirm because its time was just taken: whoever is still free at
    that time, each one tap from booked (the form as reviewed, as "first available" with that
    therapist shown), and the nearest free times with the therapist chosen. For a named
    therapist, the rule that refused it (`refusal`) and the others free then."""
    start, day = selection.start, selection.cleaned_data["day"]
    availability = Availability(option=selection.option, first_day=day, last_day=day)
    still_free = availability.free_therapists_at(start)
    taken = context.pop("assigned")
    named = selection.cleaned_data["therapist_obj"] is not None
    error = refusal if named else f"Sorry, {taken.name} was just booked at that time."
    if still_free:
        free = ", ".join(t.name for t in still_free)
        error += (
            f" Free then with another therapist: {free}." if named else f" Still free then: {free}."
        )
    extra = {
        **context,
        "still_free": still_free,
        "still_free_selection": {**selection.cleaned_data, "therapist": ANY},
        "shown_gift": gift_shown(request.POST),
    }
    return _times_step(request, selection, day, error, status=409, wanted=start, extra=extra)


def gift_shown(data: QueryDict) -> Decimal | None:
    """The amount the review step showed the certificate paying, carried by its form; None when
    missing or not an amount (then the client is shown the review first)."""
    try:
        amount = Decimal(data.get("gift_shown", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def appointment_by_link(token: str, *related: str) -> Appointment:
    """The booking a private link names (with `related` read alongside), or a 404."""
    appointment = (
        Appointment.objects.select_related("client", "therapist", "option__service", *related)
        .filter(token=token)
        .first()
    )
    if appointment is None:
        raise Http404("No booking has this link.")
    return appointment


def private(response: HttpResponse) -> HttpResponse:
    """A page only its link's holder should see: never in a search engine."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_by_link(token)
    clinic = current_clinic()
    manage_url = request.build_absolute_uri(appointment.get_absolute_url())
    context = {
        "appointment": appointment,
        "start": timezone.localtime(appointment.start),
        "end": timezone.localtime(appointment.end),
        "can_change": can_change(appointment),
        "policy": BookingPolicy.current(),
        "google_url": google_calendar_url(appointment, clinic, manage_url),
        "gift_kept": gift_not_credited_back(appointment),
    }
    return private(render(request, "booking/manage.html", context))


@never_cache
@require_GET
def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_by_link(token)
    manage_url = request.build_absolute_uri(appointment.get_absolute_url())
    ics = appointment_ics(appointment, current_clinic(), manage_url)
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    """The client moves their own booking: the current booking, the page of free times (their
    therapist's by default, or another's who gives the massage), then a confirmation that posts
    the move. A POST with a day and a time is that confirmation."""
    appointment = appointment_by_link(token)
    context = {
        "appointment": appointment,
        "policy": BookingPolicy.current(),
        "current": timezone.localtime(appointment.start),
    }
    if not can_change(appointment):
        return private(render(request, "booking/too_late.html", context, status=409))
    source = request.POST if request.method == "POST" else request.GET
    wanted = source.get("therapist", "")
    therapist = appointment.therapist
    if wanted == ANY:
        therapist = None
    elif wanted and wanted != therapist.slug:
        therapist = therapists_offering(appointment.option).filter(slug=wanted[:100]).first()
        if therapist is None:
            context["error"] = "Please choose one of the therapists listed."
            return _reschedule_times(request, appointment, context, appointment.therapist, None)
    first, last = policy_days()
    day = bounded_day(source.get("day"))
    if source.get("day") and (day is None or not first <= day <= last):
        context["error"] = "Please choose one of the days listed."
        return _reschedule_times(request, appointment, context, therapist, None)
    if day is None or not source.get("time"):
        if request.method == "POST":
            context["error"] = "Please choose one of the free times."
        return _reschedule_times(request, appointment, context, therapist, day)
    try:
        at = time.fromisoformat(source["time"][:8])
    except ValueError:
        context["error"] = "Please choose one of the free times."
        return _reschedule_times(request, appointment, context, therapist, day)
    start = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
    if request.method == "GET":
        return _reschedule_confirm(request, appointment, context, therapist, start)
    return _reschedule_move(request, appointment, context, therapist, start)


def _reschedule_times(
    request: HttpRequest,
    appointment: Appointment,
    context: dict[str, Any],
    therapist: Therapist | None,
    from_day: date | None,
    status: int | None = None,
) -> HttpResponse:
    """Moving, step 1: the free times for the same massage, the booking's own time counted as
    free; `therapist` None for anyone who gives it (each time then names who)."""
    url = reverse("booking:reschedule", args=[appointment.token])
    chosen = therapist.slug if therapist else ANY

    def href(slot: Slot) -> str:
        query = {"therapist": slot.therapist.slug, "day": slot.local_start.date().isoformat()}
        return f"{url}?{urlencode({**query, 'time': f'{slot.local_start:%H:%M}'}, safe=':')}"

    context["times"] = times_page(
        option=appointment.option,
        therapist=therapist,
        from_day=from_day or bounded_day(request.GET.get("from")),
        href=href,
        page_href=lambda day: f"{url}?{urlencode({'therapist': chosen, 'day': day.isoformat()})}",
        ignore=appointment,
    )
    context.update(therapists=therapists_offering(appointment.option), chosen=therapist, url=url)
    if status is None:
        status = 400 if "error" in context else 200
    return private(render(request, "booking/reschedule.html", context, status=status))


def _reschedule_confirm(
    request: HttpRequest,
    appointment: Appointment,
    context: dict[str, Any],
    therapist: Therapist | None,
    start: datetime,
) -> HttpResponse:
    """Moving, step 2: the current booking and the new time side by side, to confirm."""
    target = therapist or appointment.therapist
    day = start.date()
    availability = Availability(
        option=appointment.option, first_day=day, last_day=day, therapist=target, ignore=appointment
    )
    if target not in availability.free_therapists_at(start):
        context["error"] = availability.why_not(start, target) or NOT_FREE
        return _reschedule_times(request, appointment, context, therapist, day, status=409)
    context.update(new_start=start, new_therapist=target)
    return private(render(request, "booking/reschedule.html", context))


def _reschedule_move(
    request: HttpRequest,
    appointment: Appointment,
    context: dict[str, Any],
    therapist: Therapist | None,
    start: datetime,
) -> HttpResponse:
    """Moving, confirmed: the new time, or why not with the free times again."""
    try:
        reschedule_appointment(appointment=appointment, start=start, therapist=therapist)
    except BookingError as error:
        context["error"] = error.message
        status = 409 if isinstance(error, SlotUnavailable) else 400
        return _reschedule_times(request, appointment, context, therapist, start.date(), status)
    messages.success(request, "Your appointment has been moved. We've emailed the new time.")
    return redirect(appointment)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_by_link(token)
    context = {"appointment": appointment, "policy": BookingPolicy.current()}
    if not can_change(appointment):
        return private(render(request, "booking/too_late.html", context, status=409))
    form = CancelForm(request.POST or None)
    context.update(form=form, start=timezone.localtime(appointment.start))
    if request.method == "POST":
        if form.is_valid():
            try:
                cancel_appointment(appointment=appointment, reason=form.cleaned_data["reason"])
            except BookingError as error:
                context["error"] = error.message
                return private(render(request, "booking/cancel.html", context, status=409))
            messages.success(request, "Your appointment has been cancelled. We've emailed you.")
            return redirect(appointment)
        return private(render(request, "booking/cancel.html", context, status=400))
    return private(render(request, "booking/cancel.html", context))


def typed_gift_codes(data: QueryDict) -> list[str]:
    """The review step's code field(s), POST only (never in an address); empty once removed."""
    if "remove_gift" in data:
        return []
    return [value.strip()[:60] for value in data.getlist("gift_code") if value.strip()]
