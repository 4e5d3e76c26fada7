"""Links between the steps of the booking flow, so every step is a plain, bookmarkable GET."""

from collections.abc import Callable
from datetime import date, datetime, time
from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()

ORDER = ["service", "minutes", "therapist", "day", "time"]


def _value(value, key: str = "") -> str:
    if hasattr(value, "slug"):
        return value.slug
    if isinstance(value, datetime):
        return value.strftime("%H:%M" if key == "time" else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return "" if value is None else str(value)


@register.simple_tag
def flow_url(selection: dict | None = None, **overrides) -> str:
    """/book/ with the choices so far; setting one step forgets the steps after it."""
    selection = selection or {}
    params = {}
    for key in ORDER:
        if key in overrides:
            if _value(overrides[key], key):
                params[key] = _value(overrides[key], key)
            later = ORDER[ORDER.index(key) + 1 :]
            if not any(k in overrides for k in later):
                break
            continue
        value = _value(selection.get(key))
        if key == "minutes" and selection.get("option") is not None:
            value = str(selection["option"].duration_minutes)
        if not value:
            break
        params[key] = value
    return (
        f"{reverse('booking:book')}?{urlencode(params, safe=':')}"
        if params
        else reverse("booking:book")
    )


def time_link(selection: dict) -> Callable[[datetime], str]:
    """flow_url(selection, day=moment, time=moment) for the hundred-odd times of one page: the
    address up to the therapist is built once, each time only adds its day and time."""
    base = flow_url(selection, day="")
    return lambda moment: f"{base}&day={moment:%Y-%m-%d}&time={moment:%H:%M}"


@register.simple_tag
def hidden_selection(selection: dict) -> dict:
    """The choices as name/value pairs for hidden inputs in the details and review forms."""
    option = selection.get("option")
    return {
        "service": _value(selection.get("service")),
        "minutes": str(option.duration_minutes) if option else "",
        "therapist": _value(selection.get("therapist")),
        "day": _value(selection.get("day")),
        "time": _value(selection.get("time")),
    }


@register.filter
def field_anchor(field) -> str:
    """The id an error summary links to: the field's input, or a group's first box."""
    return field.id_for_label or f"{field.auto_id}_0"


@register.simple_tag
def error_count(*forms) -> int:
    """How many errors the forms have, for the error summary's heading."""
    return sum(len(errors) for form in forms for errors in form.errors.values())
