"""The client's side of the care loop: the pre-visit intake by the booking's private link, and
the private page of their treatment plan and progress. Views parse input, call one service or
selector, and pick the response."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from booking.exceptions import BookingError
from booking.forms_care import PreVisitIntakeForm, UnchangedIntakeForm
from booking.models import Appointment, Intake, TreatmentPlan
from booking.selectors_care import (
    book_next_path,
    plan_progress,
    previous_intake,
    tracked_activities,
)
from booking.services.care import (
    add_visit_scores,
    confirm_unchanged_intake,
    save_pre_visit_intake,
)
from booking.services.intake import QUESTIONS
from booking.views import appointment_by_link, private


def _scores_initial(earlier: Intake | None, activities: list[str]) -> dict:
    if earlier is None:
        return {}
    scores = earlier.activity_scores
    initial = {"pain": earlier.pain}
    for n, name in enumerate(activities, 1):
        initial[f"score_{n}"] = scores.get(name)
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables()
def intake(request: HttpRequest, token: str) -> HttpResponse:
    """Before every visit: the intake questions, filled in with the client's last answers when
    they have any (then "nothing has changed" confirms them in one step). Its POSTs carry health
    answers: error reports show none of them."""
    appointment = appointment_by_link(token, "intake")
    context: dict = {"appointment": appointment}
    if not appointment.is_active and not hasattr(appointment, "intake"):
        return private(render(request, "booking/care/intake_closed.html", context, status=409))
    if hasattr(appointment, "intake"):
        if appointment.is_active and appointment.intake.needs_scores:
            return _scores(request, appointment)
        return private(render(request, "booking/care/intake_done.html", context))
    earlier = previous_intake(appointment)
    activities = tracked_activities(appointment)
    initial = _scores_initial(earlier, activities)
    if earlier is not None:
        initial |= {name: getattr(earlier, name) for name in QUESTIONS}
    posted = request.POST if request.method == "POST" else None
    unchanged_posted = posted is not None and "unchanged" in posted
    form = PreVisitIntakeForm(
        None if unchanged_posted else posted, initial=initial, activities=activities
    )
    unchanged = UnchangedIntakeForm(
        posted if unchanged_posted else None, initial=initial, activities=activities,
        prefix="same",
    )  # fmt: skip
    context |= {"form": form, "unchanged": unchanged, "earlier": earlier}
    saved = None
    try:
        if unchanged_posted and earlier is not None and unchanged.is_valid():
            data = unchanged.cleaned_data
            saved = confirm_unchanged_intake(
                appointment=appointment,
                consent_name=data["consent_name"],
                pain=data["pain"],
                activities=data["activities"] or None,
            )
        elif not unchanged_posted and form.is_bound and form.is_valid():
            data = form.cleaned_data
            saved = save_pre_visit_intake(
                appointment=appointment,
                answers=form.answers(),
                pain=data["pain"],
                activities=data["activities"],
                consent_name=data["consent_name"],
            )
    except BookingError as error:
        messages.info(request, error.message)
        return redirect("booking:intake", token=token)
    if saved is not None and saved.red_flags:
        context |= {"screening": saved.screening}
        return private(render(request, "booking/care/intake_done.html", context))
    if saved is not None:
        messages.success(
            request, "Thank you. Your therapist will read your answers before your visit."
        )
        return redirect("booking:intake", token=token)
    status = 400 if request.method == "POST" else 200
    return private(render(request, "booking/care/intake.html", context, status=status))


def _scores(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """An intake given with the online booking: today's scores and the typed consent only."""
    activities = tracked_activities(appointment)
    initial = _scores_initial(previous_intake(appointment), activities)
    posted = request.POST if request.method == "POST" else None
    form = UnchangedIntakeForm(posted, initial=initial, activities=activities, legend="Today")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            add_visit_scores(
                appointment=appointment,
                pain=data["pain"],
                activities=data["activities"],
                consent_name=data["consent_name"],
            )
        except BookingError as error:
            messages.info(request, error.message)
        else:
            messages.success(request, "Thank you. Your therapist will read your answers first.")
        return redirect("booking:intake", token=appointment.token)
    context = {"appointment": appointment, "form": form}
    status = 400 if form.is_bound else 200
    return private(render(request, "booking/care/intake_scores.html", context, status=status))


@never_cache
@require_GET
def plan(request: HttpRequest, token: str) -> HttpResponse:
    """The client's plan: sessions done against planned, their scores at each visit as charts
    (with a table of the same numbers), and the next step."""
    found = (
        TreatmentPlan.objects.select_related(
            "appointment__client", "appointment__therapist", "appointment__option__service"
        )
        .filter(token=token)
        .first()
    )
    if found is None:
        raise Http404("No plan has this link.")
    progress = plan_progress(found)
    context = {
        "plan": found,
        "progress": progress,
        "appointment": found.appointment,
        "book_next_url": book_next_path(found.appointment, progress.next_day),
    }
    return private(render(request, "booking/care/plan.html", context))
