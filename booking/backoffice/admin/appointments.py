"""Appointments: the staff's page for one booking, the list with its outcomes, and the outbox."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import (
    RoleAdmin,
    StackedInline,
)
from booking.backoffice.views import not_credited_back_message
from booking.clock import dollars
from booking.models import (
    AccessLog,
    Appointment,
    Intake,
    OutboundEmail,
)
from booking.selectors import gift_taken_by
from booking.selectors_care import without_session_record
from booking.services.appointments import (
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.care import log_access


class IntakeInline(StackedInline):
    """Health answers: red flags and clearance first; only for staff allowed to read them."""

    therapist_path = "appointment__therapist"

    model = Intake
    can_delete = False
    extra = 0
    max_num = 0
    fields = [
        "red_flag_summary",
        "kind",
        "pain",
        "activity_summary",
        "zone_summary",
        "duration_summary",
        "habit_summary",
        "previous_injuries",
        "pressure",
        "goals",
        "consent_summary",
        "reconfirmation_summary",
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

    @admin.display(description="Activities (0 cannot, 10 as before the pain)")
    def activity_summary(self, intake: Intake) -> str:
        return ", ".join(f"{a['name']}: {a['score']}" for a in intake.activities) or "None given"

    @admin.display(description="Where it hurts")
    def zone_summary(self, intake: Intake) -> str:
        return ", ".join(intake.zone_labels)

    @admin.display(description="How long it has hurt")
    def duration_summary(self, intake: Intake) -> str:
        return intake.duration_label

    @admin.display(description="Consent")
    def consent_summary(self, intake: Intake) -> str:
        return intake.consent_label

    @admin.display(description="Consent signed again with today's scores")
    def reconfirmation_summary(self, intake: Intake) -> str:
        return intake.reconfirmation_label

    @admin.display(description="Daily habits")
    def habit_summary(self, intake: Intake) -> str:
        return ", ".join(intake.habit_labels) or "None given"


class SessionRecordFilter(admin.SimpleListFilter):
    """The care loop's worklist: sessions that took place without their session record,
    still to write (before it locks) or never written. For those who read records."""

    title = "session record"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        return [("to_write", "To write (before it locks)"), ("not_written", "Never written")]

    def queryset(self, request, queryset):
        if self.value() not in ("to_write", "not_written"):
            return queryset
        locked = self.value() == "not_written"
        return without_session_record(queryset, timezone.now(), locked=locked)


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
    fieldsets = [
        ("Session", {"fields": ["client", "therapist", "option", "start", "end", "status"]}),
        ("Payment", {"fields": ["price", "gift_amount", "due_at_clinic"]}),
        ("Record", {"fields": ["booked_by", "created_at", "status_changed_by",
                               "status_changed_at", "cancelled_at", "cancel_reason",
                               "reminder_sent_at", "aftercare_sent_at"]}),
    ]  # fmt: skip
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def get_list_filter(self, request):
        """The session-record worklist only for those who may read records (not the desk)."""
        filters = super().get_list_filter(request)
        if request.user.has_perm("booking.view_sessionrecord"):
            filters = [*filters, SessionRecordFilter]
        return filters

    def has_change_permission(self, request, obj=None) -> bool:
        """Nothing on the page is edited as a form: an appointment changes through the buttons
        (completed, no-show, move, cancel), which call the booking services."""
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: the history, emails and gift credit follow

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("booking.change_appointment")

    def has_record_outcome_appointment_permission(self, request) -> bool:
        return request.user.has_perm("booking.record_outcome_appointment")

    def add_view(self, request, form_url="", extra_context=None):
        """Bookmarks of the old add page lead to the phone-booking page, query string kept."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        target = reverse("backoffice:phone_booking")
        if request.META.get("QUERY_STRING"):
            target += f"?{request.META['QUERY_STRING']}"
        return HttpResponseRedirect(target, status=307 if request.method == "POST" else 302)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appointment = self.visible_object(request, object_id)
        can = request.user.has_perm
        may_record = appointment.has_started() and can("booking.record_outcome_appointment")
        extra_context = {
            **(extra_context or {}),
            "title": f"{appointment.client.name}: {appointment}",
            "can_record_outcome": appointment.is_active and may_record,
            "can_move": appointment.is_active and can("booking.change_appointment"),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_close": True,
            "session_record": getattr(appointment, "session_record", None),
            "treatment_plan": getattr(appointment, "treatment_plan", None),
        }
        if request.method == "GET" and self.get_inline_instances(request, appointment):
            log_access(user=request.user, action=AccessLog.Action.INTAKE_READ, obj=appointment)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Due at the clinic")
    def due_at_clinic(self, appointment: Appointment) -> str:
        return dollars(appointment.due_at_clinic)

    def get_inlines(self, request, obj):
        """The intake, when this booking has one (online bookings; phone ones may not)."""
        return self.inlines if obj is not None and hasattr(obj, "intake") else []

    def get_list_display(self, request):
        if request.user.has_perm("booking.view_intake"):
            return [*self.list_display, "red_flag"]
        return self.list_display

    def get_queryset(self, request):
        # Admin skips list_select_related once a queryset has any select_related: name them all.
        return super().get_queryset(request).select_related(*self.list_select_related, "intake")

    @admin.display(description="Red flag")
    def red_flag(self, appointment: Appointment) -> str:
        intake = getattr(appointment, "intake", None)
        if intake is None or not intake.red_flags:
            return ""
        return "⚑ cleared" if intake.cleared_by_doctor else "⚑"

    @admin.display(description="Service", ordering="option__service__name")
    def service_name(self, appointment: Appointment) -> str:
        return f"{appointment.option.service.name}, {appointment.option.duration_minutes} min"

    @admin.action(
        description="Mark the selected sessions completed (sends aftercare)",
        permissions=["record_outcome_appointment"],
    )
    def mark_completed(self, request, queryset) -> None:
        self.apply_each(
            request,
            queryset,
            lambda a: complete_appointment(appointment=a, by=request.user),
            "appointment(s) marked completed",
        )

    @admin.action(
        description="Mark the selected sessions no-show", permissions=["record_outcome_appointment"]
    )
    def mark_no_shows(self, request, queryset) -> None:
        self.apply_each(
            request,
            queryset,
            lambda a: mark_no_show(appointment=a, by=request.user),
            "appointment(s) marked no-show",
        )

    @admin.action(
        description="Cancel the selected appointments (emails the clients)",
        permissions=["cancel"],
    )
    def cancel_selected(self, request, queryset) -> None:
        cancelled, kept = 0, []
        for appointment in queryset.filter(status=Appointment.Status.BOOKED):
            cancel_appointment(
                appointment=appointment, reason="Cancelled by the clinic.", by=request.user
            )
            cancelled += 1
            if appointment.gift_amount:  # once cancelled: what could not go back
                kept += gift_taken_by(appointment)
        self.message_user(request, f"Cancelled {cancelled} appointment(s).", messages.SUCCESS)
        if kept:
            self.message_user(request, not_credited_back_message(kept), messages.WARNING)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(RoleAdmin):
    """Every email the site sends, with its delivery status: read-only, with a retry."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    # Not the bodies: they carry the client's private booking link and gift codes.
    fields = ["created_at", "kind", "to", "subject", "status", "attempts", "next_attempt_at",
              "sent_at", "last_error", "appointment"]  # fmt: skip
    readonly_fields = fields
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try the selected emails again now", permissions=["view"])
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(status=OutboundEmail.Status.SENT).update(
            status=OutboundEmail.Status.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{count} email(s) will be sent again shortly.")
