from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from content.sitemaps import SITEMAPS
from content.views import robots_txt
from focusedcare.health import healthz

urlpatterns = [
    path("", include("content.urls")),
    path("", include("booking.urls")),
    path(settings.ADMIN_URL, include("booking.backoffice.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]

# The 400 and 500 pages read nothing of the request (Django's own read the form again).
handler400 = "focusedcare.errors.bad_request"
handler500 = "focusedcare.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
