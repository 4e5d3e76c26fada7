"""The owner's back office for the clinic, its services and its therapists."""

from django.contrib import admin

from booking.models import Clinic, OpeningHours, Service, ServiceOption, Therapist


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
