"""Every public page, for search engines."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from booking.models import Service, Therapist


class SiteSitemap(Sitemap):
    """Addresses from SITE_URL, as every canonical address is (content.seo), rather than from
    the Sites framework or the host the sitemap was requested on."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        # Everything after the scheme, joined to each path as content.seo.absolute joins them.
        return settings.SITE_URL.split("://", 1)[1]


class StaticPagesSitemap(SiteSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return [
            "content:home",
            "content:guide",
            "content:find_my_massage",
            "content:service_list",
            "content:therapist_list",
            "content:about",
            "booking:book",
            "booking:gift_certificates",
        ]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return {"content:home": 1.0, "content:guide": 0.9}.get(item, 0.6)


class ServiceSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Service.objects.active()


class TherapistSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Therapist.objects.active()


SITEMAPS = {"pages": StaticPagesSitemap, "services": ServiceSitemap, "therapists": TherapistSitemap}
