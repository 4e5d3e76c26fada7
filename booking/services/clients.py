"""Client records, matched by email so returning clients need no account."""

from dataclasses import dataclass

from booking.models import Client


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


def upsert_client(details: ClientDetails) -> Client:
    """The client with this email (any case), created or brought up to date with what they typed.
    Without an email (a phone booking), the client with the same name and phone, or a new one."""
    email = details.email.strip()
    if email:
        client = Client.objects.filter(email__iexact=email).first()
    else:
        client = Client.objects.filter(
            email="", name__iexact=details.name.strip(), phone=details.phone.strip()
        ).first()
    if client is None:
        client = Client(email=email.lower())
    client.name = details.name.strip()
    client.phone = details.phone.strip()
    client.full_clean(validate_constraints=False)
    client.save()
    return client
