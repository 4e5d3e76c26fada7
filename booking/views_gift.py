"""Gift certificates on the public site: buy, thank you, the printable certificate, the balance
check and Stripe's webhook. The rules live in booking/services/gift_certificates/."""

import json
import logging

import segno
import stripe
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking.exceptions import (
    GiftAmountInvalid,
    GiftCertificateError,
    GiftCodeMalformed,
)
from booking.forms import BalanceForm, GiftPurchaseForm
from booking.models import GiftCertificate, GiftSettings, ServiceOption
from booking.models.gift_certificates import MIN_EXPIRY_YEARS
from booking.ratelimit import (
    GIFT_CODES,
    GIFT_EMAILS_PER_ADDRESS,
    GIFT_ORDERS_PER_ADDRESS,
    client_address,
    take,
)
from booking.selectors import find_usable_certificate
from booking.services.gift_certificates.sales import purchase_gift_certificate
from booking.services.gift_certificates.stripe_checkout import (
    StripeEventRejected,
    abandon_gift_order,
    apply_stripe_event,
    start_stripe_checkout,
    stripe_enabled,
)
from booking.views import private
from focusedcare.pagecache import cached_page

logger = logging.getLogger(__name__)


def _terms() -> dict:
    gift_settings = GiftSettings.current()
    return {"gift_settings": gift_settings, "min_expiry_years": MIN_EXPIRY_YEARS}


@require_http_methods(["GET", "POST"])
@cached_page
def gift_certificates(request: HttpRequest) -> HttpResponse:
    gift_settings = GiftSettings.current()
    options = (
        ServiceOption.objects.filter(is_active=True, service__is_active=True)
        .select_related("service")
        .order_by("service__order", "service__name", "duration_minutes")
    )
    form = GiftPurchaseForm(
        request.POST if request.method == "POST" else None,
        options=list(options),
        presets=gift_settings.presets,
    )
    online = stripe_enabled()
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payment = GiftCertificate.Payment.STRIPE if online else GiftCertificate.Payment.CLINIC
        uses = [(GIFT_ORDERS_PER_ADDRESS, client_address(request))]
        if data["recipient_email"]:  # a certificate emailed to someone else
            uses.append((GIFT_EMAILS_PER_ADDRESS, client_address(request)))
        if refusal := take(*uses):
            form.add_error(None, refusal.message)
            context = {"form": form, "online": online, **_terms()}
            return refusal.apply(render(request, "booking/gift_certificates.html", context))
        try:
            certificate = purchase_gift_certificate(
                amount=data["amount"],
                option=data["option"],
                buyer_name=data["buyer_name"],
                buyer_email=data["buyer_email"],
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                deliver_on=data["deliver_on"],
                payment=payment,
            )
        except GiftAmountInvalid as error:
            form.add_error("custom_amount" if data["gift"] == "custom" else "gift", error.message)
        except GiftCertificateError as error:
            form.add_error(None, error.message)
        else:
            thanks = reverse("booking:gift_thanks", kwargs={"token": certificate.token})
            if not online:
                return redirect(thanks)
            try:
                checkout_url = start_stripe_checkout(
                    certificate=certificate,
                    success_url=request.build_absolute_uri(thanks),
                    cancel_url=request.build_absolute_uri(reverse("booking:gift_certificates")),
                )
            except (stripe.StripeError, GiftCertificateError):
                logger.exception("Stripe Checkout could not start for gift %s", certificate.pk)
                abandon_gift_order(certificate=certificate)
                form.add_error(
                    None,
                    "Online payment isn't available right now. Please try again in a few "
                    "minutes, or call the clinic.",
                )
                status = 503
            else:
                return redirect(checkout_url)
    if form.is_bound and form.errors and status == 200:
        status = 400
    context = {"form": form, "online": online, **_terms()}
    return render(request, "booking/gift_certificates.html", context, status=status)


def _certificate(token: str) -> GiftCertificate:
    certificate = GiftCertificate.objects.select_related("option__service").filter(token=token)
    found = certificate.first()
    if found is None:
        raise Http404("No gift certificate has this link.")
    return found


@never_cache
@require_GET
def gift_thanks(request: HttpRequest, token: str) -> HttpResponse:
    certificate = _certificate(token)
    context = {
        "certificate": certificate,
        "deliver_on": certificate.deliver_on,
        "waiting_for_stripe": certificate.status == GiftCertificate.Status.PENDING
        and certificate.payment == GiftCertificate.Payment.STRIPE,
    }
    return private(render(request, "booking/gift_thanks.html", context))


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no style attributes, so the strict CSP allows it)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, title="QR code: check this certificate's balance", svgclass="qr"
    )
    labelled = svg.replace("<svg ", '<svg role="img" aria-label="QR code to the balance page" ', 1)
    return mark_safe(labelled)  # nosec B308, B703 # segno's own markup; the URL is ours


@never_cache
@require_GET
def gift_certificate(request: HttpRequest, token: str) -> HttpResponse:
    """The printable certificate: the code is shown only once it is paid."""
    certificate = _certificate(token)
    balance_url = f"{settings.SITE_URL}{reverse('booking:gift_balance')}"
    context = {
        "certificate": certificate,
        "balance_url": balance_url,
        "book_url": f"{settings.SITE_URL}{reverse('booking:book')}",
        "qr": qr_svg(balance_url) if certificate.status == GiftCertificate.Status.ACTIVE else "",
        "expires": timezone.localtime(certificate.expires_at) if certificate.expires_at else None,
    }
    return private(render(request, "booking/gift_certificate.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
@cached_page
def gift_balance(request: HttpRequest) -> HttpResponse:
    """The code comes by POST only (never in an address, so never in logs or history), and
    each client address gets GIFT_BALANCE_RATE tries (booking/ratelimit.py)."""
    form = BalanceForm(request.POST if request.method == "POST" else None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if refusal := take((GIFT_CODES, client_address(request))):
            context["error"] = refusal.message
            return private(refusal.apply(render(request, "booking/gift_balance.html", context)))
        if form.is_valid():
            try:
                certificate = find_usable_certificate(form.cleaned_data["code"])
            except GiftCodeMalformed as error:
                form.add_error("code", error.message)
                status = 400
            except GiftCertificateError as error:
                form.add_error("code", error.message)
                status = 404
            else:
                context["certificate"] = certificate
                context["expires"] = (
                    timezone.localtime(certificate.expires_at) if certificate.expires_at else None
                )
        else:
            status = 400
    return private(render(request, "booking/gift_balance.html", context, status=status))


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events, signature checked. 200: applied, or already applied, or not ours to act
    on; 400: bad signature or payload, or a payment we cannot match yet (Stripe retries)."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Http404("Online payment is not configured.")
    try:
        # What stripe.Webhook.construct_event checks (t=..., v1=HMAC-SHA256, 5 minutes'
        # tolerance); the JSON is then read here, as construct_event fails on signed non-objects.
        payload = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        session = event["data"]["object"]
        if not isinstance(session, dict):
            raise TypeError("data.object is not an object")
    except stripe.SignatureVerificationError:
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Bad payload.", status=400, content_type="text/plain")
    try:
        outcome = apply_stripe_event(event_id=event_id, event_type=event_type, session=session)
    except StripeEventRejected as error:
        logger.warning("Stripe event %s not applied: %s", event_id, error.message)
        return HttpResponse(error.message, status=400, content_type="text/plain")
    return JsonResponse({"outcome": outcome})
