"""Client records: their appointments, gift certificates and staff notes."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html_join

from booking.backoffice.roles import RoleAdmin, TabularInline, sees_gift_codes
from booking.models import (
    Appointment,
    Client,
    GiftCertificate,
)


class ClientAppointmentInline(TabularInline):
    therapist_path = "therapist"
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
        return super().get_queryset(request).select_related("therapist", "option__service")


@admin.register(Client)
class ClientAdmin(RoleAdmin):
    """Client records: their appointments (each with its intake, for those allowed to read it),
    their gift certificates, and staff notes."""

    therapist_path = "appointments__therapist"
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]
    ordering = ["name"]
    fields = ["name", "email", "phone", "notes", "gift_certificates", "created_at"]
    readonly_fields = ["gift_certificates", "created_at"]
    inlines = [ClientAppointmentInline]

    def get_fields(self, request, obj=None):
        """Whole gift codes only for staff who handle certificates (not therapists)."""
        if sees_gift_codes(request.user):
            return self.fields
        return [name if name != "gift_certificates" else "gift_certificate_ends"
                for name in self.fields]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "gift_certificate_ends"]

    @staticmethod
    def _certificates(client: Client) -> list[GiftCertificate]:
        if not client.email:
            return []
        return list(
            GiftCertificate.objects.filter(
                Q(buyer_email__iexact=client.email) | Q(recipient_email__iexact=client.email)
            )
        )

    @admin.display(description="Gift certificates")
    def gift_certificates(self, client: Client) -> str:
        certificates = self._certificates(client)
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

    @admin.display(description="Gift certificates")
    def gift_certificate_ends(self, client: Client) -> str:
        certificates = self._certificates(client)
        if not certificates:
            return "None"
        return ", ".join(
            f"ending {c.code[-4:]} ({c.state_label}, ${c.balance} left)" for c in certificates
        )
