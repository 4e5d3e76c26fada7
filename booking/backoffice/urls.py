"""The back office's own pages, under /admin/ beside the model screens (included once, before
the admin site's urls, so the safe "view on site" shortcut replaces Django's)."""

from django.contrib import admin
from django.urls import path

from booking.backoffice import views

app_name = "backoffice"


def staff(view):
    """Login and staff status first (the admin's own check), then the view's permission."""
    return admin.site.admin_view(view)


urlpatterns = [
    path("calendar/", staff(views.calendar_day), name="calendar_day"),
    path(
        "calendar/therapist/<int:therapist_id>/",
        staff(views.calendar_week),
        name="calendar_week",
    ),
    path("calendar/day-sheet/", staff(views.day_sheet), name="day_sheet"),
    path("appointments/book/", staff(views.phone_booking), name="phone_booking"),
    path("appointments/<int:pk>/move/", staff(views.move_appointment), name="move_appointment"),
    path("appointments/<int:pk>/cancel/", staff(views.cancel_by_clinic), name="cancel_appointment"),
    path(
        "appointments/<int:pk>/<slug:outcome>/",
        staff(views.record_outcome),
        name="record_outcome",
    ),
    path("reports/", staff(views.dashboard), name="dashboard"),
    path("reports/appointments.csv", staff(views.appointments_csv), name="appointments_csv"),
    path(
        "r/<int:content_type_id>/<path:object_id>/",
        staff(views.view_on_site),
        name="view_on_site",
    ),
]
