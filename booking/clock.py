"""Moments and days as people give and read them: in the clinic's time zone, never a bare aware
datetime's `str()`, and dates from an address only within a range where date arithmetic holds."""

from datetime import date, datetime

from django.utils import timezone


def clinic_time(moment: datetime, *, with_date: bool = True) -> str:
    """ "Tue Mar 10, 2026 10:00 AM" (or "10:00 AM") on the clinic's wall clock."""
    local = timezone.localtime(moment)
    return f"{local:%a %b %-d, %Y %-I:%M %p}" if with_date else f"{local:%-I:%M %p}"


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def bounded_day(value: str | None) -> date | None:
    """A date typed into an address or a form, or None: malformed or absurd dates (9999-12-31,
    where a day more overflows) are not dates."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None
