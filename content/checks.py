"""System checks: what `manage.py check --database default` and `migrate` tell staff about content
that has drifted from the clinic's records."""

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError

from booking.models import Service
from content.recommend import mapped_slugs, renamed_slugs

FALLBACK = (
    "Until then, clients it would be suggested to get the other suggestions, or the "
    "assessment-first one when none is left."
)


@register(Tags.database)
def recommended_services_are_offered(
    app_configs=None, databases=None, **kwargs
) -> list[CheckMessage]:
    """Every service find-my-massage suggests exists and is offered. A warning, not an error:
    retiring a service in admin must not stop the next deploy's migrate or the site starting,
    and the suggestions fall back meanwhile (content.recommend.offered); CI and deploys that
    want it to fail run `check --database default --fail-level WARNING`."""
    if not databases:
        return []
    slugs = mapped_slugs()
    try:
        offered = dict(Service.objects.filter(slug__in=slugs).values_list("slug", "is_active"))
        renamed = renamed_slugs([slug for slug in slugs if slug not in offered])
    except DatabaseError:
        return []  # not migrated yet: nothing to compare with
    messages: list[CheckMessage] = []
    for slug in slugs:
        if slug in renamed:
            messages.append(
                Warning(
                    f"Find my massage suggests the service {slug!r}, now called {renamed[slug]!r}.",
                    hint=f"Change {slug!r} to {renamed[slug]!r} in content/recommend.py. "
                    "Until then the suggestion follows the service's history.",
                    id="content.W001",
                )
            )
        elif slug not in offered:
            messages.append(
                Warning(
                    f"Find my massage suggests the service {slug!r}, which does not exist.",
                    hint=f"Change or remove it in content/recommend.py. {FALLBACK}",
                    id="content.W002",
                )
            )
        elif not offered[slug]:
            messages.append(
                Warning(
                    f"Find my massage suggests the service {slug!r}, which is not offered.",
                    hint="Offer it again in admin, or change its rows in content/recommend.py. "
                    + FALLBACK,
                    id="content.W003",
                )
            )
    return messages
