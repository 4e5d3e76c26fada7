"""Template tags for search engines and sharing."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def json_ld(context, data: dict | list | None) -> SafeString | str:
    """A JSON-LD block that text from the database cannot break out of."""
    if not data:
        return ""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return format_html(
        '<script type="application/ld+json" nonce="{}">{}</script>',
        context.get("csp_nonce", ""),
        SafeString(payload),
    )
