"""Forms check the shape of what clients type; the booking rules live in the services."""

import json
import re
import secrets
import unicodedata
from datetime import date, datetime, time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.utils import timezone

from booking.clock import EARLIEST, LATEST, dollars
from booking.models import Habit, PainDuration, Service, ServiceOption, Therapist, Zone
from booking.screening import EMERGENCY_FLAGS, RedFlag, Screening, screen
from booking.services.intake import QUESTIONS, IntakeAnswers

ANY = "any"
CARRIED_ANSWERS = "carried_answers"
CARRIED_FOR = 4 * 60 * 60  # seconds: long enough to book, not to linger
OPTIONAL_INTAKE = ("habits", "previous_injuries", "goals")


def carry_answers(request, response, *, zones: list[str], duration: str) -> None:
    """Where it hurts and for how long, as answered in find-my-massage, kept for the booking
    intake to fill in: in a signed cookie on the client's own browser for a few hours (never in
    an address, a log or the clinic's database: they are health answers the clinic has not been
    given yet)."""
    response.set_signed_cookie(
        CARRIED_ANSWERS,
        json.dumps({"zones": list(zones), "duration": duration}),
        salt=CARRIED_ANSWERS,
        max_age=CARRIED_FOR,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def carried_answers(request) -> dict:
    """The find-my-massage answers kept for the intake, as its initial values (known ones only)."""
    raw = request.get_signed_cookie(
        CARRIED_ANSWERS, default="", salt=CARRIED_ANSWERS, max_age=CARRIED_FOR
    )
    try:
        carried = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(carried, dict):
        return {}
    initial: dict = {}
    zones = carried.get("zones")
    if isinstance(zones, list) and (known := [z for z in Zone.values if z in zones]):
        initial["zones"] = known
    if carried.get("duration") in PainDuration.values:
        initial["duration"] = carried["duration"]
    return initial


def forget_carried_answers(response) -> None:
    response.delete_cookie(CARRIED_ANSWERS, samesite="Lax")


def refuse_control_characters(value: str) -> None:
    """Typed text holds no control characters but tabs and line breaks: none belongs in a name,
    an email or a note (NUL, which PostgreSQL refuses in text, is Django's own check)."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x00" for ch in value):
        raise forms.ValidationError(
            "Please remove the invisible control characters from this text.",
            code="control_characters",
        )


class TypedTextForm(forms.Form):
    """A form people type into: every text field, hidden ones included, refuses control
    characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_control_characters)


class DayField(forms.DateField):
    """A day typed or picked, within the years date arithmetic is safe for."""

    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"Please enter a date between {EARLIEST.year} and {LATEST.year}."
            )


class SelectionForm(TypedTextForm):
    """The choices made so far in the booking flow, carried in the address (?service=...)."""

    service = forms.ModelChoiceField(
        Service.objects.active(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "We don't offer that massage online. Please choose one."},
    )
    minutes = forms.IntegerField(required=False, min_value=1, max_value=600)
    therapist = forms.SlugField(required=False, max_length=100)
    day = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "That date isn't valid. Please pick a day from the list."},
    )
    time = forms.TimeField(
        required=False,
        input_formats=["%H:%M"],
        error_messages={"invalid": "That time isn't valid. Please pick a time from the list."},
    )

    def clean(self) -> dict:
        data = super().clean()
        slug = data.get("therapist")
        therapist = None
        if slug and slug != ANY:
            therapist = Therapist.objects.active().filter(slug=slug).first()
            if therapist is None:
                self.add_error("therapist", "We can't find that therapist. Please choose again.")
        data["therapist_obj"] = therapist
        data["option"] = None
        service: Service | None = data.get("service")
        if service is None:
            return data
        if therapist is not None and not therapist.services.filter(pk=service.pk).exists():
            self.add_error("therapist", f"{therapist.name} doesn't offer {service.name}.")
        options = {o.duration_minutes: o for o in service.options.all() if o.is_active}
        minutes = data.get("minutes")
        if minutes is None and len(options) == 1:
            minutes = next(iter(options))
        if minutes is not None and minutes not in options:
            self.add_error("minutes", f"{service.name} isn't offered for {minutes} minutes.")
        data["option"] = options.get(minutes)
        return data

    @property
    def option(self) -> ServiceOption | None:
        return self.cleaned_data.get("option")

    @property
    def start(self) -> datetime | None:
        day: date | None = self.cleaned_data.get("day")
        at: time | None = self.cleaned_data.get("time")
        if day is None or at is None:
            return None
        return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def person_name(value: str, message: str) -> str:
    """A name with its spacing tidied; `message` when it is too short to be one."""
    name = " ".join(value.split())
    if len(name) < 2:
        raise forms.ValidationError(message)
    return name


def phone_number(value: str) -> str:
    """A number someone can call: seven digits at least, and only what phone numbers hold."""
    phone = " ".join(value.split())
    if sum(ch.isdigit() for ch in phone) < 7 or any(
        ch not in "0123456789 +-().ext" for ch in phone.lower()
    ):
        raise forms.ValidationError("Please enter a phone number we can call, e.g. 717-555-0100.")
    return phone


class DetailsForm(TypedTextForm):
    name = forms.CharField(max_length=120, label="Your name", widget=forms.TextInput(
        attrs={"autocomplete": "name"}))  # fmt: skip
    email = forms.EmailField(
        max_length=254,
        label="Email",
        help_text="Your confirmation and the link to change your booking go here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        max_length=30,
        label="Phone",
        help_text="In case we need to reach you about your appointment.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Fieldset("About you", "name", "email", "phone", "request_key"))

    def clean_name(self) -> str:
        return person_name(self.cleaned_data["name"], "Please tell us your name.")

    def clean_phone(self) -> str:
        return phone_number(self.cleaned_data["phone"])

    def clean_request_key(self) -> str:
        return self.cleaned_data.get("request_key") or secrets.token_urlsafe(24)


class CancelForm(TypedTextForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class IntakeForm(TypedTextForm):
    """Assessment before action: what the therapist needs to know before the session."""

    red_flags = forms.MultipleChoiceField(
        choices=RedFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Do any of these apply to you now?",
        help_text="Some conditions need a doctor before massage.",
    )
    cleared_by_doctor = forms.BooleanField(
        required=False, label="A doctor has checked this and cleared me for massage."
    )
    zones = forms.MultipleChoiceField(
        choices=Zone.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Where does it hurt?",
        error_messages={"required": "Please tick where it hurts."},
    )
    duration = forms.ChoiceField(
        choices=PainDuration.choices,
        required=False,
        widget=forms.RadioSelect,
        label="How long has it hurt? (optional)",
    )
    habits = forms.MultipleChoiceField(
        choices=Habit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Your daily habits",
    )
    previous_injuries = forms.CharField(
        required=False,
        max_length=1000,
        label="Previous injuries or surgery",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pressure = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
        widget=forms.RadioSelect,
        label="Pressure you prefer (1 very light, 5 very firm)",
        error_messages={"required": "Please choose a pressure from 1 to 5."},
    )
    goals = forms.CharField(
        required=False,
        max_length=1000,
        label="What would you like from this session?",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("Before we book: your safety", "red_flags", "cleared_by_doctor"),
            Fieldset("About your back", "zones", "duration", "pressure"),
        )
        # Shown folded: the optional questions.
        self.more_helper = FormHelper()
        self.more_helper.form_tag = False
        self.more_helper.disable_csrf = True
        self.more_helper.layout = Layout(*OPTIONAL_INTAKE)

    @property
    def more_open(self) -> bool:
        """The optional questions unfold when one has an error or an answer."""
        if not self.is_bound:
            return False
        return any(self[name].errors or self[name].value() for name in OPTIONAL_INTAKE)

    def clean(self) -> dict:
        """Lists in the order the questions list them, whatever order they were sent in."""
        data = super().clean()
        for name in ("red_flags", "zones", "habits"):
            if name in data:
                order = [value for value, _ in self.fields[name].choices]
                data[name] = [value for value in order if value in set(data[name])]
        return data

    @property
    def screening(self) -> Screening:
        data = self.cleaned_data
        return screen(data.get("red_flags", []), bool(data.get("cleared_by_doctor")))

    def answers(self) -> IntakeAnswers:
        """The answers only: consent is given by confirming the booking (or signing), not here."""
        data = self.cleaned_data
        return IntakeAnswers(**{name: data[name] for name in QUESTIONS})

    def items_without_emergency(self) -> list[tuple[str, str]]:
        """The answers as `hidden_items`, less the emergency boxes: "ticked by mistake?"."""
        return [
            (name, value)
            for name, value in self.hidden_items()
            if not (name == "red_flags" and value in EMERGENCY_FLAGS)
        ]

    def hidden_items(self) -> list[tuple[str, str]]:
        """The answers as name/value pairs, for the review step's POST form (never a URL)."""
        items = []
        for name, value in self.cleaned_data.items():
            for item in value if isinstance(value, list) else [value]:
                if item not in (None, "", False):
                    items.append((name, "on" if item is True else str(item)))
        return items


class GiftPurchaseForm(TypedTextForm):
    """What a gift certificate buyer types. Amount limits are the owner's, checked by the
    purchase service; this form checks only the shape of the answers."""

    gift = forms.ChoiceField(
        label="An amount, or a massage at today's price",
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose an amount or a massage."},
    )
    custom_amount = forms.CharField(
        required=False,
        max_length=12,
        label="Another amount (US dollars)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    buyer_name = forms.CharField(
        max_length=120, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    buyer_email = forms.EmailField(
        max_length=254,
        label="Your email",
        help_text="Your receipt goes here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    send_to = forms.ChoiceField(
        label="Who should get it?",
        widget=forms.RadioSelect,
        initial="recipient",
        choices=[
            ("recipient", "Email it to the person I'm giving it to"),
            ("me", "Send it to me to print"),
        ],
    )
    recipient_name = forms.CharField(max_length=120, required=False, label="Their name")
    recipient_email = forms.EmailField(max_length=254, required=False, label="Their email")
    message = forms.CharField(
        max_length=500,
        required=False,
        label="A message (optional)",
        help_text="Printed on the certificate. Up to 500 characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deliver = forms.ChoiceField(
        label="When should it arrive?",
        widget=forms.RadioSelect,
        initial="now",
        choices=[("now", "As soon as it is paid"), ("later", "On a date I choose")],
    )
    deliver_on = DayField(
        required=False,
        label="Delivery date",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Please enter a date like 2026-12-24."},
    )

    def __init__(self, *args, options=(), presets=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped: the amounts, then each massage with its lengths (the page shows each group
        # as a row of small choices under its name: booking/_gift_choice.html).
        amounts = [(f"amount-{amount}", dollars(amount)) for amount in presets]
        amounts.append(("custom", "Another amount"))
        massages: dict[str, list[tuple[str, str]]] = {}
        for o in options:
            label = f"{o.duration_minutes} min, {dollars(o.price)}"
            massages.setdefault(o.service.name, []).append((f"option-{o.pk}", label))
        self.fields["gift"].choices = [("An amount", amounts), *massages.items()]
        self.options = {o.pk: o for o in options}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The "reveal" wrappers show only when their choice is ticked (site.css, :has(); no
        # JavaScript); a browser without :has() shows them all, as before.
        self.helper.layout = Layout(
            Fieldset(
                "Your gift",
                Field("gift", template="booking/_gift_choice.html"),
            ),
            Fieldset("From", "buyer_name", "buyer_email"),
            Fieldset(
                "To",
                "send_to",
                "recipient_name",
                Div("recipient_email", css_class="reveal reveal-recipient"),
                "message",
            ),
            Fieldset("Delivery", "deliver", Div("deliver_on", css_class="reveal reveal-later")),
        )

    def clean_buyer_name(self) -> str:
        name = " ".join(self.cleaned_data["buyer_name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Please tell us your name.")
        return name

    def clean(self) -> dict:
        data = super().clean()
        gift = data.get("gift", "")
        data["amount"], data["option"] = None, None
        if gift.startswith("amount-"):
            data["amount"] = gift.removeprefix("amount-")
        elif gift.startswith("option-"):
            data["option"] = self.options.get(int(gift.removeprefix("option-")))
        elif gift == "custom":
            raw = data.get("custom_amount", "").replace("$", "").replace(",", "").strip()
            if not raw:
                self.add_error("custom_amount", "Please enter the amount you'd like to give.")
            elif not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", raw):
                self.add_error("custom_amount", "Please enter an amount in dollars, like 75.")
            else:
                data["amount"] = raw
        if data.get("send_to") == "recipient":
            if not data.get("recipient_email") and "recipient_email" not in self.errors:
                self.add_error("recipient_email", "Please enter their email, or send it to you.")
            if not " ".join(data.get("recipient_name", "").split()):
                self.add_error("recipient_name", "Please enter their name.")
        else:
            data["recipient_email"] = ""
        if data.get("deliver") == "later":
            day = data.get("deliver_on")
            if day is None and "deliver_on" not in self.errors:
                self.add_error("deliver_on", "Please choose the day it should arrive.")
            elif day is not None and day < timezone.localdate():
                self.add_error("deliver_on", "The delivery date can't be in the past.")
        else:
            data["deliver_on"] = None
        return data


class BalanceForm(TypedTextForm):
    code = forms.CharField(
        max_length=40,
        label="Gift certificate code",
        help_text="16 letters and numbers; dashes and spaces don't matter.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": "Please enter the code on your certificate."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class GiftReasonForm(TypedTextForm):
    """Staff: void or adjust a certificate, always with a reason for the ledger."""

    amount = forms.DecimalField(
        max_digits=9,
        decimal_places=2,
        required=False,
        help_text="Dollars: negative takes value off, positive adds it.",
    )
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
