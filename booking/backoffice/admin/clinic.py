"""The clinic's details and opening hours, and the booking policy: one row each."""

from django.contrib import admin

from booking.backoffice.roles import (
    RoleAdmin,
    TabularInline,
)
from booking.models import (
    BookingPolicy,
    Clinic,
    OpeningHours,
)


class OpeningHoursInline(TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(RoleAdmin):
    list_display = ["name", "phone", "email", "locality"]
    inlines = [OpeningHoursInline]

    def has_add_permission(self, request) -> bool:
        """One clinic per installation: it is created by a migration and only edited here."""
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookingPolicy)
class BookingPolicyAdmin(RoleAdmin):
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
