"""Every public page, for search engines."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from booking.models import Service, Therapist


class StaticPagesSitemap(Sitemap):
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


class ServiceSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Service.objects.active()


class TherapistSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Therapist.objects.active()


SITEMAPS = {"pages": StaticPagesSitemap, "services": ServiceSitemap, "therapists": TherapistSitemap}
