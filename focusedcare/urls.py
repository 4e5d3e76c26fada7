from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from booking import admin_views
from content.sitemaps import SITEMAPS
from content.views import robots_txt
from focusedcare.health import healthz

admin.site.site_header = "Focused Care back office"
admin.site.site_title = "Focused Care"

urlpatterns = [
    path("", include("content.urls")),
    path("", include("booking.urls")),
    path(
        "admin/calendar/", admin.site.admin_view(admin_views.calendar_day), name="fc_calendar_day"
    ),
    path(
        "admin/calendar/therapist/<int:therapist_id>/",
        admin.site.admin_view(admin_views.calendar_week),
        name="fc_calendar_week",
    ),
    path(
        "admin/calendar/day-sheet/",
        admin.site.admin_view(admin_views.day_sheet),
        name="fc_day_sheet",
    ),
    path(
        "admin/appointments/<int:pk>/move/",
        admin.site.admin_view(admin_views.move_appointment),
        name="fc_move_appointment",
    ),
    path("admin/reports/", admin.site.admin_view(admin_views.dashboard), name="fc_dashboard"),
    path(
        "admin/reports/appointments.csv",
        admin.site.admin_view(admin_views.appointments_csv),
        name="fc_appointments_csv",
    ),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
