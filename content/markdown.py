"""Markdown from the admin, rendered once and sanitised: staff write text, never scripts."""

import logging
from dataclasses import dataclass

import markdown
import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from focusedcare.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "a", "abbr", "aside", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "hr", "li", "nav", "ol", "p", "pre", "section", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class"},
    "a": {"href", "title"},
    "abbr": {"title"},
}


@dataclass(frozen=True)
class Rendered:
    html: SafeString
    toc: list[dict]


def render_markdown(text: str, *, cache_key: str | None = None) -> Rendered:
    """HTML plus the level-2 headings for a table of contents (the page title is the h1)."""
    if cache_key and (hit := _cached(cache_key)):
        return hit
    md = markdown.Markdown(extensions=["toc", "attr_list", "md_in_html", "sane_lists"])
    html = nh3.clean(
        md.convert(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
    )
    toc = [{"id": t["id"], "name": t["name"]} for t in md.toc_tokens if t["level"] == 2]
    safe = mark_safe(html)  # nosec B308, B703 # nh3 sanitised it
    result = Rendered(html=safe, toc=toc)
    if cache_key:
        try:
            cache.set(cache_key, result, 60 * 60)
        except CACHE_ERRORS as error:
            logger.warning("Markdown not cached, the cache is down: %s", error)
    return result


def _cached(key: str) -> Rendered | None:
    """The page as rendered before, or None: a cache that is down only costs a rendering."""
    try:
        return cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("Markdown cache unreadable, rendering anew: %s", error)
        return None
