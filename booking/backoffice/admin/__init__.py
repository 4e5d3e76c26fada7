"""Admin registrations by area; Django imports this module when the admin starts."""

from booking.backoffice.admin import (  # noqa: F401 - importing registers them
    accounts,
    appointments,
    catalog,
    clients,
    clinic,
    gift_certificates,
    schedules,
)
