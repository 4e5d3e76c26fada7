"""Moments and days as people give and read them: in the clinic's time zone, never a bare aware
datetime's `str()`, and dates from an address only within a range where date arithmetic holds."""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

# What people call the zone; the tz database name only where none is in common use.
ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Indiana/Indianapolis": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Boise": "Mountain Time",
    "America/Phoenix": "Mountain Time (Arizona)",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
    "America/Toronto": "Eastern Time",
    "America/Vancouver": "Pacific Time",
    "Europe/London": "UK time",
}


def zone_name() -> str:
    """The clinic's zone as a client reads it: "Eastern Time"."""
    return ZONE_NAMES.get(settings.TIME_ZONE, settings.TIME_ZONE.replace("_", " "))


def clinic_time(moment: datetime, *, with_date: bool = True) -> str:
    """ "Tue Mar 10, 2026 10:00 AM" (or "10:00 AM") on the clinic's wall clock."""
    local = timezone.localtime(moment)
    return f"{local:%a %b %-d, %Y %-I:%M %p}" if with_date else f"{local:%-I:%M %p}"


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def within_clinic_years(value: date | datetime | None) -> None:
    """A validator for dates staff type: the years a clinic's calendar can hold. A far date
    (9999-12-31 at night is already year 10000 in UTC) would fail deep in the database."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            f"Choose a date between {EARLIEST.year} and {LATEST.year}.", code="out_of_range"
        )


def bounded_day(value: str | None) -> date | None:
    """A date typed into an address or a form, or None: malformed or absurd dates (9999-12-31,
    where a day more overflows) are not dates."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def cents(amount: object) -> Decimal:
    """An amount to the cent: a Sum() comes back as None when nothing matched, and as a float
    from SQLite."""
    return Decimal(str(amount or 0)).quantize(Decimal("0.01"))


def dollars(amount: Decimal | int | float | str | None) -> str:
    """The one way the site writes an amount: "$100.00", "$1,250.00", "-$5.00", always with
    cents, so a price, a balance and what a certificate pays read alike."""
    if amount is None or amount == "":
        return ""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
