"""Booking models, one module per aggregate."""

from booking.models.catalog import Service, ServiceOption
from booking.models.clinic import Clinic, OpeningHours
from booking.models.staff import Therapist

__all__ = ["Clinic", "OpeningHours", "Service", "ServiceOption", "Therapist"]
