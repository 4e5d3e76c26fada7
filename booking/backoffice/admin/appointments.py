"""Appointments: the staff's page for one booking, the list with its outcomes, and the outbox."""

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.utils import timezone

from booking.backoffice.roles import (
    RoleAdmin,
    StackedInline,
    own_therapist,
)
from booking.exceptions import BookingError
from booking.models import (
    Appointment,
    Intake,
    OutboundEmail,
)
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.clients import ClientDetails


class AppointmentAddForm(forms.ModelForm):
    """A phone or walk-in booking: goes through `book_appointment`, the same rules as online."""

    client_name = forms.CharField(max_length=120)
    client_email = forms.EmailField()
    client_phone = forms.CharField(max_length=30)
    start_at = forms.SplitDateTimeField(
        label="Start", widget=admin.widgets.AdminSplitDateTime, help_text="Clinic time."
    )
    any_therapist = forms.BooleanField(
        required=False, label="First available therapist", help_text="Ignores the choice above."
    )
    override_policy = forms.BooleanField(
        required=False,
        label="Override notice and horizon",
        help_text="Book sooner than the minimum notice or further ahead than the horizon.",
    )
    send_confirmation = forms.BooleanField(required=False, initial=True)
    gift_code = forms.CharField(
        required=False,
        max_length=40,
        label="Gift certificate code",
        help_text="Pays what it can of the price; the rest is due at the clinic.",
    )

    class Meta:
        model = Appointment
        fields = ["option", "therapist"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["therapist"].required = False

    def clean(self) -> dict:
        data = super().clean()
        option, start = data.get("option"), data.get("start_at")
        if self.errors or option is None or start is None:
            return data
        therapist = None if data.get("any_therapist") else data.get("therapist")
        if therapist is None and not data.get("any_therapist"):
            raise forms.ValidationError("Choose a therapist or tick “First available therapist”.")
        try:
            self.instance = book_appointment(
                option=option,
                start=timezone.make_aware(start) if timezone.is_naive(start) else start,
                therapist=therapist,
                client=ClientDetails(
                    name=data["client_name"], email=data["client_email"], phone=data["client_phone"]
                ),
                by=self.request.user if self.request else None,
                notify_client=data.get("send_confirmation", False),
                gift_code=data.get("gift_code", ""),
            )
        except BookingError as error:
            raise forms.ValidationError(error.message) from error
        return data


class IntakeInline(StackedInline):
    """Health answers: red flags and clearance first; only for staff allowed to read them."""

    therapist_path = "appointment__therapist"

    model = Intake
    can_delete = False
    extra = 0
    max_num = 0
    fields = [
        "red_flag_summary",
        "zone_summary",
        "duration",
        "habit_summary",
        "previous_injuries",
        "pressure",
        "goals",
        "consent",
        "created_at",
    ]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("booking.view_intake")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Red flags")
    def red_flag_summary(self, intake: Intake) -> str:
        if not intake.red_flags:
            return "None"
        cleared = "cleared by a doctor" if intake.cleared_by_doctor else "NOT cleared"
        return f"⚑ {', '.join(intake.red_flag_labels)} ({cleared})"

    @admin.display(description="Where it hurts")
    def zone_summary(self, intake: Intake) -> str:
        return ", ".join(intake.zone_labels)

    @admin.display(description="Daily habits")
    def habit_summary(self, intake: Intake) -> str:
        return ", ".join(intake.habit_labels) or "None given"


@admin.register(Appointment)
class AppointmentAdmin(RoleAdmin):
    therapist_path = "therapist"
    allow_revert = False  # an appointment changes only through the booking services
    list_display = ["start", "client", "therapist", "service_name", "status"]
    inlines = [IntakeInline]
    list_filter = ["status", "therapist", "option__service"]
    list_select_related = ["client", "therapist", "option__service"]
    search_fields = ["client__name", "client__email", "client__phone"]
    date_hierarchy = "start"
    ordering = ["-start"]
    actions = ["cancel_selected", "mark_completed", "mark_no_shows"]
    readonly_fields = [
        "client",
        "therapist",
        "option",
        "price",
        "gift_amount",
        "start",
        "end",
        "blocked_until",
        "status",
        "booked_by",
        "created_at",
        "cancelled_at",
        "cancel_reason",
        "reminder_sent_at",
        "aftercare_sent_at",
        "status_changed_by",
        "status_changed_at",
    ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request) -> dict:
        """The calendar's free cells link here with ?therapist=<id>&start=<YYYY-MM-DDTHH:MM>."""
        initial = super().get_changeform_initial_data(request)
        try:
            start = datetime.fromisoformat(request.GET.get("start", ""))
        except ValueError:
            return initial
        initial["start_at"] = start.replace(tzinfo=None)
        return initial

    def get_list_display(self, request):
        if request.user.has_perm("booking.view_intake"):
            return [*self.list_display, "red_flag"]
        return self.list_display

    def get_queryset(self, request):
        # Admin skips list_select_related once a queryset has any select_related: name them all.
        return super().get_queryset(request).select_related(*self.list_select_related, "intake")

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if own_therapist(request.user) is not None:
            actions.pop("cancel_selected", None)  # therapists record outcomes, not cancellations
        return actions

    @admin.display(description="Red flag")
    def red_flag(self, appointment: Appointment) -> str:
        intake = getattr(appointment, "intake", None)
        if intake is None or not intake.red_flags:
            return ""
        return "⚑ cleared" if intake.cleared_by_doctor else "⚑"

    @admin.display(description="Service", ordering="option__service__name")
    def service_name(self, appointment: Appointment) -> str:
        return f"{appointment.option.service.name}, {appointment.option.duration_minutes} min"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = AppointmentAddForm

            class RequestForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return RequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "client_name",
                "client_email",
                "client_phone",
                "option",
                "therapist",
                "any_therapist",
                "start_at",
                "override_policy",
                "send_confirmation",
                "gift_code",
            ]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change) -> None:
        """New appointments were saved by `book_appointment` while the form was checked."""
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def _outcome(self, request, queryset, service, label: str) -> None:
        done, refused = 0, []
        for appointment in queryset:
            try:
                service(appointment=appointment, by=request.user)
                done += 1
            except BookingError as error:
                refused.append(f"{appointment}: {error.message}")
        self.message_user(request, f"Marked {done} appointment(s) {label}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Mark the selected sessions completed (sends aftercare)")
    def mark_completed(self, request, queryset) -> None:
        self._outcome(request, queryset, complete_appointment, "completed")

    @admin.action(description="Mark the selected sessions no-show")
    def mark_no_shows(self, request, queryset) -> None:
        self._outcome(request, queryset, mark_no_show, "no-show")

    @admin.action(description="Cancel the selected appointments (emails the clients)")
    def cancel_selected(self, request, queryset) -> None:
        cancelled = 0
        for appointment in queryset.filter(status=Appointment.Status.BOOKED):
            cancel_appointment(
                appointment=appointment, reason="Cancelled by the clinic.", by=request.user
            )
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} appointment(s).", messages.SUCCESS)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(RoleAdmin):
    """Every email the site sends, with its delivery status: read-only, with a retry."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try the selected emails again now")
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(status=OutboundEmail.Status.SENT).update(
            status=OutboundEmail.Status.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{count} email(s) will be sent again shortly.")
