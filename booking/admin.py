"""The owner's back office for the clinic, its services and its therapists."""

import csv
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from booking.exceptions import BookingError
from booking.forms import GiftReasonForm
from booking.models import (
    Appointment,
    BookingPolicy,
    Client,
    Clinic,
    ClinicClosure,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    Intake,
    OpeningHours,
    OutboundEmail,
    Service,
    ServiceOption,
    Therapist,
    TimeOff,
    WorkingHours,
)
from booking.models.gift_certificates import is_well_formed, normalize_code
from booking.roles import limit_to_own, own_therapist
from booking.selectors import gift_liability, gift_sales_by_month
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.clients import ClientDetails
from booking.services.gift_certificates import (
    adjust_gift_certificate,
    mark_gift_certificate_paid,
    redeem_gift_certificate,
    resend_gift_certificate,
    void_gift_certificate,
)


class OwnClientsOnly:
    """For a therapist's login, only rows of their own clients, wherever the admin lists,
    searches or opens them; another therapist's row by its URL is 403, not a redirect."""

    therapist_path = "therapist"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return limit_to_own(request.user, queryset, self.therapist_path)

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # 403 for another therapist's row
        return super().history_view(request, object_id, extra_context=extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and own_therapist(request.user) is not None:
            model = self.model._default_manager
            if object_id.isdigit() and model.filter(pk=object_id).exists():
                raise PermissionDenied
        return obj


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email", "locality"]
    inlines = [OpeningHoursInline]

    def has_add_permission(self, request) -> bool:
        """One clinic per installation: it is created by a migration and only edited here."""
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceOptionInline(admin.TabularInline):
    model = ServiceOption
    extra = 0
    min_num = 1


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
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
class TherapistAdmin(SimpleHistoryAdmin):
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
class TimeOffAdmin(OwnClientsOnly, SimpleHistoryAdmin):
    list_display = ["therapist", "starts_at", "ends_at", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "starts_at"


@admin.register(ClinicClosure)
class ClinicClosureAdmin(SimpleHistoryAdmin):
    list_display = ["name", "first_day", "last_day"]
    date_hierarchy = "first_day"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(SimpleHistoryAdmin):
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
        return super().has_add_permission(request) and not BookingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ClientAppointmentInline(admin.TabularInline):
    model = Appointment
    fk_name = "client"
    fields = ["start", "therapist", "option", "status", "price"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("therapist", "option__service")
        return limit_to_own(request.user, queryset, "therapist")


@admin.register(Client)
class ClientAdmin(OwnClientsOnly, admin.ModelAdmin):
    """Client records: their appointments (each with its intake, for those allowed to read it),
    their gift certificates, and staff notes."""

    therapist_path = "appointments__therapist"
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]
    ordering = ["name"]
    fields = ["name", "email", "phone", "notes", "gift_certificates", "created_at"]
    readonly_fields = ["gift_certificates", "created_at"]
    inlines = [ClientAppointmentInline]

    @admin.display(description="Gift certificates")
    def gift_certificates(self, client: Client) -> str:
        certificates = GiftCertificate.objects.filter(
            Q(buyer_email__iexact=client.email) | Q(recipient_email__iexact=client.email)
        )
        if not certificates:
            return "None"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({}, ${} left)',
            (
                (
                    reverse("admin:booking_giftcertificate_change", args=[c.pk]),
                    c.display_code,
                    c.state_label,
                    c.balance,
                )
                for c in certificates
            ),
        )


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
                booked_by=self.request.user if self.request else None,
                enforce_policy=not data.get("override_policy"),
                notify_client=data.get("send_confirmation", False),
                gift_code=data.get("gift_code", ""),
            )
        except BookingError as error:
            raise forms.ValidationError(error.message) from error
        return data


class IntakeInline(admin.StackedInline):
    """Health answers: red flags and clearance first; only for staff allowed to read them."""

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
class AppointmentAdmin(OwnClientsOnly, SimpleHistoryAdmin):
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


# Gift certificates ------------------------------------------------------------------------------


@admin.register(GiftSettings)
class GiftSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "preset_amounts", "min_amount", "max_amount", "expiry_years"]

    def has_add_permission(self, request) -> bool:
        return not GiftSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GiftLedgerInline(admin.TabularInline):
    """Read-only: entries are written only by the gift certificate services."""

    model = GiftLedgerEntry
    fields = ["created_at", "kind", "amount", "balance_after", "appointment", "reason", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "appointment__option__service")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class GiftRedeemForm(forms.Form):
    amount = forms.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(
        label="Note", max_length=500, required=False, help_text="For example: walk-in, 60 min."
    )


def _csv_cell(value) -> str:
    """Text typed by the public, made safe to open in a spreadsheet (no formulas)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(GiftCertificate)
class GiftCertificateAdmin(SimpleHistoryAdmin):
    list_display = [
        "display_code",
        "state",
        "amount",
        "balance",
        "buyer",
        "recipient",
        "payment",
        "created_at",
    ]
    list_filter = ["status", "payment", "created_at"]
    search_fields = ["code", "buyer_email", "recipient_email", "buyer_name", "recipient_name"]
    date_hierarchy = "created_at"
    actions = ["mark_paid", "resend", "export_csv"]
    inlines = [GiftLedgerInline]
    fieldsets = [
        (None, {"fields": ["display_code", "state", "amount", "balance", "description"]}),
        ("From and to", {"fields": ["buyer_name", "buyer_email", "recipient_name",
                                    "recipient_email", "message", "deliver_on"]}),
        ("Payment and delivery", {"fields": ["payment", "paid_at", "stripe_session_id",
                                             "delivered_at", "expires_at", "void_reason",
                                             "created_at", "printable"]}),
    ]  # fmt: skip
    readonly_fields = [
        "display_code",
        "state",
        "amount",
        "balance",
        "description",
        "payment",
        "paid_at",
        "stripe_session_id",
        "delivered_at",
        "expires_at",
        "void_reason",
        "created_at",
        "printable",
    ]

    def has_add_permission(self, request) -> bool:
        """Certificates are sold through the public form (pay at the clinic), then marked paid."""
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the ledger keeps every certificate; void instead

    @admin.display(description="Code", ordering="code")
    def display_code(self, certificate: GiftCertificate) -> str:
        return certificate.display_code

    @admin.display(description="Status", ordering="status")
    def state(self, certificate: GiftCertificate) -> str:
        return certificate.state_label

    @admin.display(description="Buyer", ordering="buyer_name")
    def buyer(self, certificate: GiftCertificate) -> str:
        return f"{certificate.buyer_name} <{certificate.buyer_email}>"

    @admin.display(description="Recipient", ordering="recipient_name")
    def recipient(self, certificate: GiftCertificate) -> str:
        if certificate.for_buyer_to_print:
            return f"{certificate.recipient_name or 'Buyer'} (printed by the buyer)"
        return f"{certificate.recipient_name} <{certificate.recipient_email}>"

    @admin.display(description="Printable certificate")
    def printable(self, certificate: GiftCertificate) -> str:
        if certificate.status != GiftCertificate.Status.ACTIVE:
            return "Once paid"
        return format_html('<a href="{}">Open</a>', certificate.get_absolute_url())

    def get_search_results(self, request, queryset, search_term):
        """A code is found however it was typed: spaces, dashes, any case, O for 0."""
        results, distinct = super().get_search_results(request, queryset, search_term)
        code = normalize_code(search_term)
        if is_well_formed(code):
            results = results | queryset.filter(code=code)
        return results, distinct

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "gift_liability": gift_liability(),
            "gift_sales": gift_sales_by_month(),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        views = [
            path(f"<int:pk>/{name}/", self.admin_site.admin_view(view), name=prefix + name)
            for name, view in (
                ("void", self.void_view),
                ("adjust", self.adjust_view),
                ("redeem", self.redeem_view),
            )
        ]
        return views + super().get_urls()

    def _gift_form(
        self, request, pk: int, title: str, form_class, apply, fields=(), permission=None
    ):
        certificate = get_object_or_404(GiftCertificate, pk=pk)
        if not self.has_change_permission(request, certificate):
            raise PermissionDenied
        if permission and not request.user.has_perm(permission):
            raise PermissionDenied  # voids and adjustments are the owner's
        form = form_class(request.POST or None)
        for name in [n for n in list(form.fields) if fields and n not in fields]:
            del form.fields[name]
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    message = apply(certificate, form.cleaned_data)
                except BookingError as error:
                    form.add_error(None, error.message)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return redirect(
                        reverse("admin:booking_giftcertificate_change", args=[certificate.pk])
                    )
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "certificate": certificate,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/booking/giftcertificate/gift_form.html", context, status=status
        )

    def void_view(self, request, pk: int):
        def apply(certificate, data) -> str:
            void_gift_certificate(certificate=certificate, reason=data["reason"], by=request.user)
            return f"{certificate.display_code} is void."

        return self._gift_form(
            request,
            pk,
            "Void",
            GiftReasonForm,
            apply,
            fields=["reason"],
            permission="booking.adjust_giftcertificate",
        )

    def adjust_view(self, request, pk: int):
        def apply(certificate, data) -> str:
            if data.get("amount") is None:
                raise BookingError("Please enter the amount to add or take off.")
            entry = adjust_gift_certificate(
                certificate=certificate,
                amount=data["amount"],
                reason=data["reason"],
                by=request.user,
            )
            return f"{certificate.display_code}: {entry.amount:+} (balance ${entry.balance_after})."

        return self._gift_form(
            request,
            pk,
            "Adjust the balance",
            GiftReasonForm,
            apply,
            permission="booking.adjust_giftcertificate",
        )

    def redeem_view(self, request, pk: int):
        """A walk-in pays with the certificate at the desk."""

        def apply(certificate, data) -> str:
            entry = redeem_gift_certificate(
                code=certificate.code,
                amount=data["amount"],
                reason=data["reason"] or "Redeemed at the clinic",
                by=request.user,
            )
            left = entry.balance_after
            return f"Took ${-entry.amount} from {certificate.display_code}; ${left} left."

        return self._gift_form(request, pk, "Redeem at the desk", GiftRedeemForm, apply)

    def _each(self, request, queryset, service, done_label: str) -> None:
        done, refused = 0, []
        for certificate in queryset:
            try:
                service(certificate)
                done += 1
            except BookingError as error:
                refused.append(f"{certificate.display_code}: {error.message}")
        self.message_user(request, f"{done} certificate(s) {done_label}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Mark the selected certificates paid (issues and sends them)")
    def mark_paid(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda c: mark_gift_certificate_paid(certificate=c, by=request.user),
            "marked paid",
        )

    @admin.action(description="Send the selected certificates again")
    def resend(self, request, queryset) -> None:
        self._each(
            request, queryset, lambda c: resend_gift_certificate(certificate=c), "queued to send"
        )

    @admin.action(description="Export the selected certificates (CSV)")
    def export_csv(self, request, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="gift-certificates.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["code", "status", "amount", "balance", "service", "buyer_name", "buyer_email",
             "recipient_name", "recipient_email", "payment", "created_at", "paid_at",
             "delivered_at", "expires_at"]
        )  # fmt: skip
        for c in queryset.order_by("created_at"):
            writer.writerow(
                _csv_cell(value)
                for value in (
                    c.display_code, c.state, c.amount, c.balance, c.description, c.buyer_name,
                    c.buyer_email, c.recipient_name, c.recipient_email, c.payment,
                    c.created_at.isoformat(), c.paid_at and c.paid_at.isoformat(),
                    c.delivered_at and c.delivered_at.isoformat(),
                    c.expires_at and c.expires_at.isoformat(),
                )
            )  # fmt: skip
        return response


@admin.register(GiftLedgerEntry)
class GiftLedgerEntryAdmin(admin.ModelAdmin):
    """Every change of every balance: read-only, searchable by code and email."""

    list_display = ["created_at", "certificate", "kind", "amount", "balance_after", "reason", "by"]
    list_filter = ["kind"]
    list_select_related = ["certificate", "by"]
    search_fields = ["certificate__code", "certificate__buyer_email", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
