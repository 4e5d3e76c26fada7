"""Gift certificate pages over HTTP: buying, bad input, the printable certificate, the balance
check and its rate limit (also across two app servers), Stripe Checkout and its webhook, and
applying a code at the booking flow's review step."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone

from booking.models import (
    Appointment,
    GiftCertificate,
    GiftLedgerEntry,
    OutboundEmail,
    ProcessedStripeEvent,
)
from booking.services.gift_certificates.ledger import redeem_gift_certificate, void_gift_certificate
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.booking.test_views_book import DETAILS, flow
from tests.servers import Visitor, app_servers

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = "/gift-certificates/stripe/webhook/"
ORDER = {
    "gift": "custom",
    "custom_amount": "120",
    "buyer_name": "Bea Buyer",
    "buyer_email": "bea@example.com",
    "send_to": "recipient",
    "recipient_name": "Rita Recipient",
    "recipient_email": "rita@example.com",
    "message": "Happy birthday! Enjoy.",
    "deliver": "now",
}


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def alert_text(response) -> str:
    return " ".join(a.get_text(" ", strip=True) for a in page(response).find_all(role="alert"))


@pytest.fixture
def demo(demo):
    """The demo clinic without its demo gift certificate: each test counts its own."""
    GiftLedgerEntry.objects.all().delete()
    GiftCertificate.objects.all().delete()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def issued(amount: str = "100", **fields) -> GiftCertificate:
    certificate = purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        recipient_name="Rita Recipient",
        recipient_email="rita@example.com",
        amount=Decimal(amount),
        **fields,
    )
    return mark_gift_certificate_paid(certificate=certificate)


# Buying ----------------------------------------------------------------------------------------


def test_the_gift_page_offers_amounts_services_and_shows_the_terms(client, demo):
    response = client.get("/gift-certificates/")
    html = page(response)
    text = html.get_text(" ", strip=True)

    assert response.status_code == 200
    assert len(html.find_all("h1")) == 1
    values = [i["value"] for i in html.find_all("input", attrs={"name": "gift"})]
    assert values[:4] == ["amount-50", "amount-100", "amount-150", "custom"]
    assert any(v.startswith("option-") for v in values)
    # Each massage is a group of its lengths, named by its legend.
    hot_stone = next(
        group
        for group in html.select("fieldset.gift-service")
        if group.legend.get_text(strip=True) == "Hot Stone Therapy"
    )
    labels = [label.get_text(strip=True) for label in hot_stone.find_all("label")]
    assert labels == ["60 min, $105.00", "90 min, $145.00"]
    assert "No fees" in text and "never expires" in text
    assert "pay at the clinic" in text
    for field in html.find_all(["input", "textarea"]):
        if field.get("type") not in ("hidden", "radio", "checkbox"):
            assert html.find("label", attrs={"for": field["id"]}), field["name"]


def test_fields_that_depend_on_a_choice_sit_in_the_wrapper_shown_with_that_choice(client, demo):
    """The page shows them only once their choice is ticked, with CSS alone (site.css)."""
    html = page(client.get("/gift-certificates/"))

    for field, wrapper in [
        ("custom_amount", "reveal-custom"),
        ("recipient_email", "reveal-recipient"),
        ("deliver_on", "reveal-later"),
    ]:
        assert html.find(id=f"id_{field}").find_parent(class_=wrapper), field
    css = (ROOT / "static" / "css" / "site.css").read_text()
    assert 'input[name="gift"][value="custom"]:checked) .reveal-custom' in css
    assert 'input[name="send_to"][value="recipient"]:checked) .reveal-recipient' in css
    assert 'input[name="deliver"][value="later"]:checked) .reveal-later' in css


def test_a_rejected_custom_amount_stays_in_view_with_its_message(client, demo):
    response = client.post("/gift-certificates/", {**ORDER, "custom_amount": "lots"})

    html = page(response)
    assert response.status_code == 400
    field = html.find(id="id_custom_amount")
    assert field["value"] == "lots" and "is-invalid" in field["class"]
    assert html.find(id="id_gift_0_3").has_attr("checked")  # "Another amount" still ticked


def test_ordering_to_pay_at_the_clinic_waits_for_payment_and_says_how(client, demo):
    response = client.post("/gift-certificates/", ORDER)

    certificate = GiftCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/gift-certificates/{certificate.token}/thanks/"
    assert certificate.status == "pending" and certificate.amount == Decimal("120.00")
    assert certificate.payment == "clinic" and certificate.message == "Happy birthday! Enjoy."
    thanks = client.get(response["Location"])
    assert "Pay at the clinic" in thanks.content.decode()
    assert certificate.code not in thanks.content.decode()
    assert thanks["X-Robots-Tag"] == "noindex, nofollow"


def test_a_service_is_given_at_its_price(client, demo):
    from booking.models import ServiceOption

    option = ServiceOption.objects.get(service__slug="hot-stone-therapy", duration_minutes=90)

    client.post("/gift-certificates/", {**ORDER, "gift": f"option-{option.pk}"})

    certificate = GiftCertificate.objects.get()
    assert certificate.amount == option.price and certificate.option == option


def test_a_later_delivery_date_is_kept_and_send_it_to_me_needs_no_recipient(client, demo):
    day = timezone.localdate() + timedelta(days=10)
    order = {**ORDER, "send_to": "me", "recipient_email": "", "deliver": "later"}

    client.post("/gift-certificates/", {**order, "deliver_on": day.isoformat()})

    certificate = GiftCertificate.objects.get()
    assert certificate.deliver_on == day and certificate.recipient_email == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"custom_amount": "abc"}, "custom_amount", "in dollars"),
        ({"custom_amount": "1e5"}, "custom_amount", "in dollars"),
        ({"custom_amount": ""}, "custom_amount", "enter the amount"),
        ({"custom_amount": "10"}, "custom_amount", "from $25.00 to $500.00"),
        ({"custom_amount": "100000"}, "custom_amount", "from $25.00 to $500.00"),
        ({"custom_amount": "-40"}, "custom_amount", "in dollars"),
        ({"gift": "amount-7"}, "gift", "Select a valid choice"),
        ({"gift": "option-999999"}, "gift", "Select a valid choice"),
        ({"gift": ""}, "gift", "choose an amount"),
        ({"buyer_email": "bea-at-example"}, "buyer_email", "valid email"),
        ({"recipient_email": "rita@"}, "recipient_email", "valid email"),
        ({"recipient_email": ""}, "recipient_email", "their email"),
        ({"buyer_name": " "}, "buyer_name", "required"),
        ({"message": "x" * 501}, "message", "at most 500"),
        ({"deliver": "later", "deliver_on": "2020-01-01"}, "deliver_on", "in the past"),
        ({"deliver": "later", "deliver_on": "2026-02-30"}, "deliver_on", "like 2026-12-24"),
        ({"deliver": "later", "deliver_on": ""}, "deliver_on", "choose the day"),
    ],
)
def test_bad_orders_get_a_clear_message_a_400_what_was_typed_and_no_record(
    client, demo, changes, field, message
):
    response = client.post("/gift-certificates/", {**ORDER, **changes})

    assert response.status_code == 400
    assert message in alert_text(response)
    kept = page(response).find(attrs={"name": "buyer_email"})
    assert kept["value"] == changes.get("buyer_email", ORDER["buyer_email"])
    assert not GiftCertificate.objects.exists()
    assert not OutboundEmail.objects.exists()


# The printable certificate -----------------------------------------------------------------------


def test_the_printable_certificate_shows_the_code_message_and_a_qr_code_once_paid(client, demo):
    certificate = purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        amount=Decimal("75"),
        message="For your back <3",
    )
    url = f"/gift-certificates/{certificate.token}/"

    pending = client.get(url)
    assert certificate.code not in pending.content.decode()
    assert "isn't paid yet" in pending.content.decode()

    mark_gift_certificate_paid(certificate=certificate)
    response = client.get(url)
    html = page(response)

    assert response.status_code == 200 and len(html.find_all("h1")) == 1
    assert certificate.display_code in html.get_text()
    assert "For your back <3" in html.get_text() and "$75.00" in html.get_text()
    svg = html.find("svg")
    assert svg is not None and svg.get("role") == "img" and not svg.get("style")
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_certificate_link_is_404(client, demo):
    certificate = issued()

    other = "y" if certificate.token.endswith("x") else "x"
    tampered = f"{certificate.token[:-1]}{other}"
    assert client.get(f"/gift-certificates/{tampered}/").status_code == 404
    assert client.get(f"/gift-certificates/{certificate.code}/").status_code == 404


# The balance page ----------------------------------------------------------------------------


def test_the_balance_page_shows_balance_status_and_expiry_and_nothing_about_the_buyer(client, demo):
    certificate = issued("100")
    redeem_gift_certificate(code=certificate.code, amount=Decimal("30"))

    typed = certificate.display_code.lower().replace("-", " ")
    response = client.post("/gift-certificates/balance/", {"code": typed})

    text = page(response).get_text(" ", strip=True)
    assert response.status_code == 200
    assert "Balance: $70.00" in text and "Active" in text and "Never" in text
    for private in ("Bea", "bea@example.com", "Rita", "rita@example.com"):
        assert private not in text


def test_the_code_is_never_read_from_the_address(client, demo):
    certificate = issued()

    response = client.get(f"/gift-certificates/balance/?code={certificate.code}")

    assert response.status_code == 200 and "$100.00" not in response.content.decode()
    assert page(response).find("form")["method"] == "post"


def test_unknown_void_unpaid_and_expired_codes_get_the_same_answer(client, demo):
    void = issued()
    void_gift_certificate(certificate=void, reason="Refund")
    expired = issued()
    GiftCertificate.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    pending = purchase_gift_certificate(buyer_name="Bo", buyer_email="b@example.com", amount=50)

    answers = set()
    for code in ("ABCD-EFGH-JKMN-PQRS", void.code, expired.code, pending.code):
        response = client.post("/gift-certificates/balance/", {"code": code})
        assert response.status_code == 404
        answers.add(alert_text(response))

    assert len(answers) == 1


@pytest.mark.parametrize("code", ["", "short", "ABCD-EFGH-JKMN-PQRU", "x" * 41, "💳" * 16])
def test_malformed_codes_get_a_clear_message_and_400(client, demo, code):
    response = client.post("/gift-certificates/balance/", {"code": code})

    assert response.status_code == 400
    assert alert_text(response)


def test_the_balance_page_answers_429_after_the_configured_attempts_per_address(
    client, demo, settings
):
    settings.GIFT_BALANCE_RATE = "3/h"
    certificate = issued()

    statuses = [
        client.post("/gift-certificates/balance/", {"code": "ABCD-EFGH-JKMN-PQRS"}).status_code
        for _ in range(3)
    ]
    blocked = client.post("/gift-certificates/balance/", {"code": certificate.code})
    elsewhere = client.post(
        "/gift-certificates/balance/", {"code": certificate.code}, REMOTE_ADDR="10.0.0.9"
    )

    assert statuses == [404, 404, 404]
    assert blocked.status_code == 429 and "$100.00" not in blocked.content.decode()
    assert "Too many gift certificate codes" in alert_text(blocked)
    assert 3600 <= int(blocked["Retry-After"]) <= 3960  # a window, and at most a tenth more
    assert elsewhere.status_code == 200


def test_forwarded_addresses_count_only_when_a_proxy_is_configured(client, demo, settings):
    settings.GIFT_BALANCE_RATE = "1/h"
    post = lambda ip: client.post(  # noqa: E731
        "/gift-certificates/balance/", {"code": "nope"}, HTTP_X_FORWARDED_FOR=ip
    )

    assert [post("1.1.1.1").status_code, post("2.2.2.2").status_code] == [400, 429]
    settings.PROXY_COUNT = 1
    assert [post("3.3.3.3").status_code, post("4.4.4.4").status_code] == [400, 400]


def test_the_rate_limit_holds_across_two_app_servers_sharing_the_cache(tmp_path):
    """Two gunicorn processes, one Redis database (13), one SQLite file: the attempts are
    counted together, whichever server answers."""
    with app_servers(tmp_path, redis_db=13, GIFT_BALANCE_RATE="4/h") as servers:
        visitors = [Visitor() for _ in servers]
        for visitor, base in zip(visitors, servers, strict=True):
            visitor.get(f"{base}/gift-certificates/balance/")

        statuses = [
            visitors[n % 2].post(
                f"{servers[n % 2]}/gift-certificates/balance/", {"code": "ABCD-EFGH-JKMN-PQRS"}
            )[0]
            for n in range(7)
        ]

    assert statuses == [404, 404, 404, 404, 429, 429, 429]


# Stripe ----------------------------------------------------------------------------------------

SECRET = "whsec_test_secret"


class _FakeStripe(BaseHTTPRequestHandler):
    """Stripe's API at its HTTP boundary: creates checkout sessions, remembers what was asked."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.requests.append((self.path, parse_qs(body), self.headers.get("Authorization")))
        if self.server.fail:
            payload, status = {"error": {"type": "api_error", "message": "Down"}}, 500
        else:
            number = len(self.server.requests)
            payload = {
                "id": f"cs_test_{number}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/cs_test_{number}",
            }
            status = 200
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stripe_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeStripe)
    server.requests, server.fail = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_focusedcare"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def sign(payload: str, secret: str = SECRET, at: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>."""
    at = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(certificate: GiftCertificate, event_id: str = "evt_1", **changes) -> str:
    session = {
        "id": certificate.stripe_session_id,
        "object": "checkout.session",
        "client_reference_id": f"gift-{certificate.pk}",
        "amount_total": int(certificate.amount * 100),
        "currency": "usd",
        "payment_status": "paid",
        **changes.pop("session", {}),
    }
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": session},
            **changes,
        }
    )


def deliver(client, payload: str, signature: str | None = None):
    return client.post(
        WEBHOOK,
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature or sign(payload),
    )


@pytest.fixture
def checkout(client, demo, stripe_api) -> GiftCertificate:
    response = client.post("/gift-certificates/", ORDER)
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    return GiftCertificate.objects.get()


def test_with_stripe_keys_the_buyer_is_sent_to_checkout_for_the_right_amount(
    client, demo, stripe_api
):
    assert "Continue to payment" in client.get("/gift-certificates/").content.decode()

    client.post("/gift-certificates/", ORDER)

    certificate = GiftCertificate.objects.get()
    assert certificate.status == "pending" and certificate.payment == "stripe"
    assert certificate.stripe_session_id == "cs_test_1"
    ((path, form, auth),) = stripe_api.requests
    assert path == "/v1/checkout/sessions" and auth == "Bearer sk_test_focusedcare"
    assert form["line_items[0][price_data][unit_amount]"] == ["12000"]
    assert form["line_items[0][price_data][currency]"] == ["usd"]
    assert form["client_reference_id"] == [f"gift-{certificate.pk}"]
    assert form["success_url"][0].endswith(f"/gift-certificates/{certificate.token}/thanks/")
    assert not OutboundEmail.objects.exists()  # nothing is sent before Stripe says it is paid


def test_a_signed_webhook_issues_the_certificate_once_even_when_replayed(client, checkout):
    payload = event(checkout)

    first = deliver(client, payload)
    replay = deliver(client, payload)
    other_event = deliver(
        client, event(checkout, "evt_2", type="checkout.session.async_payment_succeeded")
    )

    checkout.refresh_from_db()
    assert first.status_code == 200 and first.json() == {"outcome": "issued"}
    assert replay.status_code == 200 and replay.json() == {"outcome": "duplicate"}
    assert other_event.json() == {"outcome": "already issued"}
    assert checkout.status == "active" and checkout.balance == Decimal("120.00")
    assert GiftLedgerEntry.objects.filter(kind="issue").count() == 1
    assert OutboundEmail.objects.filter(kind="gift_certificate").count() == 1
    assert OutboundEmail.objects.filter(kind="gift_receipt").count() == 1
    assert ProcessedStripeEvent.objects.count() == 2


@pytest.mark.parametrize(
    "signature",
    [
        "t=1,v1=deadbeef",
        "",
        "garbage",
        "wrong secret",
        "too old",
    ],
)
def test_a_bad_signature_is_refused_with_400_and_nothing_is_issued(client, checkout, signature):
    payload = event(checkout)
    if signature == "wrong secret":
        signature = sign(payload, secret="whsec_someone_else")
    elif signature == "too old":
        signature = sign(payload, at=int(time.time()) - 3600)

    response = deliver(client, payload, signature=signature or "t=0")

    checkout.refresh_from_db()
    assert response.status_code == 400
    assert checkout.status == "pending" and checkout.balance == 0
    assert not GiftLedgerEntry.objects.exists() and not ProcessedStripeEvent.objects.exists()


def test_a_tampered_payload_is_refused(client, checkout):
    payload = event(checkout)
    signature = sign(payload)

    response = deliver(client, payload.replace("12000", "1"), signature=signature)

    assert response.status_code == 400
    assert not GiftLedgerEntry.objects.exists()


def test_a_payment_that_arrives_before_the_session_id_was_saved_still_issues(client, checkout):
    session_id = checkout.stripe_session_id
    GiftCertificate.objects.filter(pk=checkout.pk).update(stripe_session_id=None)
    checkout.stripe_session_id = session_id

    response = deliver(client, event(checkout))

    checkout.refresh_from_db()
    assert response.json() == {"outcome": "issued"}
    assert checkout.status == "active" and checkout.stripe_session_id == session_id


def test_an_unknown_session_is_refused_so_stripe_retries_and_nothing_is_recorded(client, checkout):
    payload = event(checkout, session={"id": "cs_unknown", "client_reference_id": "someone-else"})

    response = deliver(client, payload)

    assert response.status_code == 400
    assert not ProcessedStripeEvent.objects.exists()
    checkout.refresh_from_db()
    assert checkout.status == "pending"


def test_a_wrong_amount_or_an_unpaid_session_issues_nothing(client, checkout):
    wrong = deliver(client, event(checkout, "evt_a", session={"amount_total": 100}))
    unpaid = deliver(client, event(checkout, "evt_b", session={"payment_status": "unpaid"}))
    other = deliver(client, event(checkout, "evt_c", type="customer.created"))

    assert wrong.status_code == 400
    assert unpaid.json() == {"outcome": "ignored"} and other.json() == {"outcome": "ignored"}
    checkout.refresh_from_db()
    assert checkout.status == "pending" and not GiftLedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"id": "evt_x"}', '{"id":1,"type":"x","data":{"object":7}}']
)
def test_a_malformed_but_signed_payload_gets_400_not_500(client, checkout, body):
    assert deliver(client, body).status_code == 400


def test_the_webhook_takes_only_post(client, checkout):
    assert client.get(WEBHOOK).status_code == 405


def test_when_stripe_is_down_the_buyer_gets_a_message_not_a_500(client, demo, stripe_api):
    stripe_api.fail = True

    response = client.post("/gift-certificates/", ORDER)

    assert response.status_code == 503
    assert "Online payment isn't available" in alert_text(response)
    assert page(response).find(attrs={"name": "recipient_email"})["value"] == "rita@example.com"
    assert not GiftCertificate.objects.exists()


# Redeeming at the booking flow's review step -----------------------------------------------------


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def review(client, day, **extra):
    return client.post("/book/", {**flow(day), **DETAILS, **extra})


def test_applying_a_code_at_review_shows_what_it_pays_and_what_is_due(client, clinic_week, day):
    certificate = issued("60")

    response = review(client, day, gift_code=certificate.display_code.lower(), apply_gift="1")

    text = page(response).get_text(" ", strip=True)
    assert response.status_code == 200
    assert "Gift certificate −$60.00" in text and "Due at the clinic $35.00" in text
    assert not Appointment.objects.exists()
    assert GiftCertificate.objects.get().balance == Decimal("60.00")  # nothing spent yet

    shown = page(response).find("input", attrs={"name": "gift_shown"})["value"]
    booked = review(client, day, gift_code=certificate.display_code, gift_shown=shown, confirm="1")

    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    assert appointment.gift_amount == Decimal("60.00")
    shown = page(client.get(booked["Location"])).get_text(" ", strip=True)
    assert "Due at the clinic $35.00" in shown


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["ZZZZ-ZZZZ-ZZZZ-ZZZZ"], "can't find a gift certificate"),
        (["hello"], "16 letters and numbers"),
        (["SAME", "same"], "already applied"),
        (["ABCD-EFGH-JKMN-PQRS", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"], "One gift certificate"),
    ],
)
@pytest.mark.parametrize("button", ["apply_gift", "confirm"])
def test_a_bad_or_doubled_code_is_refused_at_review_with_400_and_nothing_booked(
    client, clinic_week, day, codes, message, button
):
    certificate = issued("60")
    codes = [certificate.code if c.upper() == "SAME" else c for c in codes]

    response = review(client, day, gift_code=codes, **{button: "1"})

    assert response.status_code == 400
    assert message in alert_text(response)
    assert page(response).find("input", attrs={"name": "gift_code"})["value"] == codes[0]
    assert not Appointment.objects.exists()
    assert GiftCertificate.objects.get().balance == Decimal("60.00")


def test_codes_tried_at_the_review_step_share_the_balance_pages_limit(
    client, clinic_week, day, settings
):
    settings.GIFT_BALANCE_RATE = "3/h"
    certificate = issued("60")
    client.post("/gift-certificates/balance/", {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})

    tries = [
        review(client, day, gift_code="ZZZZ-ZZZZ-ZZZZ-ZZZZ", apply_gift="1").status_code
        for _ in range(2)
    ]
    blocked = review(client, day, gift_code=certificate.code, confirm="1")
    without_code = review(client, day, confirm="1")

    assert tries == [400, 400]
    assert blocked.status_code == 429 and "Too many" in alert_text(blocked)
    assert without_code.status_code == 302  # booking without a code is never blocked
    assert Appointment.objects.get().gift_amount == 0


def test_a_certificate_spent_between_review_and_confirm_books_nothing(client, clinic_week, day):
    certificate = issued("60")
    review(client, day, gift_code=certificate.code, apply_gift="1")
    redeem_gift_certificate(code=certificate.code, amount=Decimal("60"))

    response = review(client, day, gift_code=certificate.code, confirm="1")

    assert response.status_code == 400
    assert "no balance left" in alert_text(response)
    assert not Appointment.objects.exists()
