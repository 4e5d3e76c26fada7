"""How an email speaks to its reader: by first name, with phone numbers that dial."""

from django import template

from booking.models.clinic import tel_href

register = template.Library()

# Titles a client may type before the name: "Dr. Ann Client" is greeted "Hello Dr. Client,".
TITLES = {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "rev"}


def first_name(name: str) -> str:
    """What to call someone in a greeting, from the one name field they typed: the first word,
    or a title with the last word, or the whole name when it starts with an initial ("J. Smith").
    Empty for an empty name."""
    words = name.split()
    if not words:
        return ""
    first = words[0]
    if first.rstrip(".").lower() in TITLES and len(words) > 1:
        return f"{first} {words[-1]}"
    if len(first.rstrip(".")) == 1 and len(words) > 1:
        return " ".join(words)
    return first


@register.filter
def greeting(name: str) -> str:
    """{{ appointment.client.name|greeting }} -> "Hello Ann," (or "Hello," with no name)."""
    called = first_name(name or "")
    return f"Hello {called}," if called else "Hello,"


@register.filter
def tel(phone: str, country: str = "US") -> str:
    """{{ client.phone|tel:clinic.country }} -> "tel:+17175550100"; the clinic's own number is
    `clinic.phone_href`, the same rule."""
    return tel_href(phone or "", country or "US")
