"""Who sees what in the back office. Owner and front desk see every therapist's schedule; a
therapist sees only their own appointments, clients and intakes (in lists, searches,
autocompletes and direct URLs), because every admin queryset passes through here."""

from django.db.models import QuerySet

from booking.models import Therapist

OWNER, FRONT_DESK, THERAPIST = "Owner", "Front desk", "Therapist"


def own_therapist(user) -> Therapist | None:
    """The therapist this user is, when their role limits them to their own clients."""
    if not user.is_authenticated or user.is_superuser:
        return None
    roles = set(user.groups.values_list("name", flat=True))
    if roles & {OWNER, FRONT_DESK} or THERAPIST not in roles:
        return None
    # A therapist login not linked to a therapist sees nobody's clients, not everybody's.
    return Therapist.objects.filter(user=user).first() or Therapist(pk=0, name="(not linked)")


def limit_to_own(user, queryset: QuerySet, therapist_path: str) -> QuerySet:
    """`queryset` as this user may see it; `therapist_path` leads from its rows to a therapist."""
    therapist = own_therapist(user)
    if therapist is None:
        return queryset
    return queryset.filter(**{therapist_path: therapist.pk}).distinct()
