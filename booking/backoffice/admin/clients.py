"""Client records: their appointments, gift certificates and staff notes."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html_join

from booking.backoffice.roles import (
    RoleAdmin,
    TabularInline,
)
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
