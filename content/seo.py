"""What search engines read, built from the clinic's own records: every address a page gives as
its own (canonical link, og:url, sitemap, robots.txt, schema.org JSON-LD) starts with SITE_URL,
whatever host the request came in on (an IP address, a proxy's name, www or not)."""

from urllib.parse import urlsplit

from django.conf import settings

from booking.models import Clinic, Service, Therapist
from content.models import Page

CLINIC_TYPE = "HealthAndBeautyBusiness"


def absolute(path: str) -> str:
    """The public address of a path on this site ("/services/" -> "https://www.example.com/
    services/"); an address that is already absolute (media on a CDN) is returned as it is."""
    if urlsplit(path).scheme:
        return path
    return f"{settings.SITE_URL}{path}"


def clinic_id() -> str:
    """The clinic's node in the structured data, which services and therapists point to."""
    return absolute("/#clinic")


def local_business(clinic: Clinic) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": CLINIC_TYPE,
        "@id": clinic_id(),
        "name": clinic.name,
        "description": clinic.tagline,
        "url": absolute("/"),
        "telephone": clinic.phone,
        "email": clinic.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": clinic.street_address,
            "addressLocality": clinic.locality,
            "addressRegion": clinic.region,
            "postalCode": clinic.postal_code,
            "addressCountry": clinic.country,
        },
        "hasMap": clinic.maps_url,
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": hours.schema_day,
                "opens": hours.opens.strftime("%H:%M"),
                "closes": hours.closes.strftime("%H:%M"),
            }
            for hours in clinic.opening_hours.all()
        ],
    }


def service(service: Service) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": service.name,
        "description": service.summary,
        "url": absolute(service.get_absolute_url()),
        "serviceType": "Therapeutic massage",
        "provider": {"@id": clinic_id()},
        "areaServed": "Lancaster, PA",
        "offers": [
            {
                "@type": "Offer",
                "name": f"{option.duration_minutes} minutes",
                "price": str(option.price),
                "priceCurrency": "USD",
            }
            for option in service.options.all()
        ],
    }


def article(page: Page, clinic: Clinic | None, path: str) -> dict:
    publisher = {"@type": "Organization", "name": clinic.name} if clinic else None
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.title,
        "description": page.meta_description,
        "url": absolute(path),
        "dateModified": page.updated_at.isoformat(),
        "author": publisher,
        "publisher": publisher,
    }


def person(therapist: Therapist, clinic: Clinic | None) -> dict:
    """A therapist's page as a schema.org Person: who they are, what they do, where they work."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Person",
        "@id": absolute(f"{therapist.get_absolute_url()}#person"),
        "name": therapist.name,
        "jobTitle": "Massage therapist",
        "url": absolute(therapist.get_absolute_url()),
    }
    if therapist.credentials:
        data["honorificSuffix"] = therapist.credentials
    if specialties := therapist.specialties_list:
        data["knowsAbout"] = specialties
    if therapist.photo:
        data["image"] = absolute(therapist.photo.url)
    if clinic:
        data["worksFor"] = {
            "@type": CLINIC_TYPE,
            "@id": clinic_id(),
            "name": clinic.name,
            "url": absolute("/"),
        }
    return data
