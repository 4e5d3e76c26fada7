"""Emails waiting to be sent: written in the booking's transaction, sent by a worker after it."""

from django.db import models
from django.utils import timezone


class OutboundEmailQuerySet(models.QuerySet):
    def due(self) -> "OutboundEmailQuerySet":
        return self.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=timezone.now())


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"
        SKIPPED = "skipped", "Not needed any more"

    kind = models.CharField(max_length=40)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True, help_text="A calendar file attached as invite.ics.")
    appointment = models.ForeignKey(
        "booking.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    about_start = models.DateTimeField(
        null=True, blank=True, help_text="The appointment's start when this was written."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "email"

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"
