"""`{% picture %}`: an uploaded photo as a responsive `<picture>`, or the drawing that stands in
for it. The renditions come from booking/images.py."""

from django import template
from django.db.models.fields.files import FieldFile

from booking.images import SHAPES, picture

register = template.Library()


@register.inclusion_tag("booking/_picture.html")
def responsive_picture(
    file: FieldFile | None,
    kind: str,
    *,
    alt: str,
    sizes: str,
    drawing: str,
    css_class: str = "",
    eager: bool = False,
) -> dict:
    """`drawing` is a static path shown (decorative, so alt="") when there is no photo. Photos
    load lazily; `eager` is for the one above the fold, which the browser then fetches first."""
    found = picture(file, kind) if file else None
    ratio_w, ratio_h = SHAPES[kind].ratio
    return {
        "picture": found,
        "alt": alt,
        "sizes": sizes,
        "drawing": drawing,
        "css_class": css_class,
        "lazy": not eager,
        "ratio_w": ratio_w,
        "ratio_h": ratio_h,
    }
