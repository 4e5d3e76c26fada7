"""Forms of the back office's own pages. They check the shape of input; the booking rules live
in the services, which the views call (never a form's `clean()`)."""

import secrets
from datetime import date, datetime, time

from django import forms
from django.http import QueryDict
from django.utils import timezone

from booking.clock import bounded_day, dollars
from booking.forms import DayField, TypedTextForm, person_name, phone_number
from booking.models import ServiceOption, Therapist
from booking.services.clients import ClientDetails


def _clinic_time(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


class OptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, option: ServiceOption) -> str:
        return f"{option.service.name}, {option.duration_minutes} min ({dollars(option.price)})"


class PhoneBookingForm(TypedTextForm):
    """A phone or walk-in booking by staff: who, what, with whom, when."""

    client_name = forms.CharField(label="Client's name", max_length=120)
    client_phone = forms.CharField(label="Phone", max_length=30, required=False)
    client_email = forms.EmailField(
        label="Email",
        max_length=254,
        required=False,
        help_text="Email or phone: one is enough. With an email the client gets the "
        "confirmation and the link to change the booking.",
    )
    option = OptionChoiceField(
        ServiceOption.objects.none(), label="Service", empty_label="Choose a service"
    )
    therapist = forms.ModelChoiceField(
        Therapist.objects.none(),
        required=False,
        empty_label="First available",
        help_text="Left on “First available”, whoever is free with the fewest bookings that day.",
    )
    day = DayField(label="Day")
    time = forms.TimeField(
        label="Start", widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
    )
    send_confirmation = forms.BooleanField(
        label="Email the client a confirmation",
        required=False,
        initial=True,
        help_text="Never sent for a time already past (a walk-in entered afterwards).",
    )
    gift_code = forms.CharField(
        label="Gift certificate code",
        required=False,
        max_length=40,
        help_text="Pays what it can of the price; the rest is due at the clinic.",
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].queryset = (
            ServiceOption.objects.filter(is_active=True, service__is_active=True)
            .select_related("service")
            .order_by("service__order", "service__name", "duration_minutes")
        )
        self.fields["therapist"].queryset = Therapist.objects.active()
        if not self.is_bound:
            self.initial.setdefault("request_key", secrets.token_urlsafe(24))

    def clean_client_name(self) -> str:
        return person_name(self.cleaned_data["client_name"], "Please enter the client's name.")

    def clean_client_phone(self) -> str:
        phone = self.cleaned_data["client_phone"]
        return phone_number(phone) if phone.strip() else ""

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("client_email") and not data.get("client_phone") and not self.errors:
            raise forms.ValidationError("Please enter the client's phone number or email.")
        if not data.get("request_key"):
            data["request_key"] = secrets.token_urlsafe(24)
        return data

    def booking_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "option": data["option"],
            "therapist": data["therapist"],
            "start": _clinic_time(data["day"], data["time"]),
            "client": ClientDetails(
                name=data["client_name"], email=data["client_email"], phone=data["client_phone"]
            ),
            "notify_client": data["send_confirmation"],
            "gift_code": data["gift_code"].strip(),
            "request_key": data["request_key"],
        }


def _whole_number(text: str, digits: int = 18) -> int | None:
    """ASCII digits only ("²" is a digit to `str.isdigit` but no number to `int`), and short
    enough for a database integer."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def phone_booking_initial(query: QueryDict) -> dict:
    """What a calendar cell carries: ?therapist=<id>&start=YYYY-MM-DDTHH:MM&minutes=<n>.
    Anything malformed is ignored: these only fill the form in."""
    initial: dict = {}
    therapist_id = _whole_number(query.get("therapist", ""))
    therapist = (
        Therapist.objects.active().filter(pk=therapist_id).first()
        if therapist_id is not None
        else None
    )
    if therapist is not None:
        initial["therapist"] = therapist
    try:
        start = datetime.fromisoformat(query.get("start", ""))
    except ValueError:
        start = None
    if start is not None and bounded_day(start.date().isoformat()):
        initial["day"], initial["time"] = start.date(), start.time().replace(second=0)
    minutes = _whole_number(query.get("minutes", ""), digits=4)
    if minutes is not None:
        options = ServiceOption.objects.filter(
            is_active=True, service__is_active=True, duration_minutes=minutes
        ).order_by("service__order", "service__name")
        if therapist is not None:
            options = options.filter(service__therapists=therapist)
        if option := options.first():
            initial["option"] = option
    return initial


class MoveForm(TypedTextForm):
    day = DayField(label="New day")
    time = forms.TimeField(
        label="New start",
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        help_text="Clinic time.",
    )

    def start(self) -> datetime:
        return _clinic_time(self.cleaned_data["day"], self.cleaned_data["time"])


class ClinicCancelForm(TypedTextForm):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        initial="Cancelled by the clinic.",
        help_text="Shown to the client in the cancellation email.",
    )
