"""Gift certificates: sales, liability, desk redemption, voids and adjustments, the ledger."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from booking.backoffice.exports import gift_certificates_csv
from booking.backoffice.roles import (
    RoleAdmin,
    TabularInline,
    limit_to_own,
)
from booking.clock import clinic_time, dollars
from booking.exceptions import BookingError
from booking.forms import GiftReasonForm
from booking.models import (
    Appointment,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
)
from booking.models.gift_certificates import is_well_formed, normalize_code
from booking.selectors import (
    DESK_PAYMENT_DAYS,
    bookings_to_pay,
    gift_liability,
    gift_sales_by_month,
)
from booking.services.gift_certificates.ledger import (
    adjust_gift_certificate,
    redeem_gift_certificate,
    void_gift_certificate,
)
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    resend_gift_certificate,
)


@admin.register(GiftSettings)
class GiftSettingsAdmin(RoleAdmin):
    list_display = ["__str__", "preset_amounts", "min_amount", "max_amount", "expiry_years"]

    def has_add_permission(self, request) -> bool:
        """One row, created once, by whoever may add it (the owner)."""
        return super().has_add_permission(request) and not GiftSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GiftLedgerInline(TabularInline):
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


class BookingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Appointment) -> str:
        return (
            f"{clinic_time(obj.start)}: {obj.client.name}, {obj.option.service.name} "
            f"{obj.option.duration_minutes} min with {obj.therapist} "
            f"({dollars(obj.due_at_clinic)} to pay)"
        )


class GiftRedeemForm(forms.Form):
    amount = forms.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    appointment = BookingChoice(
        queryset=Appointment.objects.none(),
        required=False,
        label="For a booking",
        empty_label="None: a walk-in or something else",
        help_text=f"Bookings from {DESK_PAYMENT_DAYS} days ago to {DESK_PAYMENT_DAYS} days ahead "
        "with something left to pay. The booking then shows what the certificate paid, and "
        "cancelling it gives the amount back to the certificate.",
        error_messages={
            "invalid_choice": "That booking is not one you can pay for here: choose one listed."
        },
    )
    reason = forms.CharField(
        label="Note", max_length=500, required=False, help_text="For example: walk-in, 60 min."
    )

    def __init__(self, *args, bookings: QuerySet[Appointment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = bookings


@admin.register(GiftCertificate)
class GiftCertificateAdmin(RoleAdmin):
    allow_revert = False  # a balance changes only through the ledger services
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
        self,
        request,
        pk: int,
        title: str,
        form_class,
        apply,
        fields=(),
        permission=None,
        form_kwargs=None,
    ):
        certificate = self.visible_object(request, str(pk))
        if not self.has_change_permission(request, certificate):
            raise PermissionDenied
        if permission and not request.user.has_perm(permission):
            raise PermissionDenied  # voids and adjustments are the owner's
        form = form_class(request.POST or None, **(form_kwargs or {}))
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
            balance = dollars(entry.balance_after)
            return f"{certificate.display_code}: {entry.amount:+} (balance {balance})."

        return self._gift_form(
            request,
            pk,
            "Adjust the balance",
            GiftReasonForm,
            apply,
            permission="booking.adjust_giftcertificate",
        )

    def redeem_view(self, request, pk: int):
        """A client pays with the certificate at the desk: for a walk-in, or towards a booking
        (the booking's `gift_amount` grows, and cancelling it credits the certificate back).
        The bookings offered are those this login may see (the role helper)."""

        def apply(certificate, data) -> str:
            booking = data.get("appointment")
            entry = redeem_gift_certificate(
                code=certificate.code,
                amount=data["amount"],
                appointment=booking,
                reason=data["reason"] or "Redeemed at the clinic",
                by=request.user,
            )
            left = entry.balance_after
            took = dollars(-entry.amount)
            towards = f" towards {booking}" if booking else ""
            return f"Took {took} from {certificate.display_code}{towards}; {dollars(left)} left."

        bookings = limit_to_own(request.user, bookings_to_pay(timezone.localdate()), "therapist")
        initial = {"appointment": request.GET.get("appointment")}
        return self._gift_form(
            request,
            pk,
            "Redeem at the desk",
            GiftRedeemForm,
            apply,
            form_kwargs={"bookings": bookings, "initial": initial},
        )

    @admin.action(description="Mark the selected certificates paid (issues and sends them)")
    def mark_paid(self, request, queryset) -> None:
        self.apply_each(
            request,
            queryset,
            lambda c: mark_gift_certificate_paid(certificate=c, by=request.user),
            "certificate(s) marked paid",
            name=lambda c: c.display_code,
        )

    @admin.action(description="Send the selected certificates again")
    def resend(self, request, queryset) -> None:
        self.apply_each(
            request,
            queryset,
            lambda c: resend_gift_certificate(certificate=c),
            "certificate(s) queued to send",
            name=lambda c: c.display_code,
        )

    @admin.action(description="Export the selected certificates (CSV)")
    def export_csv(self, request, queryset) -> HttpResponse:
        return gift_certificates_csv(queryset.order_by("created_at"))


@admin.register(GiftLedgerEntry)
class GiftLedgerEntryAdmin(RoleAdmin):
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
