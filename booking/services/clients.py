"""Client records, matched by email so returning clients need no account."""

from dataclasses import dataclass

from booking.models import Client


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


def upsert_client(details: ClientDetails) -> Client:
    """The client with this email (any case), created or brought up to date with what they typed."""
    email = details.email.strip()
    client = Client.objects.filter(email__iexact=email).first()
    if client is None:
        client = Client(email=email.lower())
    client.name = details.name.strip()
    client.phone = details.phone.strip()
    client.full_clean(validate_constraints=False)
    client.save()
    return client
