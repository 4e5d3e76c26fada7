"""Client records: their appointments, gift certificates and staff notes."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from booking.backoffice.roles import RoleAdmin, TabularInline, sees_gift_codes
from booking.clock import dollars
from booking.exceptions import BookingError
from booking.models import (
    AccessLog,
    Appointment,
    Client,
    GiftCertificate,
)
from booking.services.care import log_access
from booking.services.privacy import erase_client, export_client_data


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
            '<a href="{}">{}</a> ({}, {} left)',
            (
                (
                    reverse("admin:booking_giftcertificate_change", args=[c.pk]),
                    c.display_code,
                    c.state_label,
                    dollars(c.balance),
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
            f"ending {c.code[-4:]} ({c.state_label}, {dollars(c.balance)} left)"
            for c in certificates
        )

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        return [
            path("<int:pk>/export/", self.admin_site.admin_view(self.export_view),
                 name=prefix + "export"),
            path("<int:pk>/erase/", self.admin_site.admin_view(self.erase_view),
                 name=prefix + "erase"),
        ] + super().get_urls()  # fmt: skip

    def _owner_only(self, request: HttpRequest, pk: int, permission: str) -> Client:
        client = self.visible_object(request, str(pk))
        if not request.user.has_perm(permission):
            raise PermissionDenied  # the owner's: it holds every record of the client
        return client

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One client's data as a JSON download (the owner answering a request for it)."""
        client = self._owner_only(request, pk, "booking.export_client")
        data = export_client_data(client)
        log_access(user=request.user, action=AccessLog.Action.EXPORTED, obj=client)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
            content_type="application/json; charset=utf-8",
        )
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="client-{client.pk}-{day}.json"'
        return response

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Asks, then erases the client's personal data (their appointments stay, anonymous)."""
        client = self._owner_only(request, pk, "booking.erase_client")
        error, status = "", 200
        if request.method == "POST":
            try:
                erase_client(client=client, by=request.user)
            except BookingError as refused:
                error, status = refused.message, 400
            else:
                self.message_user(
                    request, "The client's personal data was erased.", messages.SUCCESS
                )
                return redirect(reverse("admin:booking_client_change", args=[client.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Erase this client's personal data",
            "client": client,
            "error": error,
            "appointments": client.appointments.count(),
        }
        return TemplateResponse(request, "admin/booking/client/erase.html", context, status=status)
