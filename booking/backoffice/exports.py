"""CSV exports for the owner's spreadsheets. Every cell goes through `csv_cell`: text typed by
the public must never run as a spreadsheet formula."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

from booking.models import Appointment, GiftCertificate

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value) -> str:
    """A value as a spreadsheet shows it as text: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(csv_cell(value) for value in row)
    return response


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def appointments_csv(appointments: Iterable[Appointment], filename: str) -> HttpResponse:
    """Appointments in clinic time; no health answers."""
    header = ["date", "start", "end", "therapist", "client", "email", "phone", "service",
              "minutes", "price", "status"]  # fmt: skip
    rows = (
        (
            f"{timezone.localtime(a.start):%Y-%m-%d}",
            f"{timezone.localtime(a.start):%H:%M}",
            f"{timezone.localtime(a.end):%H:%M}",
            a.therapist.name,
            a.client.name,
            a.client.email,
            a.client.phone,
            a.option.service.name,
            a.option.duration_minutes,
            a.price,
            a.get_status_display(),
        )  # fmt: skip
        for a in appointments
    )
    return csv_response(filename, header, rows)


def gift_certificates_csv(certificates: Iterable[GiftCertificate]) -> HttpResponse:
    header = ["code", "status", "amount", "balance", "service", "buyer_name", "buyer_email",
              "recipient_name", "recipient_email", "payment", "created_at", "paid_at",
              "delivered_at", "expires_at"]  # fmt: skip
    rows = (
        (
            c.display_code,
            c.state,
            c.amount,
            c.balance,
            c.description,
            c.buyer_name,
            c.buyer_email,
            c.recipient_name,
            c.recipient_email,
            c.payment,
            _iso(c.created_at),
            _iso(c.paid_at),
            _iso(c.delivered_at),
            _iso(c.expires_at),
        )  # fmt: skip
        for c in certificates
    )
    return csv_response("gift-certificates.csv", header, rows)
