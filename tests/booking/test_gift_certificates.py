"""Gift certificates: codes, issuing, spending, corrections, delivery, and invariant 2 (a balance
never goes below zero, is never spent twice, and always equals the sum of its ledger)."""

import io
import re
import threading
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.exceptions import (
    GiftAlreadyApplied,
    GiftAmountInvalid,
    GiftBalanceTooLow,
    GiftCertificateError,
    GiftCodeMalformed,
    GiftCodeNotUsable,
    GiftNotChangeable,
    SlotUnavailable,
)
from booking.models import (
    Appointment,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    OutboundEmail,
)
from booking.models.gift_certificates import CODE_ALPHABET, normalize_code
from booking.services.appointments import book_appointment, cancel_appointment
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.ledger import (
    adjust_gift_certificate,
    credit_back_for,
    redeem_for_appointment,
    redeem_gift_certificate,
    void_gift_certificate,
)
from booking.services.gift_certificates.sales import (
    deliver_due_gift_certificates,
    mark_gift_certificate_paid,
    purchase_gift_certificate,
    resend_gift_certificate,
)
from tests.factories import AppointmentFactory, GiftCertificateFactory, at

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")


@pytest.fixture
def demo(demo):
    """The demo clinic without its demo gift certificate: each test counts its own."""
    GiftLedgerEntry.objects.all().delete()
    GiftCertificate.objects.all().delete()


def buy(**fields) -> GiftCertificate:
    order = {
        "buyer_name": "Bea Buyer",
        "buyer_email": "bea@example.com",
        "recipient_name": "Rita Recipient",
        "recipient_email": "rita@example.com",
        "now": NOW,
    }
    if "option" not in fields:
        order["amount"] = Decimal("100")
    return purchase_gift_certificate(**{**order, **fields})


def issued(amount: str = "100", **fields) -> GiftCertificate:
    return mark_gift_certificate_paid(certificate=buy(amount=Decimal(amount), **fields), now=NOW)


def ledger_sum(certificate: GiftCertificate) -> Decimal:
    """Summed in Python: SQLite's SUM() of decimals is floating point."""
    amounts = GiftLedgerEntry.objects.filter(certificate=certificate).values_list(
        "amount", flat=True
    )
    return sum(amounts, Decimal("0"))


def balance(certificate: GiftCertificate) -> Decimal:
    return GiftCertificate.objects.get(pk=certificate.pk).balance


def emails(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=kind).order_by("pk"))


# Codes ---------------------------------------------------------------------------------------


def test_a_code_is_16_crockford_characters_80_bits_shown_in_groups_of_four():
    certificate = GiftCertificateFactory.build()

    assert len(certificate.code) == 16
    assert set(certificate.code) <= set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) == 32  # 5 bits a character: 80 bits in all
    assert certificate.display_code.count("-") == 3
    assert certificate.display_code.replace("-", "") == certificate.code
    assert certificate.token != certificate.code and len(certificate.token) >= 32


def test_code_entry_ignores_case_spaces_and_dashes_and_reads_i_l_o_as_digits():
    assert normalize_code(" abcd-efgh jkmn–pqrs ") == "ABCDEFGHJKMNPQRS"
    assert normalize_code("IlOo") == "1100"


@pytest.mark.django_db
def test_two_thousand_codes_are_all_different():
    codes = {GiftCertificateFactory.build().code for _ in range(2000)}

    assert len(codes) == 2000


# Buying and issuing ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_order_waits_for_payment_with_no_balance_and_tells_the_buyer_how_to_pay(demo):
    certificate = buy()

    assert certificate.status == GiftCertificate.Status.PENDING
    assert certificate.balance == 0
    assert not GiftLedgerEntry.objects.exists()
    (order,) = emails("gift_order")
    assert order.to == "bea@example.com"
    assert "pay at the clinic" in order.body_text.lower()
    assert certificate.code not in order.body_text  # the code only once paid
    with pytest.raises(GiftCodeNotUsable):
        redeem_gift_certificate(code=certificate.code, amount=Decimal("1"))


@pytest.mark.django_db
def test_marking_paid_issues_the_full_amount_and_sends_the_certificate_and_a_receipt(demo):
    certificate = issued("120")

    assert certificate.status == GiftCertificate.Status.ACTIVE
    assert certificate.balance == Decimal("120.00") == ledger_sum(certificate)
    (entry,) = certificate.ledger.all()
    assert (entry.kind, entry.amount, entry.balance_after) == ("issue", 120, 120)
    (gift,) = emails("gift_certificate")
    assert gift.to == "rita@example.com"
    assert certificate.display_code in gift.body_text and certificate.display_code in gift.body_html
    assert "Bea Buyer" in gift.subject
    (receipt,) = emails("gift_receipt")
    assert receipt.to == "bea@example.com" and certificate.code not in receipt.body_text
    assert certificate.delivered_at is not None
    with pytest.raises(GiftNotChangeable):
        mark_gift_certificate_paid(certificate=certificate)
    assert ledger_sum(certificate) == Decimal("120.00")


@pytest.mark.django_db
def test_send_it_to_me_goes_to_the_buyer_to_print(demo):
    certificate = issued(recipient_email="", recipient_name="Grandpa")

    (gift,) = emails("gift_certificate")
    assert gift.to == "bea@example.com"
    assert "ready to print" in gift.subject
    assert certificate.get_absolute_url() in gift.body_text


@pytest.mark.django_db
def test_a_service_given_as_a_gift_is_worth_its_price_on_the_day_it_was_bought(clinic_week):
    certificate = buy(option=clinic_week.option)
    clinic_week.option.price = Decimal("120.00")
    clinic_week.option.save()

    certificate = mark_gift_certificate_paid(certificate=certificate)

    assert certificate.amount == certificate.balance == Decimal("95.00")
    assert certificate.description == "Deep Tissue, 60 minutes"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("10", "from $25.00 to $500.00"),
        ("500.01", "from $25.00 to $500.00"),
        ("0", "greater than zero"),
        ("-50", "greater than zero"),
        ("abc", "in dollars"),
        ("NaN", "in dollars"),
        ("1e9", "greater than zero"),
    ],
)
def test_amounts_outside_the_owners_limits_or_not_numbers_are_refused(amount, message):
    with pytest.raises(GiftAmountInvalid, match=re.escape(message)):
        buy(amount=amount)

    assert not GiftCertificate.objects.exists()


@pytest.mark.django_db
def test_the_owners_presets_and_custom_amounts_within_the_limits_are_accepted():
    GiftSettings.objects.create(
        preset_amounts="20, 1000", min_amount=Decimal("30"), max_amount=Decimal("300")
    )

    assert buy(amount="20").amount == Decimal("20.00")
    assert buy(amount="1000").amount == Decimal("1000.00")
    assert buy(amount="30").amount == Decimal("30.00")
    assert buy(amount="299.99").amount == Decimal("299.99")
    with pytest.raises(GiftAmountInvalid):
        buy(amount="301")


@pytest.mark.django_db
def test_a_delivery_date_in_the_past_is_refused():
    with pytest.raises(GiftCertificateError, match="past"):
        buy(deliver_on=timezone.localdate(NOW) - timedelta(days=1))

    assert not GiftCertificate.objects.exists()


@pytest.mark.django_db
def test_expiry_is_never_sooner_than_five_years_and_blank_means_never():
    with pytest.raises(ValidationError, match="5"):
        GiftSettings(expiry_years=4).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftSettings.objects.create(expiry_years=3)

    assert issued().expires_at is None
    GiftSettings.objects.create(expiry_years=5)
    assert issued().expires_at == NOW.replace(year=2031)


# Spending ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_redeeming_takes_the_amount_and_never_more_than_the_balance():
    certificate = issued("50")

    entry = redeem_gift_certificate(code=certificate.display_code.lower(), amount=Decimal("30"))
    with pytest.raises(GiftBalanceTooLow):
        redeem_gift_certificate(code=certificate.code, amount=Decimal("20.01"))

    assert (entry.kind, entry.amount, entry.balance_after) == ("redeem", -30, 20)
    assert balance(certificate) == Decimal("20.00") == ledger_sum(certificate)


@pytest.mark.django_db
def test_unknown_unpaid_void_and_expired_codes_get_the_same_refusal():
    void = issued()
    void_gift_certificate(certificate=void, reason="Refunded")
    expired = issued()
    GiftCertificate.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    codes = [buy().code, void.code, expired.code, "ABCD-EFGH-JKMN-PQRS"]

    refusals = set()
    for code in codes:
        with pytest.raises(GiftCodeNotUsable) as error:
            redeem_gift_certificate(code=code, amount=Decimal("1"))
        refusals.add(error.value.message)

    assert len(refusals) == 1
    with pytest.raises(GiftCodeMalformed):
        redeem_gift_certificate(code="NOT-A-CODE", amount=Decimal("1"))


@pytest.mark.django_db
def test_a_booking_takes_the_smaller_of_balance_and_price_and_cancelling_credits_it_back(
    clinic_week,
):
    small, big = issued("40"), issued("200")

    partly = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        gift_code=small.display_code,
        now=NOW,
    )
    fully = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-11 10:00"),
        client=ANN,
        gift_code=big.code,
        now=NOW,
    )

    assert (partly.gift_amount, partly.due_at_clinic) == (Decimal("40.00"), Decimal("55.00"))
    assert (fully.gift_amount, fully.due_at_clinic) == (Decimal("95.00"), Decimal("0.00"))
    assert balance(small) == 0 and balance(big) == Decimal("105.00")
    (booked,) = [e for e in emails("appointment_booked") if e.appointment == partly]
    assert "$40.00 paid by gift certificate, $55.00 due at the clinic" in booked.body_text

    cancel_appointment(appointment=partly, now=NOW)

    assert balance(small) == Decimal("40.00") == ledger_sum(small)
    kinds = list(small.ledger.values_list("kind", "amount"))
    assert kinds == [("issue", 40), ("redeem", -40), ("credit", 40)]
    assert credit_back_for(appointment=partly).credited == 0  # once only
    assert balance(small) == Decimal("40.00")


@pytest.mark.django_db
def test_a_certificate_that_cannot_be_used_books_nothing(clinic_week):
    empty = issued("25")
    redeem_gift_certificate(code=empty.code, amount=Decimal("25"))

    for code in (empty.code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "bad"):
        with pytest.raises(GiftCertificateError):
            book_appointment(
                option=clinic_week.option,
                start=at("2026-03-10 10:00"),
                client=ANN,
                gift_code=code,
                now=NOW,
            )

    assert not Appointment.objects.exists()
    assert not OutboundEmail.objects.filter(kind="appointment_booked").exists()


@pytest.mark.django_db
def test_a_refused_booking_redeems_nothing(clinic_week):
    certificate = issued("100")
    book_appointment(option=clinic_week.option, start=at("2026-03-10 10:00"), client=ANN, now=NOW)

    with pytest.raises(SlotUnavailable):
        book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 10:00"),
            client=ANN,
            gift_code=certificate.code,
            now=NOW,
        )

    assert balance(certificate) == Decimal("100.00") == ledger_sum(certificate)


@pytest.mark.django_db
def test_a_code_applied_twice_to_one_booking_is_refused_and_takes_once(clinic_week):
    certificate = issued("200")
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        gift_code=certificate.code,
        now=NOW,
    )

    with pytest.raises(GiftAlreadyApplied):
        redeem_for_appointment(code=certificate.code, appointment=appointment)
    with pytest.raises(GiftAlreadyApplied):
        redeem_gift_certificate(code=certificate.code, amount=Decimal("5"), appointment=appointment)

    assert balance(certificate) == Decimal("105.00") == ledger_sum(certificate)


# A desk redemption for a booking ---------------------------------------------------------------


def booked_without_gift(week) -> Appointment:
    return book_appointment(
        option=week.option, start=at("2026-03-10 10:00"), client=ANN, now=NOW
    )  # $95, all due at the clinic


@pytest.mark.django_db
def test_a_desk_redemption_for_a_booking_counts_as_paid_by_gift_certificate(clinic_week, client):
    appointment = booked_without_gift(clinic_week)
    first, second = issued("40"), issued("100")

    redeem_gift_certificate(code=first.code, amount=Decimal("40"), appointment=appointment)

    assert appointment.gift_amount == Decimal("40.00")  # the caller's copy too
    appointment.refresh_from_db()
    assert (appointment.gift_amount, appointment.due_at_clinic) == (40, 55)
    page = " ".join(client.get(appointment.get_absolute_url()).content.decode().split())
    assert "<dt>Due at the clinic</dt><dd>$55.00</dd>" in page
    redeem_gift_certificate(code=second.code, amount=Decimal("55"), appointment=appointment)
    appointment.refresh_from_db()
    assert (appointment.gift_amount, appointment.due_at_clinic) == (95, 0)
    assert balance(first) == 0 and balance(second) == Decimal("45.00") == ledger_sum(second)


@pytest.mark.django_db
def test_a_desk_redemption_never_pays_more_than_the_bookings_price(clinic_week):
    appointment = booked_without_gift(clinic_week)
    certificate, other = issued("200"), issued("100")

    with pytest.raises(GiftAmountInvalid) as over_price:
        redeem_gift_certificate(code=certificate.code, amount="95.01", appointment=appointment)
    redeem_gift_certificate(code=other.code, amount=Decimal("40"), appointment=appointment)
    with pytest.raises(GiftAmountInvalid) as over_the_rest:
        redeem_gift_certificate(code=certificate.code, amount="60", appointment=appointment)
    redeem_gift_certificate(code=certificate.code, amount="55", appointment=appointment)
    with pytest.raises(GiftAmountInvalid) as paid_in_full:
        redeem_gift_certificate(code=issued("25").code, amount="1", appointment=appointment)

    assert over_price.value.message == (
        "This booking costs $95.00: a gift certificate can pay at most that, not $95.01."
    )
    assert over_the_rest.value.message == (
        "This booking costs $95.00, of which $40.00 is already paid by gift certificate: at "
        "most $55.00 more, not $60.00."
    )
    assert paid_in_full.value.message == (
        "This booking's $95.00 is already paid by gift certificate: nothing more, not $1.00."
    )
    appointment.refresh_from_db()
    assert appointment.gift_amount == Decimal("95.00")
    assert balance(certificate) == Decimal("145.00") == ledger_sum(certificate)


@pytest.mark.django_db
def test_a_cancelled_booking_takes_no_desk_redemption(clinic_week):
    appointment = booked_without_gift(clinic_week)
    cancel_appointment(appointment=appointment, now=NOW)
    certificate = issued("100")

    with pytest.raises(GiftAmountInvalid, match="cancelled: there is nothing left to pay"):
        redeem_gift_certificate(code=certificate.code, amount="20", appointment=appointment)

    appointment.refresh_from_db()
    assert appointment.gift_amount == 0
    assert balance(certificate) == Decimal("100.00") == ledger_sum(certificate)


@pytest.mark.django_db
def test_a_booking_paid_online_and_at_the_desk_is_credited_back_to_both_when_cancelled(
    clinic_week,
):
    online, desk = issued("40"), issued("100")
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        gift_code=online.code,
        now=NOW,
    )
    redeem_gift_certificate(code=desk.code, amount=Decimal("55"), appointment=appointment)

    cancel_appointment(appointment=appointment, now=NOW)

    assert balance(online) == Decimal("40.00") and balance(desk) == Decimal("100.00")
    (cancelled,) = emails("appointment_cancelled")
    assert "$95.00 paid by gift certificate (credited back to it)" in cancelled.body_text


# Credit back onto a certificate that is void or expired ----------------------------------------


@pytest.mark.django_db
def test_cancelling_puts_nothing_back_on_a_void_certificate_and_reports_what_was_not_returned(
    clinic_week, client
):
    """$100, of which $95 paid a session; refunded and voided before the client cancels: the
    void certificate stays at $0 with no credit in its ledger, and the client is told that the
    $95 was not credited back (the clinic settles it), not that it was."""
    certificate = issued("100")
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        gift_code=certificate.code,
        now=NOW,
    )
    void_gift_certificate(certificate=certificate, reason="Refunded by card", now=NOW)

    cancel_appointment(appointment=appointment, now=NOW)

    certificate.refresh_from_db()
    assert certificate.balance == 0 == ledger_sum(certificate)
    assert list(certificate.ledger.values_list("kind", flat=True)) == ["issue", "redeem", "void"]
    (cancelled,) = emails("appointment_cancelled")
    assert "$95.00 could not be credited back" in cancelled.body_text
    assert "(credited back to it)" not in cancelled.body_text
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert "$95.00 could not be credited back" in page and "credited back to the" not in page
    report = credit_back_for(appointment=appointment, now=NOW)
    assert report.credited == 0
    assert [(t.certificate.code, t.amount) for t in report.not_returned] == [
        (certificate.code, Decimal("95.00"))
    ]


@pytest.mark.django_db
def test_a_credit_back_onto_an_expired_certificate_is_a_new_load_that_can_be_spent(clinic_week):
    """Issued March 1, 2026 with 5-year expiry (March 1, 2031); $95 pays a session booked on
    February 27, 2031 for March 4. Cancelled on March 2, 2031, after expiry: the $95 goes back
    and, as a new load, the certificate runs to March 2, 2036, so the client can use it."""
    GiftSettings.objects.create(expiry_years=5)
    certificate = issued("150")
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2031-03-04 10:00"),
        client=ANN,
        gift_code=certificate.code,
        now=at("2031-02-27 09:00"),
    )
    cancelled_at = at("2031-03-02 09:00")

    cancel_appointment(appointment=appointment, now=cancelled_at)

    certificate.refresh_from_db()
    assert certificate.balance == Decimal("150.00") == ledger_sum(certificate)
    assert certificate.expires_at == at("2036-03-02 09:00")
    entry = redeem_gift_certificate(code=certificate.code, amount=Decimal("10"), now=cancelled_at)
    assert entry.balance_after == Decimal("140.00")


@pytest.mark.django_db
def test_a_credit_back_after_the_owner_stopped_expiry_still_runs_the_legal_minimum(clinic_week):
    """Expiry turned off after the certificate was issued with one: a credit back after that
    date keeps the certificate usable for at least 5 years from the credit."""
    settings_row = GiftSettings.objects.create(expiry_years=5)
    certificate = issued("150")
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2031-03-04 10:00"),
        client=ANN,
        gift_code=certificate.code,
        now=at("2031-02-27 09:00"),
    )
    settings_row.expiry_years = None
    settings_row.save()

    report = credit_back_for(appointment=appointment, now=at("2031-03-02 09:00"))

    certificate.refresh_from_db()
    assert report.credited == Decimal("95.00") and report.not_returned == ()
    assert certificate.expires_at == at("2036-03-02 09:00")


@pytest.mark.django_db
def test_adding_value_by_adjustment_after_the_owner_stopped_expiry_runs_the_legal_minimum():
    settings_row = GiftSettings.objects.create(expiry_years=5)
    certificate = issued("50")  # expires March 1, 2031
    settings_row.expiry_years = None
    settings_row.save()

    adjust_gift_certificate(
        certificate=certificate, amount=Decimal("10"), reason="Goodwill", now=at("2030-06-01 12:00")
    )

    certificate.refresh_from_db()
    assert certificate.expires_at == at("2035-06-01 12:00")


# Staff corrections -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_adjusting_needs_a_reason_and_never_takes_the_balance_below_zero(admin_user):
    certificate = issued("50")

    with pytest.raises(GiftCertificateError, match="reason"):
        adjust_gift_certificate(certificate=certificate, amount=Decimal("10"), reason="  ")
    with pytest.raises(GiftBalanceTooLow):
        adjust_gift_certificate(certificate=certificate, amount=Decimal("-50.01"), reason="Typo")
    up = adjust_gift_certificate(
        certificate=certificate, amount=Decimal("15"), reason="Goodwill", by=admin_user
    )

    assert (up.kind, up.amount, up.balance_after, up.by) == ("adjust", 15, 65, admin_user)
    assert balance(certificate) == Decimal("65.00") == ledger_sum(certificate)


@pytest.mark.django_db
def test_voiding_zeroes_the_balance_with_a_ledger_entry_and_stops_its_use():
    certificate = issued("80")
    redeem_gift_certificate(code=certificate.code, amount=Decimal("30"))

    entry = void_gift_certificate(certificate=certificate, reason="Refunded by card")

    assert (entry.kind, entry.amount, entry.balance_after) == ("void", -50, 0)
    certificate.refresh_from_db()
    assert certificate.status == "void" and certificate.void_reason == "Refunded by card"
    assert ledger_sum(certificate) == 0 == certificate.balance
    with pytest.raises(GiftNotChangeable):
        void_gift_certificate(certificate=certificate, reason="Again")
    with pytest.raises(GiftNotChangeable):
        resend_gift_certificate(certificate=certificate)


# Scheduled delivery ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scheduled_certificate_goes_out_on_its_day_once():
    day = timezone.localdate() + timedelta(days=3)
    certificate = issued(deliver_on=day)
    assert emails("gift_certificate") == [] and len(emails("gift_receipt")) == 1

    the_day_before = datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())
    assert deliver_due_gift_certificates(now=the_day_before - timedelta(minutes=1)) == 0
    assert deliver_due_gift_certificates(now=the_day_before + timedelta(hours=7)) == 1
    assert deliver_due_gift_certificates(now=the_day_before + timedelta(hours=8)) == 0

    (gift,) = emails("gift_certificate")
    assert gift.to == "rita@example.com"
    certificate.refresh_from_db()
    assert certificate.delivered_at == the_day_before + timedelta(hours=7)


@pytest.mark.django_db
def test_the_email_worker_delivers_due_certificates(demo):
    certificate = issued(deliver_on=timezone.localdate() + timedelta(days=1))
    GiftCertificate.objects.filter(pk=certificate.pk).update(deliver_on=timezone.localdate())

    call_command("send_pending_emails", stdout=io.StringIO())

    assert len(emails("gift_certificate")) == 1
    assert {e.status for e in OutboundEmail.objects.all()} <= {"sent"}


# Invariant 2 under random sequences and under concurrency --------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("redeem"), st.integers(1, 15000), st.none()),
        st.tuples(st.just("book"), st.none(), st.integers(0, 3)),
        st.tuples(st.just("desk"), st.integers(1, 15000), st.integers(0, 3)),
        st.tuples(st.just("credit"), st.none(), st.integers(0, 3)),
        st.tuples(st.just("adjust"), st.integers(-15000, 15000), st.none()),
    ),
    max_size=12,
)


@pytest.mark.django_db
def test_any_sequence_of_redeem_credit_and_adjust_keeps_the_balance_the_sum_of_its_ledger():
    """And each booking shows as paid by gift certificate what its redemptions took, never
    more than its price."""
    GiftSettings.objects.create(min_amount=Decimal("1"), max_amount=Decimal("300"))

    @settings(max_examples=60, deadline=None, database=None)
    @given(start=st.integers(100, 30000), operations=OPERATIONS)
    def run(start: int, operations: list) -> None:
        appointments = [AppointmentFactory() for _ in range(4)]  # $90 each, fresh per example
        certificate = issued(str(Decimal(start) / 100))
        expected = Decimal(start) / 100
        for kind, cents, index in operations:
            amount = Decimal(cents or 0) / 100
            try:
                if kind == "redeem":
                    redeem_gift_certificate(code=certificate.code, amount=amount)
                    expected -= amount
                elif kind == "adjust":
                    adjust_gift_certificate(certificate=certificate, amount=amount, reason="Test")
                    expected += amount
                elif kind == "book":
                    appointment = appointments[index]
                    expected -= redeem_for_appointment(
                        code=certificate.code, appointment=appointment
                    )
                elif kind == "desk":
                    redeem_gift_certificate(
                        code=certificate.code, amount=amount, appointment=appointments[index]
                    )
                    expected -= amount
                else:
                    expected += credit_back_for(appointment=appointments[index]).credited
            except GiftCertificateError:
                pass
            current = balance(certificate)
            assert current >= 0
            assert current == expected == ledger_sum(certificate)
            last = certificate.ledger.order_by("-pk").first()
            assert last.balance_after == current
            for appointment in Appointment.objects.filter(pk__in=[a.pk for a in appointments]):
                taken = appointment.gift_ledger.filter(kind="redeem").values_list("amount")
                assert appointment.gift_amount == -sum((a for (a,) in taken), Decimal("0"))
                assert 0 <= appointment.gift_amount <= appointment.price

    run()


def _redeem_race(code: str, amount: Decimal, threads: int = 20) -> tuple[int, int, list]:
    barrier = threading.Barrier(threads)
    spent, refused, crashed = [], [], []

    def attempt() -> None:
        try:
            barrier.wait()
            redeem_gift_certificate(code=code, amount=amount)
            spent.append(amount)
        except GiftBalanceTooLow:
            refused.append(amount)
        except Exception as error:  # noqa: BLE001 - any other failure is what the test reports
            crashed.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(spent), len(refused), crashed


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redemptions_never_spend_more_than_the_balance():
    certificate = issued("100")

    spent, refused, crashed = _redeem_race(certificate.code, Decimal("15.00"))

    assert crashed == []
    assert (spent, refused) == (6, 14)
    assert balance(certificate) == Decimal("10.00") == ledger_sum(certificate)
    assert GiftLedgerEntry.objects.filter(certificate=certificate, balance_after__lt=0).count() == 0


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_bookings_paying_with_one_certificate_book_only_what_it_covers(
    clinic_week,
):
    certificate = issued("200")  # two sessions of $95 and $10 of a third
    barrier = threading.Barrier(10)
    outcomes, crashed = [], []

    def attempt(n: int) -> None:
        details = ClientDetails(name=f"Client {n}", email=f"c{n}@example.com", phone="7175550100")
        try:
            barrier.wait()
            appointment = book_appointment(
                option=clinic_week.option,
                start=at(f"2026-03-{10 + n} 10:00"),
                client=details,
                gift_code=certificate.code,
                now=NOW,
            )
            outcomes.append(appointment.gift_amount)
        except GiftCertificateError:
            outcomes.append(None)
        except Exception as error:  # noqa: BLE001
            crashed.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert crashed == []
    assert sorted(a for a in outcomes if a is not None) == [10, 95, 95]
    assert Appointment.objects.count() == 3  # a refused certificate booked nothing
    assert balance(certificate) == 0 == ledger_sum(certificate)


@pytest.mark.django_db
def test_the_credit_back_of_a_booking_staff_cancel_names_who_cancelled_it(clinic_week):
    from django.contrib.auth.models import User

    desk = User.objects.create_user("desk", is_staff=True)
    card = issued("200")
    booked = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        gift_code=card.code,
        now=NOW,
    )

    cancel_appointment(appointment=booked, by=desk, reason="Client phoned", now=NOW)

    credit = GiftLedgerEntry.objects.get(appointment=booked, kind=GiftLedgerEntry.Kind.CREDIT)
    assert (credit.amount, credit.by) == (Decimal("95.00"), desk)
