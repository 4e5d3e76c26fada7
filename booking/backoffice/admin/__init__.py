"""Admin registrations by area; Django imports this module when the admin starts."""

from django.contrib import admin

from booking.backoffice.admin import (  # noqa: F401 - importing registers them
    accounts,
    appointments,
    care,
    catalog,
    clients,
    clinic,
    gift_certificates,
    schedules,
)

admin.site.site_header = "Focused Care back office"
admin.site.site_title = "Focused Care"
