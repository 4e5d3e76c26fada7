"""What can go wrong when booking, in words a client can read."""

from datetime import datetime

from booking.clock import dollars


class BookingError(Exception):
    message = "This booking could not be made."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class SlotUnavailable(BookingError):
    message = "Sorry, that time was just taken. Please choose another time."

    def __init__(self, start: datetime, message: str | None = None):
        super().__init__(message)
        self.start = start


class NotBookable(BookingError):
    message = "That service or therapist cannot be booked online."


class AlreadyBooked(BookingError):
    message = "This booking was already confirmed; it was not booked twice."

    def __init__(self, appointment):
        super().__init__()
        self.appointment = appointment


class OutsideChangeWindow(BookingError):
    message = "This appointment is too close to change online. Please call the clinic."


class NotActive(BookingError):
    message = "This appointment was cancelled or has already taken place."


class NeedsDoctor(BookingError):
    message = "Please see a doctor before booking a massage online."

    def __init__(self, screening):
        super().__init__()
        self.screening = screening


class GiftCertificateError(BookingError):
    """A gift certificate could not be bought, applied or changed; the message says why."""

    message = "That gift certificate could not be used."


class GiftCodeNotUsable(GiftCertificateError):
    """Unknown, unpaid, void and expired codes get this same answer: it tells a guesser nothing."""

    message = (
        "We can't find a gift certificate with that code that can be used. Please check the "
        "code, or call the clinic."
    )


class GiftCodeMalformed(GiftCertificateError):
    message = "A gift certificate code has 16 letters and numbers, like ABCD-EFGH-JKMN-PQRS."


class GiftBalanceTooLow(GiftCertificateError):
    message = "This gift certificate doesn't have enough balance left for that."


class GiftAmountChanged(GiftCertificateError):
    """The certificate would pay another amount than the client was shown: nothing is booked."""

    def __init__(self, *, shown, applied):
        super().__init__(
            f"This gift certificate's balance changed since you checked it: it now pays "
            f"{dollars(applied)} of this booking, not {dollars(shown)}. Nothing is booked yet: "
            "please check and confirm again."
        )
        self.shown = shown
        self.applied = applied


class GiftAlreadyApplied(GiftCertificateError):
    message = "That gift certificate is already applied to this booking."


class GiftAmountInvalid(GiftCertificateError):
    message = "Please choose an amount we offer."


class GiftNotChangeable(GiftCertificateError):
    message = "This gift certificate can't be changed in its current state."


class IntakeAlreadyGiven(BookingError):
    message = "We already have your answers for this visit. Thank you."


class NothingToConfirm(BookingError):
    message = "We have no earlier answers to confirm. Please fill in the form."


class RecordLocked(BookingError):
    message = (
        "This session record is locked 24 hours after the session. Add a dated addendum instead."
    )
