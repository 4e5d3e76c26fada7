"""Truthful answers under races, with real transactions in threads: a form sent twice at once
answers with the booking it made, a refused "first available" offers whoever is still free, and
a gift certificate pays what the review showed or the client sees the new amount first.

Each "held" test lets one transaction commit while the request under test waits on the lock it
holds (the therapist's row on PostgreSQL, the database's write lock on SQLite): the interleaving
that made the old answers untrue."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection, connections, transaction
from django.test import Client as Browser
from django.utils import timezone

from booking.exceptions import AlreadyBooked, GiftAmountChanged
from booking.models import Appointment, Client, GiftCertificate
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.ledger import redeem_gift_certificate
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.booking.test_views_book import DETAILS, flow
from tests.factories import ClientFactory, TherapistFactory, at, week_of_hours

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")
BO = ClientDetails(name="Bo Other", email="bo@example.com", phone="717-555-0111")


def _someone_waits_on_a_lock(timeout: float = 10.0) -> None:
    """Until another connection waits on a lock (PostgreSQL shows it); SQLite shows nothing, so
    there a second is given to reach the lock (arriving later changes the path, not the answer)."""
    if connection.vendor != "postgresql":
        time.sleep(1.0)
        return
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nothing waited on the lock")


def _while_held(hold: Callable[[], object], then: Callable[[], object]) -> dict:
    """Runs `hold` in a transaction that stays open until `then` (in another thread) waits on
    it, then commits: what each returned or raised."""
    held, release, results = threading.Event(), threading.Event(), {}

    def holder() -> None:
        try:
            with transaction.atomic():
                results["held"] = hold()
                held.set()
                release.wait(20)
        finally:
            connections.close_all()

    def waiter() -> None:
        try:
            results["then"] = then()
        except Exception as error:  # noqa: BLE001 - the test asserts what it was
            results["then"] = error
        finally:
            connections.close_all()

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(20)
    second = threading.Thread(target=waiter)
    second.start()
    _someone_waits_on_a_lock()
    release.set()
    first.join()
    second.join()
    connections.close_all()
    return results


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def shown(response) -> str:
    return page(response).get_text(" ", strip=True)


def form_data(form, button=None) -> dict:
    """What a browser posts for `form`: its inputs, and the button pressed."""
    data: dict[str, list[str]] = {}
    for field in form.find_all("input"):
        if field.get("name") and field.get("type") != "submit":
            data.setdefault(field["name"], []).append(field.get("value", ""))
    if button is not None:
        data[button["name"]] = [button["value"]]
    return data


@pytest.fixture
def ben(clinic_week):
    """A second therapist giving the same massage, working the same hours."""
    therapist = TherapistFactory(name="Ben Carter", slug="ben", services=[clinic_week.service])
    week_of_hours(therapist, [("09:00", "17:00")])
    return therapist


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


# 1. A repeated request key is recognised after the lock ------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("twin_therapist", ["same", "other"])
def test_a_form_sent_twice_at_once_answers_with_the_first_booking_not_taken(
    clinic_week, ben, twin_therapist
):
    """ "same": the twin waits on the therapist's lock, then finds the booking by its key.
    "other" (first available gave the twin someone else): the unique key refuses it."""

    def attempt(therapist):
        return book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 10:00"),
            therapist=therapist,
            client=ANN,
            request_key="form-1",
            now=NOW,
        )

    ClientFactory(name=ANN.name, email=ANN.email, phone=ANN.phone)  # a returning client
    twin = clinic_week.therapist if twin_therapist == "same" else ben
    results = _while_held(lambda: attempt(clinic_week.therapist), lambda: attempt(twin))

    assert isinstance(results["then"], AlreadyBooked)
    assert results["then"].appointment.pk == results["held"].pk
    assert Appointment.objects.get().therapist == clinic_week.therapist


@pytest.mark.django_db(transaction=True)
def test_a_new_client_booking_two_therapists_at_once_gets_both_bookings_and_one_record(
    clinic_week, ben
):
    def attempt(therapist, key):
        return book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 10:00"),
            therapist=therapist,
            client=ANN,
            request_key=key,
            now=NOW,
        )

    results = _while_held(
        lambda: attempt(clinic_week.therapist, "couple-1"), lambda: attempt(ben, "couple-2")
    )

    assert isinstance(results["then"], Appointment)
    assert Appointment.objects.count() == 2
    assert Client.objects.get().appointments.count() == 2


@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_submits_of_one_confirmed_form_book_once_and_each_shows_the_booking(
    clinic_week, day
):
    data = {**flow(day), **DETAILS, "request_key": "the-one-form", "confirm": "1"}
    barrier = threading.Barrier(6)
    responses = []

    def submit() -> None:
        try:
            browser = Browser()
            barrier.wait()
            responses.append(browser.post("/book/", data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    appointment = Appointment.objects.get()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 409, 409, 409, 409, 409]
    for response in responses:
        if response.status_code == 302:
            assert response["Location"] == appointment.get_absolute_url()
            continue
        assert "You're already booked" in shown(response)
        assert "just taken" not in shown(response)
        assert page(response).find("a", href=appointment.get_absolute_url())


# 2. A refused "first available" offers whoever is still free ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_first_available_booking_refused_at_confirm_offers_the_therapist_still_free(
    clinic_week, ben, day
):
    browser = Browser()
    chosen = {**flow(day, therapist="any"), **DETAILS}
    review = page(browser.post("/book/", chosen))
    reviewed = form_data(review.find("form", action="/book/"))
    assigned = reviewed["assigned"][0]
    other = {"maria": ben, "ben": clinic_week.therapist}[assigned]
    taken = clinic_week.therapist if assigned == "maria" else ben
    start = at(f"{day} 10:00")

    results = _while_held(
        lambda: book_appointment(
            option=clinic_week.option, start=start, therapist=taken, client=BO
        ),
        lambda: browser.post("/book/", {**reviewed, "confirm": "1"}),
    )

    refused = results["then"]
    assert refused.status_code == 409
    assert f"Sorry, {taken.name} was just booked at that time." in shown(refused)
    assert f"Still free then: {other.name}." in shown(refused)
    offer = page(refused).find("form", action="/book/")
    button = offer.find("button", attrs={"name": "assigned"})
    assert button.get_text(strip=True) == f"Book with {other.name} at 10:00 AM"
    statement = offer.find(id=button["aria-describedby"]).get_text(" ", strip=True)
    assert statement.startswith("By booking, you agree to an assessment before your session")

    booked = browser.post("/book/", form_data(offer, button))

    assert booked.status_code == 302
    mine = Appointment.objects.get(client__email="ann@example.com")
    assert booked["Location"] == mine.get_absolute_url()
    assert (mine.therapist, mine.start) == (other, start)
    assert mine.request_key == reviewed["request_key"][0]
    assert mine.intake.zones == ["lower_back"]
    assert mine.intake.consent and mine.intake.consent_name == "Ann Client"


@pytest.mark.django_db(transaction=True)
def test_a_first_available_booking_refused_when_nobody_is_free_offers_the_nearest_times(
    clinic_week, day
):
    browser = Browser()
    review = page(browser.post("/book/", {**flow(day, therapist="any"), **DETAILS}))
    reviewed = form_data(review.find("form", action="/book/"))

    results = _while_held(
        lambda: book_appointment(
            option=clinic_week.option,
            start=at(f"{day} 10:00"),
            therapist=clinic_week.therapist,
            client=BO,
        ),
        lambda: browser.post("/book/", {**reviewed, "confirm": "1"}),
    )

    refused = results["then"]
    assert refused.status_code == 409
    assert "Maria Alvarez was just booked at that time." in shown(refused)
    assert not page(refused).find("button", attrs={"name": "assigned"})
    assert "The nearest free times" in shown(refused)
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_a_named_therapist_refused_at_confirm_offers_the_others_free_at_that_time(
    clinic_week, ben, day
):
    browser = Browser()
    review = page(browser.post("/book/", {**flow(day, therapist="maria"), **DETAILS}))
    reviewed = form_data(review.find("form", action="/book/"))
    start = at(f"{day} 10:00")
    book_appointment(
        option=clinic_week.option, start=start, therapist=clinic_week.therapist, client=BO
    )

    refused = browser.post("/book/", {**reviewed, "confirm": "1"})

    assert refused.status_code == 409
    assert "Sorry, that time was just taken." in shown(refused)
    assert "Free then with another therapist: Ben Carter." in shown(refused)
    assert "Free at 10:00 AM with another therapist" in shown(refused)
    assert "The nearest free times" in shown(refused)  # with Maria, as chosen
    offer = page(refused).find("form", action="/book/")
    button = offer.find("button", attrs={"name": "assigned"})
    assert button.get_text(strip=True) == "Book with Ben Carter at 10:00 AM"

    booked = browser.post("/book/", form_data(offer, button))

    assert booked.status_code == 302
    mine = Appointment.objects.get(client__email="ann@example.com")
    assert (mine.therapist, mine.start) == (ben, start)
    assert mine.request_key == reviewed["request_key"][0]
    assert mine.intake.zones == ["lower_back"]
    assert mine.intake.consent and mine.intake.consent_name == "Ann Client"


# 3. A certificate pays what the review showed, or the client sees the new amount first -----------


def issued(amount: str) -> GiftCertificate:
    certificate = purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        recipient_name="Ann Client",
        recipient_email="ann@example.com",
        amount=Decimal(amount),
    )
    return mark_gift_certificate_paid(certificate=certificate)


@pytest.mark.django_db(transaction=True)
def test_a_certificate_spent_at_the_desk_while_the_client_confirms_books_nothing_and_shows_the_new_amount(  # noqa: E501
    clinic_week, day
):
    certificate = issued("60")
    browser = Browser()
    applied = browser.post("/book/", {**flow(day), **DETAILS, "gift_code": certificate.code})
    assert "Gift certificate −$60.00" in shown(applied)
    reviewed = form_data(page(applied).find("form", action="/book/"))
    assert reviewed["gift_shown"] == ["60.00"]

    results = _while_held(
        lambda: redeem_gift_certificate(code=certificate.code, amount=Decimal("40")),
        lambda: browser.post("/book/", {**reviewed, "confirm": "1"}),
    )

    refused = results["then"]
    assert refused.status_code == 409
    assert "it now pays $20.00 of this booking, not $60.00" in shown(refused)
    assert "Gift certificate −$20.00" in shown(refused) and "Due at the clinic $75.00" in shown(
        refused
    )
    assert not Appointment.objects.exists()
    certificate.refresh_from_db()
    assert certificate.balance == Decimal("20.00")

    again = form_data(page(refused).find("form", action="/book/"))
    booked = browser.post("/book/", {**again, "confirm": "1"})

    assert booked.status_code == 302
    assert Appointment.objects.get().gift_amount == Decimal("20.00")
    certificate.refresh_from_db()
    assert certificate.balance == 0


@pytest.mark.django_db(transaction=True)
def test_eight_bookings_racing_for_one_certificate_pay_what_they_were_shown_or_book_nothing(
    clinic_week,
):
    certificate = issued("100")
    barrier = threading.Barrier(8)
    booked, changed, crashed = [], [], []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            booked.append(
                book_appointment(
                    option=clinic_week.option,
                    start=at(f"2026-03-{10 + n} 10:00"),
                    therapist=clinic_week.therapist,
                    client=ClientDetails(f"Client {n}", f"c{n}@example.com", "717-555-0100"),
                    gift_code=certificate.code,
                    gift_shown=Decimal("95.00"),
                    now=NOW,
                )
            )
        except GiftAmountChanged as error:
            changed.append(error.applied)
        except Exception as error:  # noqa: BLE001 - any other failure is what the test reports
            crashed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert crashed == []
    assert [a.gift_amount for a in booked] == [Decimal("95.00")]
    assert changed == [Decimal("5.00")] * 7
    assert Appointment.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.balance == Decimal("5.00")


@pytest.mark.django_db
def test_a_code_typed_and_confirmed_without_apply_shows_what_it_pays_before_booking(
    client, clinic_week, day
):
    certificate = issued("60")

    first = client.post("/book/", {**flow(day), **DETAILS, "gift_code": certificate.code,
                                   "confirm": "1"})  # fmt: skip

    assert first.status_code == 200
    assert "Your gift certificate pays $60.00. Please check and confirm." in shown(first)
    assert not Appointment.objects.exists()
    booked = client.post("/book/", {**form_data(page(first).find("form", action="/book/")),
                                    "confirm": "1"})  # fmt: skip
    assert booked.status_code == 302
    assert Appointment.objects.get().gift_amount == Decimal("60.00")
