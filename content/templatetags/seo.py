"""Template tags for search engines and sharing."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from content import seo

register = template.Library()

_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def json_ld(context, data: dict | list | None) -> SafeString | str:
    """A JSON-LD block that text from the database cannot break out of."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    payload = mark_safe(text)  # nosec B308, B703 # with <, > and & escaped it cannot end the script
    return format_html(
        '<script type="application/ld+json" nonce="{}">{}</script>',
        context.get("csp_nonce", ""),
        payload,
    )


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's own address, from SITE_URL: {% canonical_url %} in the canonical link and
    og:url, so a page reached by another host name never names that host as its own."""
    request = context.get("request")
    return seo.absolute(request.path if request else "/")


@register.simple_tag
def absolute_url(path: str) -> str:
    """{% static 'img/og-card.png' as card %}{% absolute_url card %}: a path's public address."""
    return seo.absolute(path)
