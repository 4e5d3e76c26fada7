"""Services with their prices, and therapists with their hours, extra shifts and time off."""

from django.contrib import admin

from booking.backoffice.roles import (
    RoleAdmin,
    TabularInline,
)
from booking.clock import dollars
from booking.models import (
    ExtraShift,
    Service,
    ServiceOption,
    Therapist,
    TimeOff,
    WorkingHours,
)


class ServiceOptionInline(TabularInline):
    model = ServiceOption
    extra = 0
    min_num = 1


@admin.register(Service)
class ServiceAdmin(RoleAdmin):
    view_on_site = True
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
        return ", ".join(
            f"{o.duration_minutes} min {dollars(o.price)}" for o in service.options.all()
        )


class WorkingHoursInline(TabularInline):
    therapist_path = "therapist"
    model = WorkingHours
    extra = 0


class ExtraShiftInline(TabularInline):
    """One-off shifts on a date, on top of the weekly hours (clinic time)."""

    therapist_path = "therapist"
    model = ExtraShift
    extra = 0
    fields = ["day", "starts", "ends", "note"]


class TimeOffInline(TabularInline):
    therapist_path = "therapist"
    model = TimeOff
    extra = 0


@admin.register(Therapist)
class TherapistAdmin(RoleAdmin):
    therapist_path = "pk"  # a therapist sees their own record only
    view_on_site = True
    list_display = ["name", "credentials", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active", "services"]
    search_fields = ["name", "bio", "specialties"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]
    inlines = [WorkingHoursInline, ExtraShiftInline, TimeOffInline]

    def get_fields(self, request, obj=None):
        """Only the owner links a login to a therapist: the link decides whose clients it sees.
        Others see the login's name, not a field (nor a link to a page they may not open)."""
        fields = super().get_fields(request, obj)
        if request.user.has_perm("auth.change_user"):
            return fields
        return [name if name != "user" else "login" for name in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "login"]

    @admin.display(description="Back-office login")
    def login(self, therapist: Therapist) -> str:
        return therapist.user.get_username() if therapist.user else "None"
