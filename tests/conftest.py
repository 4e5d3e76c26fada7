"""Test settings differ from production only here, as fixtures."""

import io
import socket
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from tests.factories import ServiceFactory, ServiceOptionFactory, TherapistFactory, week_of_hours


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that commit for real (threads, browsers, a live server): `make test` runs the
    rest spread over the cores first, then these, whose flushes would empty the database under
    a neighbour's feet."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction"):
            item.add_marker(pytest.mark.transactional)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The suite books and orders many times from 127.0.0.1: limits no test reaches unless it
    # sets its own (tests/booking/test_abuse_limits.py).
    for name in GENEROUS_LIMITS:
        setattr(settings, name, "10000/h")


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts with empty caches: a page, a version or free slots cached by one test
    never reach another (this process's copies included)."""
    from django.core.cache import caches

    from focusedcare.cache import forget_local_copies

    for cache in caches.all(initialized_only=True):
        cache.clear()
    forget_local_copies()
    yield


GENEROUS_LIMITS = [
    "BOOKING_RATE_PER_ADDRESS",
    "BOOKING_RATE_PER_EMAIL",
    "GIFT_ORDER_RATE_PER_ADDRESS",
    "GIFT_EMAIL_RATE_PER_ADDRESS",
]


@pytest.fixture
def demo(db):
    """The demo clinic, as `make run` shows it, less the past fortnight of sessions (seconds of
    setup each time; tests/booking/test_seed_demo.py covers those)."""
    call_command("seed_demo", stdout=io.StringIO(), past_fortnight=False)


class _Inbox:
    """What the SMTP server received, parsed as the client's mail program would."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(BytesParser(policy=default).parsebytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_mailer(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; the site's mailer points at it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = smtp_mailer(controller.port)
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def clinic_week(db):
    """A therapist offering one 60-minute service, working 9:00-17:00 every day, with the
    booking policy's defaults; `now` is a fixed moment well before the days tested."""
    service = ServiceFactory(name="Deep Tissue", slug="deep-tissue")
    option = ServiceOptionFactory(service=service, duration_minutes=60, price=Decimal("95.00"))
    therapist = TherapistFactory(name="Maria Alvarez", slug="maria", services=[service])
    week_of_hours(therapist, [("09:00", "17:00")])
    return SimpleNamespace(service=service, option=option, therapist=therapist)


@pytest.fixture(autouse=True)
def _health_answers_never_in_emails(request):
    """Suite-wide: after every test that used the database, no email the site wrote or sent
    contains any intake answer (free text, or the label of a zone, habit or red flag)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    elif not {"db", "transactional_db"} & set(request.fixturenames):
        yield
        return
    yield
    from django.core import mail

    from booking.models import Intake, OutboundEmail, SessionAddendum, SessionRecord

    answers = set()
    for intake in Intake.objects.all():
        answers |= {intake.previous_injuries, intake.goals}
        answers |= {*intake.zone_labels, *intake.habit_labels, *intake.red_flag_labels}
        answers |= {item["name"] for item in intake.activities}
    answers |= set(SessionRecord.objects.values_list("notes", flat=True))
    answers |= set(SessionAddendum.objects.values_list("text", flat=True))
    # A few characters ("0", "-1": the hostile-input sweep types them into free-text answers)
    # stand in any email by chance; an answer that could leak is longer.
    answers = {answer for answer in answers if len(answer.strip()) >= 5}
    if not answers:
        return
    bodies = [f"{e.subject}\n{e.body_text}\n{e.body_html}" for e in OutboundEmail.objects.all()] + [
        f"{m.subject}\n{m.body}" for m in getattr(mail, "outbox", [])
    ]
    leaked = {answer for answer in answers for body in bodies if answer in body}
    assert not leaked, f"health answers in an email: {leaked}"
