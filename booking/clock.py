"""How staff read a moment: in the clinic's time zone, never a bare aware datetime's `str()`."""

from datetime import datetime

from django.utils import timezone


def clinic_time(moment: datetime, *, with_date: bool = True) -> str:
    """ "Tue Mar 10, 2026 10:00 AM" (or "10:00 AM") on the clinic's wall clock."""
    local = timezone.localtime(moment)
    return f"{local:%a %b %-d, %Y %-I:%M %p}" if with_date else f"{local:%-I:%M %p}"
