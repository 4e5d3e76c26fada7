"""Back-office markup shared by templates and the calendar grid (backoffice/grid_html.py)."""

from django import template
from django.utils.safestring import SafeString

from booking.backoffice import grid_html
from booking.models import Appointment

register = template.Library()


@register.simple_tag
def intake_state(appointment: Appointment, show_health: bool) -> SafeString:
    return grid_html.intake_state(appointment, show_health)
