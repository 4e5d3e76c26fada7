"""The owner's back office for the clinic, its services and its therapists."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import (
    Appointment,
    BookingPolicy,
    Client,
    Clinic,
    ClinicClosure,
    OpeningHours,
    OutboundEmail,
    Service,
    ServiceOption,
    Therapist,
    TimeOff,
    WorkingHours,
)
from booking.services.appointments import book_appointment, cancel_appointment
from booking.services.clients import ClientDetails


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email", "locality"]
    inlines = [OpeningHoursInline]

    def has_add_permission(self, request) -> bool:
        """One clinic per installation: it is created by a migration and only edited here."""
        return not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceOptionInline(admin.TabularInline):
    model = ServiceOption
    extra = 0
    min_num = 1


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "order", "option_summary"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["name", "summary", "helps_with"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceOptionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "is_active", "order"]}),
        ("Page", {"fields": ["description", "helps_with", "guide_advice", "guide_anchor"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="Options")
    def option_summary(self, service: Service) -> str:
        return ", ".join(f"{o.duration_minutes} min ${o.price}" for o in service.options.all())


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active", "services"]
    search_fields = ["name", "bio", "specialties"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


TherapistAdmin.inlines = [WorkingHoursInline, TimeOffInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "starts_at", "ends_at", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "starts_at"


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["name", "first_day", "last_day"]
    date_hierarchy = "first_day"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "min_notice_hours",
        "horizon_days",
        "step_minutes",
        "buffer_minutes",
        "change_window_hours",
        "reminder_hours",
    ]

    def has_add_permission(self, request) -> bool:
        return not BookingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]
    ordering = ["name"]


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
                booked_by=self.request.user if self.request else None,
                enforce_policy=not data.get("override_policy"),
                notify_client=data.get("send_confirmation", False),
            )
        except BookingError as error:
            raise forms.ValidationError(error.message) from error
        return data


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "client", "therapist", "service_name", "status"]
    list_filter = ["status", "therapist", "option__service"]
    list_select_related = ["client", "therapist", "option__service"]
    search_fields = ["client__name", "client__email", "client__phone"]
    date_hierarchy = "start"
    ordering = ["-start"]
    actions = ["cancel_selected"]
    readonly_fields = [
        "client",
        "therapist",
        "option",
        "price",
        "start",
        "end",
        "blocked_until",
        "status",
        "booked_by",
        "created_at",
        "cancelled_at",
        "cancel_reason",
        "reminder_sent_at",
    ]

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

    @admin.action(description="Cancel the selected appointments (emails the clients)")
    def cancel_selected(self, request, queryset) -> None:
        cancelled = 0
        for appointment in queryset.filter(status=Appointment.Status.BOOKED):
            cancel_appointment(
                appointment=appointment, reason="Cancelled by the clinic.", by_staff=True
            )
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} appointment(s).", messages.SUCCESS)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
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
