"""How amounts and times read on every page and in every email: one format, said once."""

from django import template

from booking import clock

register = template.Library()


@register.filter
def money(amount) -> str:
    """{{ appointment.price|money }} -> "$100.00"."""
    return clock.dollars(amount)


@register.simple_tag
def zone_name() -> str:
    """{% zone_name %} -> "Eastern Time"."""
    return clock.zone_name()
