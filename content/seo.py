"""Structured data (schema.org JSON-LD) for search engines, built from the clinic's own records."""

from django.http import HttpRequest

from booking.models import Clinic, Service
from content.models import Page


def local_business(clinic: Clinic, request: HttpRequest) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "@id": request.build_absolute_uri("/#clinic"),
        "name": clinic.name,
        "description": clinic.tagline,
        "url": request.build_absolute_uri("/"),
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


def service(service: Service, request: HttpRequest) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": service.name,
        "description": service.summary,
        "url": request.build_absolute_uri(service.get_absolute_url()),
        "serviceType": "Therapeutic massage",
        "provider": {"@id": request.build_absolute_uri("/#clinic")},
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


def article(page: Page, clinic: Clinic | None, request: HttpRequest) -> dict:
    publisher = {"@type": "Organization", "name": clinic.name} if clinic else None
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.title,
        "description": page.meta_description,
        "url": request.build_absolute_uri(request.path),
        "dateModified": page.updated_at.isoformat(),
        "author": publisher,
        "publisher": publisher,
    }
