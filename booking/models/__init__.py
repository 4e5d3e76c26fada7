"""Booking models, one module per aggregate."""

from booking.models.appointments import Appointment
from booking.models.care import AccessLog, SessionAddendum, SessionRecord, TreatmentPlan
from booking.models.catalog import Service, ServiceOption
from booking.models.clients import Client
from booking.models.clinic import Clinic, OpeningHours
from booking.models.gift_certificates import (
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    ProcessedStripeEvent,
)
from booking.models.intake import Habit, Intake, PainDuration, Zone
from booking.models.outbox import OutboundEmail
from booking.models.policy import BookingPolicy
from booking.models.schedules import ClinicClosure, ExtraShift, TimeOff, WorkingHours
from booking.models.staff import Therapist

__all__ = [
    "AccessLog",
    "Appointment",
    "BookingPolicy",
    "Client",
    "Clinic",
    "ClinicClosure",
    "ExtraShift",
    "GiftCertificate",
    "GiftLedgerEntry",
    "GiftSettings",
    "Habit",
    "Intake",
    "OpeningHours",
    "OutboundEmail",
    "PainDuration",
    "ProcessedStripeEvent",
    "Service",
    "ServiceOption",
    "SessionAddendum",
    "SessionRecord",
    "Therapist",
    "TimeOff",
    "TreatmentPlan",
    "WorkingHours",
    "Zone",
]
