"""Extra shifts, time off and clinic closures."""

from django.contrib import admin

from booking.backoffice.roles import (
    RoleAdmin,
)
from booking.models import (
    ClinicClosure,
    ExtraShift,
    TimeOff,
)


@admin.register(ExtraShift)
class ExtraShiftAdmin(RoleAdmin):
    """A one-off shift on a date (covering, a late evening): availability, the calendar and
    the reports count it like weekly hours. A clinic closure that day still wins."""

    therapist_path = "therapist"
    list_display = ["therapist", "day", "starts", "ends", "note"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "day"


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
