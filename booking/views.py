"""Public booking pages. Online booking and gift certificates arrive in their own issues; until
then these pages keep the contract URLs alive and send clients to the phone."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from booking.models import Service, Therapist


@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """Shows what the client chose so far (from ?service= and ?therapist=) and how to book it."""
    service = Service.objects.active().filter(slug=request.GET.get("service", "")).first()
    therapist = Therapist.objects.active().filter(slug=request.GET.get("therapist", "")).first()
    return render(request, "booking/book.html", {"service": service, "therapist": therapist})


@require_GET
def gift_certificates(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/gift_certificates.html")
