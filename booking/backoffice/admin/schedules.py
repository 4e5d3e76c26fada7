"""Time off and clinic closures."""

from django.contrib import admin

from booking.backoffice.roles import (
    RoleAdmin,
)
from booking.models import (
    ClinicClosure,
    TimeOff,
)


@admin.register(TimeOff)
class TimeOffAdmin(RoleAdmin):
    therapist_path = "therapist"
    list_display = ["therapist", "starts_at", "ends_at", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "starts_at"


@admin.register(ClinicClosure)
class ClinicClosureAdmin(RoleAdmin):
    list_display = ["name", "first_day", "last_day"]
    date_hierarchy = "first_day"
