"""Client records, matched by email so returning clients need no account."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from booking.models import Client


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


def upsert_client(details: ClientDetails, *, update: bool) -> Client:
    """The client with this email (any case), or without an email (a phone booking) the client
    with the same name and phone; a new one from what was typed when there is none.

    Only staff `update` an existing client's name and phone (they are speaking with the client;
    an empty phone keeps the stored one). An online booking never does: anyone can type anyone's
    email, so what they typed is kept on the booking instead (Appointment.typed_*).

    Two bookings creating the same new client at once (other therapists, so no shared lock):
    the unique email refuses the second insert, which then takes the record the first made."""
    email = details.email.strip()
    if email:
        client = Client.objects.filter(email__iexact=email).first()
    else:
        client = Client.objects.filter(
            email="", name__iexact=details.name.strip(), phone=details.phone.strip()
        ).first()
    if client is not None and not update:
        return client
    if client is None:
        client = Client(email=email.lower())
    client.name = details.name.strip()
    client.phone = details.phone.strip() or client.phone
    client.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        made_meanwhile = Client.objects.filter(email__iexact=email).exists() if email else False
        if client.pk is not None or not made_meanwhile:
            raise
        return upsert_client(details, update=update)  # found now, so no insert this time
    return client
