"""Gift certificates: what the owner sells, each certificate's balance, and its ledger."""

import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from booking.clock import dollars
from booking.models.appointments import Appointment
from booking.models.catalog import ServiceOption
from focusedcare.cache import CATALOG, remembered

# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 symbols of 5 bits: 80 random bits
MIN_EXPIRY_YEARS = 5  # US CARD Act / Regulation E: never sooner than 5 years after issue or load


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    """192 random bits: the key to the printable certificate, distinct from the code."""
    return secrets.token_urlsafe(24)


def normalize_code(text: str) -> str:
    """A typed code as stored: case, spaces and dashes ignored; I and L read as 1, O as 0."""
    cleaned = "".join(ch for ch in str(text).upper() if not ch.isspace() and ch not in "-‐–—")
    return cleaned.translate(str.maketrans("ILO", "110"))


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def format_code(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX, for reading aloud and typing."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _validate_presets(value: str) -> None:
    try:
        amounts = parse_amounts(value)
    except ValueError as error:
        raise ValidationError(
            "List whole-dollar amounts separated by commas, e.g. 50, 100, 150."
        ) from error
    if not amounts or len(amounts) > 8:
        raise ValidationError("Give between one and eight amounts.")


def parse_amounts(value: str) -> list[Decimal]:
    """Whole-dollar amounts from "50, $100, 150"; ValueError for anything else (words, NaN,
    Infinity, cents, zero or less)."""
    amounts = []
    for part in value.replace("$", "").split(","):
        if not part.strip():
            continue
        try:
            amount = Decimal(part.strip())
            if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value():
                raise ValueError(part)
            amounts.append(amount.quantize(Decimal("1")))  # more digits than a Decimal holds
        except InvalidOperation as error:
            raise ValueError(part) from error
    return sorted(set(amounts))


class GiftSettings(models.Model):
    """One row: what the owner offers. Read through `current()`, which falls back to defaults."""

    preset_amounts = models.CharField(
        max_length=100,
        default="50, 100, 150",
        validators=[_validate_presets],
        help_text="Whole-dollar amounts offered as buttons, separated by commas.",
    )
    min_amount = models.DecimalField(
        "smallest custom amount",
        max_digits=8,
        decimal_places=2,
        default=Decimal("25.00"),
        validators=[MinValueValidator(Decimal("1.00"))],
    )
    max_amount = models.DecimalField(
        "largest custom amount",
        max_digits=8,
        decimal_places=2,
        default=Decimal("500.00"),
    )
    expiry_years = models.PositiveSmallIntegerField(
        "expires after (years)",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_EXPIRY_YEARS)],
        help_text="Left empty, certificates never expire. US law: never sooner than 5 years.",
    )

    class Meta:
        verbose_name = "gift certificate settings"
        verbose_name_plural = "gift certificate settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_years__isnull=True)
                | models.Q(expiry_years__gte=MIN_EXPIRY_YEARS),
                name="gift_expiry_at_least_five_years",
                violation_error_message="Certificates may not expire sooner than 5 years.",
            ),
            models.CheckConstraint(
                condition=models.Q(min_amount__gte=1)
                & models.Q(max_amount__gte=models.F("min_amount")),
                name="gift_amount_limits_in_order",
                violation_error_message="The largest amount must be at least the smallest.",
            ),
        ]

    def __str__(self) -> str:
        return "Gift certificate settings"

    @classmethod
    def current(cls) -> "GiftSettings":
        """Read once per catalog change and shared between requests: never change it."""
        return remembered("gift_settings", cls._read, CATALOG)

    @classmethod
    def _read(cls) -> "GiftSettings":
        return cls.objects.order_by("pk").first() or cls()

    @property
    def presets(self) -> list[Decimal]:
        try:
            return parse_amounts(self.preset_amounts)
        except ValueError:
            return []


class GiftCertificateQuerySet(models.QuerySet):
    def outstanding(self, now: datetime | None = None) -> "GiftCertificateQuerySet":
        """Active certificates that can still be spent: the owner's liability."""
        now = now or timezone.now()
        return self.filter(status=GiftCertificate.Status.ACTIVE).exclude(expires_at__lte=now)


class GiftCertificate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        ACTIVE = "active", "Active"
        VOID = "void", "Void"

    class Payment(models.TextChoices):
        CLINIC = "clinic", "At the clinic"
        STRIPE = "stripe", "Online (Stripe)"

    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    amount = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="The value when bought (a service: its price)."
    )
    balance = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    option = models.ForeignKey(
        ServiceOption,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gift_certificates",
        help_text="The service given, when it was a service rather than an amount.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="The service given, as named when bought."
    )
    buyer_name = models.CharField(max_length=120)
    buyer_email = models.EmailField()
    recipient_name = models.CharField(max_length=120, blank=True)
    recipient_email = models.EmailField(
        blank=True, help_text="Left empty, the certificate goes to the buyer to print."
    )
    message = models.TextField(blank=True, validators=[MaxLengthValidator(500)])
    deliver_on = models.DateField(
        null=True, blank=True, help_text="Sent on this day (clinic time); empty: when paid."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    payment = models.CharField(max_length=10, choices=Payment, default=Payment.CLINIC)
    paid_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    stripe_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    void_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = GiftCertificateQuerySet.as_manager()
    # Balance changes are the ledger's; this keeps who changed what else (status, recipient...).
    history = HistoricalRecords(excluded_fields=["code", "token"])

    class Meta:
        ordering = ["-created_at"]
        permissions = [("adjust_giftcertificate", "Can void or adjust gift certificates")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="gift_balance_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="gift_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} ({dollars(self.amount)})"

    def get_absolute_url(self) -> str:
        return reverse("booking:gift_certificate", kwargs={"token": self.token})

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """Pending, active, expired or void: expiry is derived from the date, never stored."""
        if self.status == self.Status.ACTIVE and self.is_expired:
            return "expired"
        return self.status

    @property
    def state_label(self) -> str:
        return "Expired" if self.state == "expired" else self.get_status_display()

    @property
    def is_usable(self) -> bool:
        return self.state == self.Status.ACTIVE

    @property
    def takes_credit_back(self) -> bool:
        """Whether a cancelled booking's share can go back onto it: an active one, expired or
        not (the ledger treats the credit as a new load and moves its expiry). A void one was
        refunded or sold in error: value put back there would be lost without anyone noticing,
        so staff settle that amount with the client instead."""
        return self.status == self.Status.ACTIVE

    @property
    def for_buyer_to_print(self) -> bool:
        return not self.recipient_email

    @property
    def delivery_email(self) -> str:
        return self.recipient_email or self.buyer_email

    @property
    def what(self) -> str:
        return self.description or dollars(self.amount)


class GiftLedgerEntry(models.Model):
    """One change of a certificate's balance, written in the same transaction as the change:
    the entries of a certificate always add up to its balance."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "Issued"
        REDEEM = "redeem", "Redeemed"
        CREDIT = "credit", "Credited back"
        ADJUST = "adjust", "Adjusted"
        VOID = "void", "Voided"

    certificate = models.ForeignKey(
        GiftCertificate, on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    amount = models.DecimalField(max_digits=8, decimal_places=2, help_text="Signed.")
    balance_after = models.DecimalField(max_digits=8, decimal_places=2)
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gift_ledger",
    )
    reason = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "gift certificate ledger entry"
        verbose_name_plural = "gift certificate ledger"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="gift_ledger_balance_not_negative"
            ),
            # A booking takes from a certificate once, and is credited back once.
            models.UniqueConstraint(
                fields=["certificate", "appointment", "kind"],
                condition=models.Q(kind__in=["redeem", "credit"], appointment__isnull=False),
                name="gift_once_per_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+} on {self.certificate.display_code}"


class ProcessedStripeEvent(models.Model):
    """Stripe delivers an event at least once, in any order: each id is applied once."""

    event_id = models.CharField(max_length=255, primary_key=True)
    kind = models.CharField(max_length=100)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "processed Stripe event"

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
